"""A Salesforce export (Data Loader or Bulk API CSV files) → a plan folder.

``quotaplan import salesforce EXPORT_FOLDER --out PLAN`` reads ``Territory2.csv``,
``UserTerritory2Association.csv``, ``ObjectTerritory2Association.csv``, ``User.csv``,
``Account.csv``, ``Opportunity.csv`` and, when present, ``Territory2Model.csv`` and
``ForecastingQuota.csv``. The organisation (model, tree, sellers) is read by
:mod:`.salesforce_org`, accounts and bookings by :mod:`.salesforce_accounts`; here: reading the
files, the plan year and top-down number (as the other importers derive them), the currency and
the assigned quotas. Every
problem in the files is collected (file, line, column) and raised together as
:class:`~quotaplan.errors.PlanInvalid`; warnings travel in the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from quotaplan.calendar import add_months
from quotaplan.errors import PlanInvalid, UsageError
from quotaplan.importers import (
    Derivation,
    ImportReport,
    PlanImport,
    imported_plan,
    plan_year,
    proposed_topdown,
)
from quotaplan.importers import salesforce_org as org
from quotaplan.importers.salesforce_accounts import bookings_of, known_accounts, placed_accounts
from quotaplan.interop.sfcsv import booleans, cents, dates, ids, listed, present, read_export
from quotaplan.problems import Problem, has_errors, sort_key


def import_salesforce(source: Path, out: Path, *, fiscal_year_start: date | None = None,
                      model: str | None = None, ote_field: str | None = None,
                      hire_date_field: str | None = None,
                      seniority_field: str | None = None,
                      roles: str | None = None) -> ImportReport:
    """Import the Salesforce export folder ``source`` into the plan folder ``out`` (see
    :func:`salesforce_plan`)."""
    return salesforce_plan(source, fiscal_year_start=fiscal_year_start, model=model,
                           ote_field=ote_field, hire_date_field=hire_date_field,
                           seniority_field=seniority_field, roles=roles).write(
        out, protect=(source,))


def salesforce_plan(source: Path, *, fiscal_year_start: date | None = None,
                    model: str | None = None, ote_field: str | None = None,
                    hire_date_field: str | None = None,
                    seniority_field: str | None = None,
                    roles: str | None = None) -> PlanImport:
    """The plan of the Salesforce export folder ``source``, and what the import derived.

    ``ote_field``, ``hire_date_field`` and ``seniority_field`` name User fields (e.g.
    ``OTE__c``) holding each seller's OTE (an amount), hire date and seniority level. ``roles``
    (comma-separated ``RoleInTerritory2`` values) keeps only the associations with those roles:
    overlay users (sales engineers, …) then do not take a seat.
    """
    if not source.is_dir():
        raise UsageError(f"{source} is not a folder; pass the folder holding the Salesforce "
                         "export (Territory2.csv, User.csv, Account.csv, Opportunity.csv, …)")
    problems: list[Problem] = []
    derivations: list[Derivation] = []
    fields = {"ote": ote_field, "hire_date": hire_date_field, "seniority": seniority_field}
    read_notes: list[Derivation] = []
    files = _read_files(source, fields, problems, read_notes)
    if files is None:
        raise PlanInvalid(sorted(problems, key=sort_key))
    terr, models, uta, ota, users = files.terr, files.models, files.uta, files.ota, files.users
    accounts, opps, bookings, quotas = files.accounts, files.opps, files.bookings, files.quotas

    chosen = org.choose_model(terr, models, model, derivations)
    territories = org.tree(terr, chosen, problems, derivations)
    uta = _references(uta, terr, chosen, "UserId", users, "User.csv", problems, derivations,
                      "user associations")
    ota = _references(ota, terr, chosen, "ObjectId", accounts, "Account.csv", problems,
                      derivations, "account associations")
    if bookings.height == 0:
        problems.append(Problem(str(opps.get_column("_file")[0]) if opps.height else "Opportunity.csv",
                                None, "IsWon", "no opportunity is won; a plan needs booking history "
                                "(export the won opportunities of the last years)"))
    if has_errors(problems):
        raise PlanInvalid(sorted(problems, key=sort_key))

    start, derived = plan_year(bookings.get_column("date").max(), fiscal_year_start)  # type: ignore[arg-type]
    derivations.append(derived)
    derivations.extend(read_notes)
    plan_accounts, territories = placed_accounts(accounts, ota, territories, problems, derivations)
    bookings = known_accounts(bookings, plan_accounts, problems, derivations)
    sellers = org.sellers(territories, users, _with_roles(uta, roles, derivations), start,
                          problems, derivations)
    number, derived = proposed_topdown(bookings, start)
    derivations.append(derived)
    currency = _currency(opps, problems, derivations)
    tables = {
        "territories.csv": territories.drop("line", "_file"),
        "sellers.csv": sellers,
        "accounts.csv": plan_accounts,
        "bookings.csv": bookings.rename({"amount": "amount_cents"}),
    }
    if quotas is not None:
        tables["assigned_quotas.csv"] = _assigned(quotas, sellers, territories, start, problems,
                                                  derivations)
    if has_errors(problems):
        raise PlanInvalid(sorted(problems, key=sort_key))
    title = re.sub(r"[\x00-\x1f\x7f\"\\\\]", " ", chosen.name).strip() or chosen.id
    return imported_plan(f"{title} (imported from Salesforce)", start, number, tables,
                         derivations, currency=currency, problems=sorted(problems, key=sort_key))


@dataclass(frozen=True)
class _Files:
    """The export's files, their ids normalised and their values parsed."""

    terr: pl.DataFrame
    models: pl.DataFrame | None
    uta: pl.DataFrame
    ota: pl.DataFrame
    users: pl.DataFrame
    accounts: pl.DataFrame
    opps: pl.DataFrame
    bookings: pl.DataFrame
    quotas: pl.DataFrame | None


