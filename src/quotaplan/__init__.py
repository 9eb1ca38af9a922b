"""quotaplan: quota planning for sales organisations.

The small public API: read a plan folder, build every output, write them.

>>> from quotaplan import read_plan, build, write_outputs
>>> plan, problems = read_plan(Path("my-plan"))          # doctest: +SKIP
>>> result = build(plan)                                  # doctest: +SKIP
>>> write_outputs(result, Path("out"))                    # doctest: +SKIP
"""

import os as _os
import sys as _sys
from pathlib import Path as _Path

# The ``quotaplan`` command is a short process that allocates and frees gigabytes in bursts on a
# large plan. Polars sets its allocator (jemalloc) to hand freed pages back to the system after
# half a second; the command asks it to keep them for reuse instead of faulting fresh ones in
# again: about 0.4 s of 5.5 s at a million accounts (see bench/README.md). Only for the
# command, and only if Polars is not loaded yet (it reads the setting when it loads): a process
# that imports quotaplan as a library is left alone, and a _RJEM_MALLOC_CONF set by the user
# wins.
# The command also keeps NumPy's BLAS to one thread: quotaplan does no linear algebra, and the
# threads BLAS starts (one per core) at import cost about 0.08 s of CPU for nothing.
_argv = getattr(_sys, "argv", None) or [""]
if _Path(_argv[0]).name == "quotaplan" and "polars" not in _sys.modules:
    _os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:-1,muzzy_decay_ms:-1")
if _Path(_argv[0]).name == "quotaplan" and "numpy" not in _sys.modules:
    _os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from quotaplan.build import BuildResult, build  # noqa: E402
from quotaplan.errors import PlanInvalid, QuotaplanError, UnknownSeller, UsageError  # noqa: E402
from quotaplan.outputs import write_outputs  # noqa: E402
from quotaplan.plan import Plan  # noqa: E402
from quotaplan.planfolder.read import read_plan, read_plan_files  # noqa: E402
from quotaplan.problems import Problem  # noqa: E402
from quotaplan.settings import Settings  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "BuildResult",
    "Plan",
    "PlanInvalid",
    "Problem",
    "QuotaplanError",
    "Settings",
    "UnknownSeller",
    "UsageError",
    "__version__",
    "build",
    "read_plan",
    "read_plan_files",
    "write_outputs",
]
