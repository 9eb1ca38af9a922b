"""What-if: the build of a plan with one carrier's manual adjustments changed.

SPEC: "What-if (one carrier's adjustment changed) updates that carrier and every ancestor's roll-up
in ≤ 100 ms." A what-if is no separate computation: it is the build of the edited plan
(:func:`quotaplan.edits.set_adjustments`) through a :class:`~quotaplan.pipeline.Pipeline` that
built the plan, which recomputes only that carrier's quota and the stages after it. Each what-if
starts from the plan of the build (they do not accumulate); the build's result is never changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from quotaplan.build import BuildResult
from quotaplan.core.ledger import ManualLine
from quotaplan.edits import set_adjustments
from quotaplan.pipeline import Pipeline


class WhatIf:
    """What-ifs on the plan of ``result``. Construction builds that plan once through a pipeline
    (unless ``pipeline`` already built it); each :meth:`with_adjustments` is then a build of an
    edited plan that reruns only the stages the edit reaches."""

    def __init__(self, result: BuildResult, pipeline: Pipeline | None = None) -> None:
        self.result = result
        self.pipeline = pipeline if pipeline is not None else Pipeline()
        if pipeline is None:
            self.pipeline.build(result.plan)
        self._carriers = frozenset(result.quotas.get_column("seller_id").to_list())

    def with_adjustments(self, seller_id: str, adjustments: Sequence[ManualLine]) -> BuildResult:
        """The build as if ``seller_id``'s adjustments.csv lines were ``adjustments`` (in file
        order; each with exactly one of rate or amount). KeyError for a seller who carries no
        quota."""
        if seller_id not in self._carriers:
            raise KeyError(seller_id)
        return self.pipeline.build(set_adjustments(self.result.plan, seller_id, adjustments))


def with_adjustments(
    result: BuildResult, seller_id: str, adjustments: Sequence[ManualLine]
) -> BuildResult:
    """One what-if (see :class:`WhatIf`; make one to run many)."""
    return WhatIf(result).with_adjustments(seller_id, adjustments)


__all__ = ["WhatIf", "with_adjustments"]