def _read_files(source: Path, fields: dict[str, str | None], problems: list[Problem],
                derivations: list[Derivation]) -> _Files | None:
    """Read and parse every file; ``None`` when any problem is an error (all are listed)."""
    def read(name: str, required: tuple[str, ...], optional: tuple[str, ...], what: str,
             must_exist: bool = True) -> pl.DataFrame | None:
        return read_export(source, name, required, optional, problems, what=what,
                           must_exist=must_exist)

    models = read("Territory2Model.csv", ("Id",), ("Name", "DeveloperName", "State"),
                  "the Territory2Model records", must_exist=False)
    terr = read("Territory2.csv", ("Id", "ParentTerritory2Id", "Territory2ModelId"),
                ("Name", "DeveloperName"), "the Territory2 records")
    uta = read("UserTerritory2Association.csv", ("UserId", "Territory2Id", "IsActive"),
               ("RoleInTerritory2",), "the UserTerritory2Association records")
    ota = read("ObjectTerritory2Association.csv", ("ObjectId", "Territory2Id"),
               ("AssociationCause",), "the ObjectTerritory2Association records of accounts")
    named = tuple(f for f in fields.values() if f)
    users = read("User.csv", ("Id", "IsActive", *named), ("Name", "ManagerId"), "the User records")
    accounts = read("Account.csv", ("Id",), ("Name", "Industry", "AnnualRevenue",
                                             "NumberOfEmployees", "Type", "Rating"),
                    "the Account records")
    opps = read("Opportunity.csv", ("Id", "AccountId", "Amount", "CloseDate", "IsWon", "IsClosed"),
                ("CurrencyIsoCode",), "the Opportunity records")
    quotas = read("ForecastingQuota.csv", ("QuotaOwnerId", "QuotaAmount", "StartDate"),
                  ("ForecastingTypeId", "Territory2Id", "ProductFamily"),
                  "the ForecastingQuota records", must_exist=False)

    if models is not None:
        models = _keyed(models, problems)
    if terr is not None:
        terr = _keyed(terr.with_columns(ids(terr, "ParentTerritory2Id", problems, required=False),
                                        ids(terr, "Territory2ModelId", problems, required=True)),
                      problems)
    if users is not None:
        users = _keyed(_user_fields(users, fields, problems), problems)
    if accounts is not None:
        accounts = _keyed(accounts, problems)
    if opps is not None:
        opps = _keyed(opps, problems)
    if uta is not None:
        uta = uta.with_columns(ids(uta, "UserId", problems, required=True),
                               ids(uta, "Territory2Id", problems, required=True),
                               booleans(uta, "IsActive", problems))
    if ota is not None:
        ota = ota.with_columns(ids(ota, "ObjectId", problems, required=True),
                               ids(ota, "Territory2Id", problems, required=True))
    bookings = bookings_of(opps, problems, derivations) if opps is not None else None
    if quotas is not None:
        quotas = quotas.with_columns(
            ids(quotas, "QuotaOwnerId", problems, required=True),
            pl.Series("amount", cents(quotas, "QuotaAmount", problems, negative=False)),
            dates(quotas, "StartDate", problems, required=True))
    if (has_errors(problems) or terr is None or uta is None or ota is None or users is None
            or accounts is None or opps is None or bookings is None):
        return None
    return _Files(terr, models, uta, ota, users, accounts, opps, bookings, quotas)


