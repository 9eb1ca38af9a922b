"""The embedded demo plan: a plan folder shipped inside the package (``quotaplan demo``).

Its files are made by :func:`quotaplan.generate.generate_plan` with
:data:`quotaplan.generate.DEMO_OPTIONS` (2,000 accounts, 40 quota carriers, synthetic data) and
committed; a test regenerates them and checks they are identical. After changing the generator,
run ``python -c "from quotaplan.generate import regenerate_demo; regenerate_demo()"``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def demo_plan_path() -> Path:
    """The folder of the demo plan (``plan.toml`` and its CSV files), read-only by convention."""
    return Path(str(files(__name__)))
