"""What ``quotaplan simulate`` prints: the terminal rendering (:func:`render_simulation`) of the
view the HTML report shares (:func:`~.simviews.simulation_view`)."""

from __future__ import annotations

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text

from quotaplan.core.simulate import FLAG_BELOW, SimulationResult
from quotaplan.money import format_cents_grouped
from quotaplan.report.simviews import SimulationView, pct, simulation_view
from quotaplan.report.views import plural

#: Flagged sellers listed in the terminal at most (simulation.csv has them all).
LISTED = 15


STYLES = {"good": "green", "warn": "yellow", "bad": "bold red", "dim": "dim"}


def render_simulation(sim: SimulationResult) -> list[RenderableType]:
    """The simulation in a few lines and one table of flagged quotas."""
    view = simulation_view(sim)
    bt = view.backtest
    lines: list[RenderableType] = [
        Text.assemble(("Attainment simulation", "bold"),
                      f" — {view.runs:,} runs, seed {view.seed}; back-test {bt['year_start']} to "
                      f"{bt['year_end']} on {plural(bt['accounts'], 'account')} and "
                      f"{plural(bt['carriers'], 'book')}"),
        Text.assemble("Share of sellers at quota: ", (pct(view.share["mean"]), "bold"),
                      f" (p10 {pct(view.share['p10'])}, p90 {pct(view.share['p90'])}) — ",
                      (view.verdict, STYLES[view.tone])),
    ]
    if view.company is not None:
        lines.append(Text(f"Company attainment against the top-down number: p50 "
                          f"{pct(view.company['p50'])} (p10 {pct(view.company['p10'])}, "
                          f"p90 {pct(view.company['p90'])})"))
    else:
        lines.append(Text("Company attainment: no top-down number at the root", style="dim"))
    lines.append(Text(f"Back-test accuracy: {view.accuracy}"))
    count = view.flagged.height
    lines.append(Text.assemble(
        (f"{count:,} of {view.carriers_with_quota:,} quotas", "bold red" if count else "green"),
        f" have P(at quota) below {FLAG_BELOW:.1f}" + (":" if count else ".")))
    if count:
        table = Table(show_lines=False)
        for name, justify in (("seller", "left"), ("final quota", "right"),
                              ("P(at quota)", "right"), ("attainment p10 / p50 / p90", "right"),
                              ("expected shortfall", "right")):
            table.add_column(name, justify=justify)  # type: ignore[arg-type]
        for row in view.flagged.head(LISTED).iter_rows(named=True):
            table.add_row(
                Text(str(row["seller_id"])), format_cents_grouped(row["final_quota"]),
                pct(row['p_at_quota'], 1),
                " / ".join(pct(row[f"attainment_p{q}"]) for q in (10, 50, 90)),
                format_cents_grouped(row["expected_shortfall"]))
        lines.append(table)
        if count > LISTED:
            lines.append(Text(f"… and {count - LISTED:,} more in simulation.csv (--out)", style="dim"))
    return lines


__all__ = ["LISTED", "SimulationView", "pct", "render_simulation", "simulation_view"]
