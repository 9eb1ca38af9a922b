"""quotaplan: quota planning for sales organisations.

The small public API: read a plan folder, build every output, write them.

>>> from quotaplan import read_plan, build, write_outputs
>>> plan, problems = read_plan(Path("my-plan"))          # doctest: +SKIP
>>> result = build(plan)                                  # doctest: +SKIP
>>> write_outputs(result, Path("out"))                    # doctest: +SKIP
"""

from quotaplan.build import BuildResult, build
from quotaplan.errors import PlanInvalid, QuotaplanError, UnknownSeller, UsageError
from quotaplan.outputs import write_outputs
from quotaplan.plan import Plan
from quotaplan.planfolder.read import read_plan, read_plan_files
from quotaplan.problems import Problem
from quotaplan.settings import Settings

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
