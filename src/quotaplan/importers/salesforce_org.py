"""The organisation in a Salesforce export: the territory model, its tree and who sits where.

Only one ``Territory2Model`` is read: the one named by ``--model`` (its Id, DeveloperName or
Name), else the only model of ``Territory2.csv``, else the one whose ``Territory2Model.csv`` row
says ``State = Active``. Its territories keep their 18-character ``Id`` as ``territory_id``; a
model with several top territories gets a root named after the model (its id is the model's).
A user on a leaf is that leaf's quota carrier, a user on another territory its manager. Only
active users with active associations carry quota: a leaf whose users are all inactive becomes a
``tbh`` seat (``tbh-<territory id>``), a leaf with no user at all stays uncovered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from quotaplan.errors import PlanInvalid, UsageError
from quotaplan.importers import Derivation
from quotaplan.interop.sfcsv import listed
from quotaplan.interop.sfid import to_18
from quotaplan.problems import Problem

TBH_PREFIX = "tbh-"


@dataclass(frozen=True)
class Model:
    id: str
    name: str


def choose_model(territories: pl.DataFrame, models: pl.DataFrame | None, asked: str | None,
                 derivations: list[Derivation]) -> Model:
    """The one territory model to import (see the module's docstring); a :class:`UsageError`
    when ``--model`` names no model or several models leave the choice open."""
    in_use = (territories.group_by("Territory2ModelId").len().drop_nulls().sort("Territory2ModelId"))
    ids = in_use.get_column("Territory2ModelId").to_list()
    if not ids:
        raise PlanInvalid([Problem("Territory2.csv", None, None, "the file holds no territory; "
                                   "export the Territory2 records of the territory model")])
    known: dict[str, str] = {i: i for i in ids}
    states: dict[str, str] = {}
    if models is not None:
        for row in models.iter_rows(named=True):
            if row["Id"] is None:
                continue
            known[row["Id"]] = row.get("Name") or row.get("DeveloperName") or row["Id"]
            states[row["Id"]] = (row.get("State") or "").strip()
    listing = "; ".join(f"{i} ({known[i]}{', ' + states[i] if states.get(i) else ''})"
                        for i in sorted(known))
    if asked is not None:
        want = to_18(asked.strip()) or asked.strip()
        matches = [i for i in known if i == want]
        if not matches and models is not None:
            low = asked.strip().lower()
            matches = [r["Id"] for r in models.iter_rows(named=True) if r["Id"] is not None and low in (
                (r.get("DeveloperName") or "").lower(), (r.get("Name") or "").lower())]
        if len(matches) != 1:
            raise UsageError(f"--model {asked!r} names no territory model of the export; pass the "
                             f"Id, DeveloperName or Name of one of: {listing}")
        chosen = Model(matches[0], known[matches[0]])
        derivations.append(Derivation("territory model", f"{chosen.id} ({chosen.name}), as asked "
                                      "by --model"))
        return chosen
    if len(ids) == 1:
        chosen = Model(ids[0], known[ids[0]])
        derivations.append(Derivation("territory model", f"{chosen.id} ({chosen.name}): the only "
                                      "model in Territory2.csv"))
        return chosen
    active = [i for i in ids if states.get(i, "").lower() == "active"]
    if len(active) == 1:
        chosen = Model(active[0], known[active[0]])
        derivations.append(Derivation("territory model", f"{chosen.id} ({chosen.name}): the Active "
                                      f"one of {len(ids)} models; pass --model to import another"))
        return chosen
    raise UsageError(f"Territory2.csv holds territories of {len(ids)} models and "
                     + ("Territory2Model.csv does not name one Active model"
                        if models is not None else "Territory2Model.csv is absent")
                     + f"; pass --model with one of: {listing}")


def tree(territories: pl.DataFrame, model: Model, problems: list[Problem],
         derivations: list[Derivation]) -> pl.DataFrame:
    """The model's territories as plan rows (territory_id, name, parent_id, level, line, _file),
    with a root added when the model has several top territories. Parents outside the model and
    cycles are problems."""
    mine = territories.filter(pl.col("Territory2ModelId") == model.id)
    if mine.height == 0:
        problems.append(Problem(str(territories.get_column("_file")[0]) if territories.height
                                else "Territory2.csv", None, "Territory2ModelId",
                                f"no territory belongs to the model {model.id}; export its "
                                "territories, or choose another model with --model"))
    all_ids = territories.get_column("Id").drop_nulls().implode()
    own_ids = mine.get_column("Id").drop_nulls().implode()
    parent = pl.col("ParentTerritory2Id")
    listed(mine, parent.is_not_null() & ~parent.is_in(all_ids), "ParentTerritory2Id",
           lambda v: f"parent territory {v!r} is not in Territory2.csv; export every territory "
           "of the model", problems, "unknown-territory")
    listed(mine, parent.is_not_null() & parent.is_in(all_ids) & ~parent.is_in(own_ids),
           "ParentTerritory2Id", lambda v: f"parent territory {v!r} belongs to another territory "
           f"model than {model.id}; fix the parent in Salesforce", problems, "other-model")
    parents = dict(zip(mine.get_column("Id").to_list(), mine.get_column("ParentTerritory2Id").to_list(),
                       strict=True))
    cyclic = _in_cycles(parents)
    listed(mine, pl.col("Id").is_in(sorted(cyclic)), "ParentTerritory2Id",
           lambda v: "this territory is its own ancestor (a cycle in ParentTerritory2Id); fix the "
           "parents", problems, "cycle")
    name = pl.coalesce(
        pl.when(pl.col(c) != "").then(pl.col(c)) for c in ("Name", "DeveloperName", "Id")
        if c in mine.columns)
    unnamed = mine.filter((pl.col("Name") if "Name" in mine.columns else pl.lit(None)).is_null()
                          | ((pl.col("Name") if "Name" in mine.columns else pl.lit("")) == "")).height
    rows = mine.select(territory_id="Id", name=name, parent_id=parent,
                       level=pl.lit(None, pl.String), line="line", _file="_file")
    tops = rows.filter(pl.col("parent_id").is_null())
    if tops.height > 1:
        rows = pl.concat([pl.DataFrame({
            "territory_id": [model.id], "name": [model.name], "parent_id": [None], "level": ["Model"],
            "line": [None], "_file": [None]}, schema=rows.schema),
            rows.with_columns(parent_id=pl.coalesce("parent_id", pl.lit(model.id)))])
        derivations.append(Derivation("root territory", f"the model has {tops.height} top "
                                      f"territories, so a root {model.id} ({model.name}) holds them"))
    dropped = territories.height - mine.height
    derivations.append(Derivation("territories", f"the model's territories keep their Id; "
                                  f"DeveloperName stands in for {unnamed} empty Name(s); "
                                  f"{dropped} territories of other models are not read", mine.height))
    return rows


def _in_cycles(parents: dict[str, str | None]) -> set[str]:
    """Territories whose chain of parents never reaches a top territory."""
    done: set[str] = set()
    cyclic: set[str] = set()
    for start in parents:
        path: list[str] = []
        seen: set[str] = set()
        node: str | None = start
        while node is not None and node in parents and node not in done and node not in seen:
            seen.add(node)
            path.append(node)
            node = parents[node]
        if node is not None and (node in seen or node in cyclic):
            cyclic.update(path)
        done.update(path)
    return cyclic


def sellers(territories: pl.DataFrame, users: pl.DataFrame, assoc: pl.DataFrame, start: date,
            problems: list[Problem], derivations: list[Derivation]) -> pl.DataFrame:
    """Plan sellers from the model's user associations (see the module's docstring).

    ``users``: Id, Name, IsActive, ote_cents, hire_date, seniority; ``assoc``: the model's
    UserTerritory2Association rows (UserId, Territory2Id, IsActive, RoleInTerritory2, line, _file).
    """
    leaves = territories.join(territories.select(pl.col("parent_id").alias("territory_id")).unique(),
                              on="territory_id", how="anti").get_column("territory_id")
    rows = assoc.join(users.select("Id", "Name", pl.col("IsActive").alias("user_active")),
                      left_on="UserId", right_on="Id", how="left").with_columns(
        active=pl.col("IsActive") & pl.col("user_active"),
        leaf=pl.col("Territory2Id").is_in(leaves.implode()),
    ).sort("Territory2Id", "UserId", "line")
    active = rows.filter(pl.col("active"))
    # A user on several territories is kept on the first (by territory id).
    second = active.filter(~pl.col("UserId").is_first_distinct())
    listed(active, pl.col("line").is_in(second.get_column("line").implode()), "Territory2Id",
           lambda v: f"the user is also on an earlier territory (by id); a user carries one "
           f"quota, so territory {v} is not theirs in the plan", problems, "several-territories",
           "warning")
    active = active.filter(pl.col("UserId").is_first_distinct())
    # A territory with several users: the first by user id carries its quota (or manages it).
    crowded = active.filter(~pl.col("Territory2Id").is_first_distinct())
    active = active.with_columns(
        _who=pl.format("user {} shares territory {}", pl.col("UserId"), pl.col("Territory2Id")))
    listed(active, pl.col("line").is_in(crowded.get_column("line").implode()), "UserId",
           lambda v: f"{v} with a user of a lower id, who carries its quota or manages it; this "
           "user is left out of the plan (--roles keeps only the roles that take a seat)",
           problems, "shared-territory", "warning", shown="_who")
    kept = active.filter(pl.col("Territory2Id").is_first_distinct())
    inactive = rows.filter(~pl.col("active").fill_null(False)).join(
        kept.select("Territory2Id"), on="Territory2Id", how="anti")
    inactive = inactive.with_columns(
        _who=pl.format("user {} on territory {}", pl.col("UserId"), pl.col("Territory2Id")))
    vacant = inactive.filter(pl.col("leaf")).unique("Territory2Id", keep="first", maintain_order=True)
    listed(inactive, pl.col("line").is_in(vacant.get_column("line").implode()), "UserId",
           lambda v: f"{v} is inactive (or their association is), so they carry no quota; the "
           "leaf becomes a vacant seat (status tbh) starting with the plan year",
           problems, "inactive-user", "warning", shown="_who")
    headless = inactive.filter(~pl.col("leaf")).unique("Territory2Id", keep="first",
                                                      maintain_order=True)
    listed(inactive, pl.col("line").is_in(headless.get_column("line").implode()), "UserId",
           lambda v: f"{v} is inactive (or their association is); the territory has no manager "
           "in the plan (its quota still rolls up)", problems, "inactive-manager", "warning",
           shown="_who")
    people = kept.join(users.drop("Name", "IsActive", "line", "_file"), left_on="UserId",
                       right_on="Id", how="left")
    role = pl.col("RoleInTerritory2") if "RoleInTerritory2" in people.columns else pl.lit(None)
    placed = people.select(
        seller_id="UserId", name="Name", territory_id="Territory2Id",
        role=pl.coalesce(pl.when(role != "").then(role),
                         pl.when(pl.col("leaf")).then(pl.lit("Territory user"))
                         .otherwise(pl.lit("Territory manager"))),
        hire_date="hire_date", end_date=pl.lit(None, pl.Date), ote_cents="ote_cents",
        seniority="seniority", ramp_profile=pl.lit(None, pl.String), status=pl.lit("active"))
    seats = vacant.select(
        seller_id=pl.lit(TBH_PREFIX) + pl.col("Territory2Id"),
        name=pl.lit("Vacant seat (was ") + pl.col("Name").fill_null(pl.col("UserId")) + pl.lit(")"),
        territory_id="Territory2Id", role=pl.lit("Vacant seat"), hire_date=pl.lit(start),
        end_date=pl.lit(None, pl.Date), ote_cents=pl.lit(None, pl.Int64),
        seniority=pl.lit(None, pl.String), ramp_profile=pl.lit(None, pl.String),
        status=pl.lit("tbh"))
    result = pl.concat([placed, seats], how="vertical_relaxed").sort("territory_id")
    carriers = placed.filter(pl.col("territory_id").is_in(leaves.implode())).height
    derivations.append(Derivation(
        "sellers", f"users keep their Id as seller_id: {carriers} active users on leaves carry "
        f"quota, {placed.height - carriers} on other territories manage them; {vacant.height} "
        f"leaves of inactive users become vacant seats (tbh-<territory id>, starting "
        f"{start.isoformat()}); who manages whom follows the territory tree, not "
        "User.ManagerId", result.height))
    covered = result.get_column("territory_id").implode()
    uncovered = leaves.filter(~leaves.is_in(covered)).len()
    derivations.append(Derivation("uncovered leaves", "leaves with no user at all: their "
                                  "accounts are uncovered", uncovered))
    return result