def _keyed(frame: pl.DataFrame, problems: list[Problem]) -> pl.DataFrame:
    """Normalise the ``Id`` column; an empty, bad or repeated Id is a problem."""
    frame = frame.with_columns(ids(frame, "Id", problems, required=True))
    listed(frame, pl.col("Id").is_not_null() & ~pl.col("Id").is_first_distinct(), "Id",
           lambda v: f"Id {v} is listed twice (15- and 18-character ids are the same id); "
           "export each record once", problems, "duplicate-id")
    return frame


def _with_roles(uta: pl.DataFrame, roles: str | None,
                derivations: list[Derivation]) -> pl.DataFrame:
    if roles is None:
        return uta
    wanted = sorted({r.strip().lower() for r in roles.split(",") if r.strip()})
    if "RoleInTerritory2" not in uta.columns:
        raise UsageError("--roles needs the RoleInTerritory2 column in "
                         "UserTerritory2Association.csv; export it, or drop --roles")
    kept = uta.filter(pl.col("RoleInTerritory2").str.to_lowercase().is_in(wanted))
    derivations.append(Derivation("territory roles", f"only associations whose RoleInTerritory2 is "
                                  f"one of {', '.join(wanted)} (--roles); "
                                  f"{uta.height - kept.height} others are not read", kept.height))
    return kept


def _user_fields(users: pl.DataFrame, fields: dict[str, str | None],
                 problems: list[Problem]) -> pl.DataFrame:
    """IsActive, and the OTE, hire date and seniority from the fields the options name."""
    ote, hire, level = fields["ote"], fields["hire_date"], fields["seniority"]
    none_text, none_date = pl.lit(None, pl.String), pl.lit(None, pl.Date)
    return users.with_columns(
        booleans(users, "IsActive", problems),
        (pl.Series("ote_cents", cents(users, ote, problems, what="an OTE amount", negative=False))
         if ote else pl.lit(None, pl.Int64).alias("ote_cents")),
        (dates(users, hire, problems, required=False).alias("hire_date") if hire
         else none_date.alias("hire_date")),
        (pl.when(present(level)).then(pl.col(level)).alias("seniority") if level
         else none_text.alias("seniority")),
    )


def _references(assoc: pl.DataFrame, terr: pl.DataFrame, model: org.Model, key: str,
                targets: pl.DataFrame, target_file: str, problems: list[Problem],
                derivations: list[Derivation], what: str) -> pl.DataFrame:
    """The associations of ``model``; an unknown territory is an error, an unknown user too, an
    unknown account a warning (the row is dropped)."""
    known = terr.get_column("Id").implode()
    listed(assoc, pl.col("Territory2Id").is_not_null() & ~pl.col("Territory2Id").is_in(known),
           "Territory2Id", lambda v: f"territory {v!r} is not in Territory2.csv; export every "
           "territory, or remove the association", problems, "unknown-territory")
    mine = terr.filter(pl.col("Territory2ModelId") == model.id).get_column("Id").implode()
    here = assoc.filter(pl.col("Territory2Id").is_in(mine))
    derivations.append(Derivation(what, f"those of the model; {assoc.height - here.height} rows "
                                  "of other models are not read", here.height))
    ours = targets.get_column("Id").implode()
    unknown = pl.col(key).is_not_null() & ~pl.col(key).is_in(ours)
    if key == "UserId":
        listed(here, unknown, key, lambda v: f"user {v!r} is not in {target_file}; export every "
               "user named in an association", problems, "unknown-user")
        return here
    listed(here, unknown, key, lambda v: f"record {v!r} is not an account of {target_file}; "
           "the association is left out", problems, "unknown-account", "warning")
    return here.filter(~unknown)


