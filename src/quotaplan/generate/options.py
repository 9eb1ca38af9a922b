"""What to generate: the options of a synthetic plan, checked before anything is drawn."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from quotaplan.errors import UsageError
from quotaplan.generate.vocabulary import MAX_LEVELS


@dataclass(frozen=True)
class GenerateOptions:
    """What to generate.

    ``accounts`` ≥ 1; ``sellers`` ≥ 1 is the number of quota-carrier seats (leaves with a carrier,
    ``tbh`` seats included; managers come on top, one per non-leaf node); ``levels`` 1–7 below the
    root; ``history_years`` 1–10 of bookings before ``fiscal_year_start``; about
    ``accounts × bookings_per_account`` booking rows in all (≥ 0).
    """

    accounts: int = 2000
    sellers: int = 40
    seed: int = 7
    fiscal_year_start: date = date(2027, 1, 1)
    levels: int = 4
    history_years: int = 3
    bookings_per_account: float = 10.0
    name: str = "Synthetic plan"


#: The options of the embedded demo plan (``quotaplan/demo``).
DEMO_OPTIONS = GenerateOptions(name="Demo FY2027 Global")


def check_options(options: GenerateOptions) -> None:
    """A usage error for options out of range."""
    if options.accounts < 1:
        raise UsageError(f"--accounts must be 1 or more (got {options.accounts})")
    if options.sellers < 1:
        raise UsageError(f"--sellers must be 1 or more (got {options.sellers})")
    if not 1 <= options.levels <= MAX_LEVELS:
        raise UsageError(f"levels must be from 1 to {MAX_LEVELS} (got {options.levels})")
    if not 1 <= options.history_years <= 10:
        raise UsageError(f"history_years must be from 1 to 10 (got {options.history_years})")
    if not 0 <= options.bookings_per_account <= 1000:
        raise UsageError("bookings_per_account must be from 0 to 1000 "
                         f"(got {options.bookings_per_account})")
    if "\n" in options.name or '"' in options.name or "\\" in options.name:
        raise UsageError("the plan name must be one line without quotes or backslashes")