def _currency(opps: pl.DataFrame, problems: list[Problem], derivations: list[Derivation]) -> str:
    if "CurrencyIsoCode" not in opps.columns:
        derivations.append(Derivation("currency", "Opportunity.csv has no CurrencyIsoCode: USD is "
                                      "assumed; change [plan] currency if not"))
        return "USD"
    codes = (opps.filter(present("CurrencyIsoCode")).group_by("CurrencyIsoCode").len()
             .sort(["len", "CurrencyIsoCode"], descending=[True, False]))
    if codes.height == 0:
        return "USD"
    code = str(codes.get_column("CurrencyIsoCode")[0]).upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        problems.append(Problem(str(opps.get_column("_file")[0]), None, "CurrencyIsoCode",
                                f"{code!r} is not an ISO currency code; USD is assumed — set "
                                "[plan] currency", "warning", "currency"))
        return "USD"
    if codes.height > 1:
        others = opps.filter(present("CurrencyIsoCode")
                             & (pl.col("CurrencyIsoCode").str.to_uppercase() != code))
        problems.append(Problem(
            str(opps.get_column("_file")[0]), int(others.get_column("line")[0]), "CurrencyIsoCode",
            f"opportunities in {codes.height} currencies; amounts are taken as they are, in "
            f"{code}, the most common — export amounts converted to one currency "
            "(convertCurrency(Amount)) for exact figures", "warning", "currencies"))
    derivations.append(Derivation("currency", f"{code}, the opportunities' CurrencyIsoCode"))
    return code


def _assigned(quotas: pl.DataFrame, sellers: pl.DataFrame, territories: pl.DataFrame,
              start: date, problems: list[Problem], derivations: list[Derivation]) -> pl.DataFrame:
    """ForecastingQuota rows of the plan year → one annual quota per carrier."""
    if "ForecastingTypeId" in quotas.columns:
        typed = quotas.filter(present("ForecastingTypeId"))
        types = sorted(typed.get_column("ForecastingTypeId").unique().to_list())
        if len(types) > 1:
            first = typed.get_column("ForecastingTypeId")[0]
            listed(typed.filter(pl.col("ForecastingTypeId") != first).head(1), pl.lit(True),
                   "ForecastingTypeId", lambda v: f"the quotas are of {len(types)} forecast types "
                   f"({', '.join(types)}); export the rows of one ForecastingTypeId",
                   problems, "forecast-types")
            return pl.DataFrame()
    end = add_months(start, 12)
    inside = quotas.filter((pl.col("StartDate") >= start) & (pl.col("StartDate") < end))
    parents = territories.get_column("parent_id").drop_nulls().implode()
    carriers = sellers.filter(~pl.col("territory_id").is_in(parents)).get_column("seller_id")
    stray = ~pl.col("QuotaOwnerId").is_in(carriers.implode())
    listed(inside, stray & pl.col("QuotaOwnerId").is_first_distinct(), "QuotaOwnerId",
           lambda v: f"{v} carries no quota in the plan (a manager, an inactive user or a user "
           "outside the model); their quota rows are left out", problems, "not-a-carrier", "warning")
    no_amount = inside.filter(pl.col("amount").is_null()).height
    summed = (inside.filter(~stray & pl.col("amount").is_not_null()).group_by("QuotaOwnerId")
              .agg(quota_cents=pl.col("amount").sum(), rows=pl.len())
              .sort("QuotaOwnerId"))
    derivations.append(Derivation(
        "assigned quotas", f"ForecastingQuota rows starting from {start.isoformat()} to the day "
        f"before {end.isoformat()}, summed per carrier into assigned_quotas.csv "
        f"({quotas.height - inside.height} rows of other years and {no_amount} without a "
        "QuotaAmount are not read); set [quotas] basis = \"assigned\" to use them", summed.height))
    return summed.select(seller_id="QuotaOwnerId", quota_cents="quota_cents",
                         reason=pl.lit("Salesforce ForecastingQuota: the sum of ")
                         + pl.col("rows").cast(pl.String) + pl.lit(" row(s) of the plan year"))
