"""A realistic, messy Salesforce export written deterministically (Data Loader / Bulk API CSVs).

Two territory models (the Active one with two top territories, 12 leaves, two regions without a
manager), 300 accounts, about 2,000 opportunities over 2024–2026 (won, lost, open; some without an
Amount; close dates as dates and as datetimes), an inactive user, an inactive association, a leaf
with no user, a sales engineer sharing a leaf, 15-character ids in some references, empty
territory Names, an account in two territories with one manual association and one in two by rule
only, accounts on a region and in no territory, ``Account.csv`` with a BOM, CRLF line ends,
quoted names holding commas and quotes, and descriptions over several lines, ``User.csv`` with
Data Loader's upper-case headers. :class:`SalesforceExport` records what a test needs to know.

The 18-character ids are computed here independently of quotaplan (bits read as a binary number).
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def long_id(id15: str) -> str:
    """15 → 18 characters: each chunk of five, read right to left as a binary number."""
    tail = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        binary = "".join("1" if c.isupper() else "0" for c in reversed(chunk))
        tail += ALPHABET[int(binary, 2)]
    return id15 + tail


@dataclass
class SalesforceExport:
    folder: Path
    model_id: str = ""
    other_model_id: str = ""
    #: leaf territory id → the user id carrying it (18 characters)
    carriers: dict[str, str] = field(default_factory=dict)
    #: non-leaf territory id → manager user id
    managers: dict[str, str] = field(default_factory=dict)
    inactive_user: str = ""
    inactive_user_leaf: str = ""
    inactive_association_user: str = ""
    inactive_association_leaf: str = ""
    empty_leaf: str = ""
    engineer: str = ""
    unnamed: dict[str, str] = field(default_factory=dict)  # territory id → its DeveloperName
    manual_account: str = ""
    manual_territory: str = ""
    rule_account: str = ""
    rule_territories: tuple[str, str] = ("", "")
    region_accounts: list[str] = field(default_factory=list)
    region: str = ""
    loose_accounts: list[str] = field(default_factory=list)
    #: won opportunities with an Amount: (account id 18, close date, cents)
    won: list[tuple[str, date, int]] = field(default_factory=list)
    lost: int = 0
    open: int = 0
    won_without_amount: int = 0
    #: the 2027 ForecastingQuota sum per carrier, in cents
    quotas_2027: dict[str, int] = field(default_factory=dict)
    forecast_type: str = ""


class _Ids:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seen: set[str] = set()

    def new(self, prefix: str) -> str:
        while True:
            body = prefix + "5g" + "".join(self.rng.choice(BASE62) for _ in range(10))
            if body.lower() not in self.seen:  # 15-character ids are case-sensitive; keep them
                self.seen.add(body.lower())    # apart even ignoring case, as Salesforce does
                return long_id(body)


def _short(rng: random.Random, id18: str, share: float) -> str:
    """Sometimes the 15-character form, as older reports and formulas write it."""
    return id18[:15] if rng.random() < share else id18


def _csv(rows: list[list[object]], *, quote_all: bool = False, crlf: bool = False,
         bom: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
                        lineterminator="\r\n" if crlf else "\n")
    writer.writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8")


LEAVES = {  # region → leaves (the two top territories hold the regions)
    ("Americas", "NA_East"): ["NAE_Enterprise", "NAE_Commercial", "NAE_SMB"],
    ("Americas", "NA_West"): ["NAW_Enterprise", "NAW_Commercial", "NAW_SMB"],
    ("Americas", "LATAM"): ["LATAM_Brazil", "LATAM_Mexico"],
    ("EMEA", "UKI"): ["UKI_Enterprise", "UKI_Commercial"],
    ("EMEA", "DACH"): ["DACH_Germany", "DACH_Austria_Switzerland"],
}
FIRST = ["Ana", "Ben", "Chloé", "Dev", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kofi",
         "Lena", "Marta", "Nils", "Olga", "Pavel", "Qiu", "Rosa", "Sven", "Tara"]
LAST = ["Ortiz", "Becker", "Dubois", "Patel", "Smith", "Haddad", "O'Neil", "Laurent", "Silva",
        "Weber", "Mensah", "Novak", "García", "Berg", "Ivanova", "Horak", "Wei", "Costa", "Lund",
        "Reid"]
INDUSTRIES = ["Technology", "Manufacturing", "Healthcare", "Retail", "Finance", "Energy", ""]
TYPES = ["Customer - Direct", "Customer - Channel", "Prospect", "Partner", ""]
RATINGS = ["Hot", "Warm", "Cold", ""]
COMPANY = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell", "Cyberdyne",
           "Soylent", "Hooli", "Vandelay", "Wonka", "Oscorp", "Gringotts", "Monarch"]


def write_export(folder: Path, seed: int = 2027, accounts: int = 300) -> SalesforceExport:
    """Write the export into ``folder`` (created) and return what it holds."""
    rng = random.Random(seed)
    ids = _Ids(rng)
    folder.mkdir(parents=True, exist_ok=True)
    fx = SalesforceExport(folder)
    fx.model_id, fx.other_model_id = ids.new("0MA"), ids.new("0MA")
    (folder / "Territory2Model.csv").write_bytes(_csv([
        ["Id", "Name", "DeveloperName", "State", "ActivatedDate"],
        [fx.model_id, "FY2027 Sales, Global", "FY2027_Sales", "Active", "2026-11-02T09:00:00.000Z"],
        [fx.other_model_id, "FY2028 Planning", "FY2028_Planning", "Planning", ""],
    ]))

    territory_rows: list[list[object]] = [["Id", "Name", "DeveloperName", "ParentTerritory2Id",
                                           "Territory2ModelId", "Territory2TypeId", "Description"]]
    type_id = ids.new("0M5")
    by_name: dict[str, str] = {}

    def territory(dev: str, parent: str | None, model: str, named: bool = True) -> str:
        tid = ids.new("0MI")
        by_name[dev] = tid
        parent_cell = _short(rng, parent, 0.3) if parent else ""
        territory_rows.append([tid, dev.replace("_", " ") if named else "", dev, parent_cell,
                               model, type_id, "Sales territory, \"FY27\"" if rng.random() < .3
                               else ""])
        return tid

    tops = {top: territory(top, None, fx.model_id) for top in ("Americas", "EMEA")}
    regions: dict[str, str] = {}
    leaves: list[str] = []
    for (top, region), names in LEAVES.items():
        regions[region] = territory(region, tops[top], fx.model_id)
        for leaf in names:
            leaves.append(territory(leaf, regions[region], fx.model_id,
                                    named=leaf not in ("NAW_SMB", "DACH_Germany")))
    fx.unnamed = {by_name[d]: d for d in ("NAW_SMB", "DACH_Germany")}
    other_top = territory("Global_Planning", None, fx.other_model_id)
    other_leaves = [territory(f"Planning_{i}", other_top, fx.other_model_id) for i in range(3)]
    (folder / "Territory2.csv").write_bytes(_csv(territory_rows, quote_all=True))

    # Users: one rep per leaf, a manager on both tops and three regions.
    user_rows: list[list[object]] = [["ID", "NAME", "USERNAME", "ISACTIVE", "MANAGERID", "OTE__C",
                                      "HIRE_DATE__C", "SENIORITY__C"]]
    assoc_rows: list[list[object]] = [["Id", "UserId", "Territory2Id", "RoleInTerritory2",
                                       "IsActive"]]
    people = iter(rng.sample([(f, la) for f in FIRST for la in LAST], 40))

    def user(active: bool = True, ote: int | None = None, hired: date | None = None,
             level: str = "", manager: str = "") -> str:
        uid = ids.new("005")
        first, last = next(people)
        name = f"{last}, {first}" if rng.random() < 0.3 else f"{first} {last}"
        user_rows.append([uid, name, f"{first.lower()}.{last.lower()}@example.com",
                          "true" if active else "false", manager,
                          "" if ote is None else f"{ote}.00" if ote % 7 else f"{ote / 1e6}E6",
                          "" if hired is None else hired.isoformat(), level])
        return uid

    def associate(uid: str, tid: str, role: str, active: bool = True) -> None:
        assoc_rows.append([ids.new("0R0"), _short(rng, uid, 0.25), tid, role,
                           "1" if active else "0"])

    for top in ("Americas", "EMEA"):
        fx.managers[tops[top]] = user(ote=300_000, hired=date(2018, 4, 1), level="senior")
        associate(fx.managers[tops[top]], tops[top], "Area Vice President")
    for region in ("NA_East", "NA_West", "UKI"):
        fx.managers[regions[region]] = user(ote=220_000, hired=date(2020, 1, 6), level="senior")
        associate(fx.managers[regions[region]], regions[region], "Regional Manager")
    fx.empty_leaf = by_name["LATAM_Mexico"]
    fx.inactive_user_leaf = by_name["NAW_Commercial"]
    fx.inactive_association_leaf = by_name["DACH_Austria_Switzerland"]
    for i, leaf in enumerate(leaves):
        if leaf == fx.empty_leaf:
            continue
        hired = date(2027, 3, 16) if i == 2 else date(2019 + i % 6, 1 + i % 12, 1 + i % 27)
        uid = user(active=leaf != fx.inactive_user_leaf, ote=150_000 + 5_000 * i, hired=hired,
                   level=["junior", "mid", "senior"][i % 3])
        active_link = leaf != fx.inactive_association_leaf
        associate(uid, leaf, "Account Executive", active=active_link)
        if leaf == fx.inactive_user_leaf:
            fx.inactive_user = uid
        elif not active_link:
            fx.inactive_association_user = uid
        else:
            fx.carriers[leaf] = uid
    fx.engineer = user(ote=140_000, hired=date(2021, 9, 1), level="mid")
    associate(fx.engineer, by_name["NAE_Enterprise"], "Sales Engineer")
    planner = user(ote=None)
    for leaf in other_leaves:  # the planning model's users: not read
        associate(planner, leaf, "Account Executive")
    (folder / "User.csv").write_bytes(_csv(user_rows, quote_all=True))
    (folder / "UserTerritory2Association.csv").write_bytes(_csv(assoc_rows))

    account_rows: list[list[object]] = [["Id", "Name", "Type", "Industry", "AnnualRevenue",
                                         "NumberOfEmployees", "Rating", "Description",
                                         "BillingCountry"]]
    object_rows: list[list[object]] = [["Id", "ObjectId", "Territory2Id", "AssociationCause",
                                        "SobjectType"]]
    account_ids: list[str] = []
    for n in range(accounts):
        aid = ids.new("001")
        account_ids.append(aid)
        name = f"{rng.choice(COMPANY)} {rng.choice(['Labs', 'Group', 'Holdings', 'Systems'])} {n}"
        if n % 17 == 0:
            name = f"{name}, Inc."
        if n % 29 == 0:
            name = f"The \"{name}\" Company"
        revenue = rng.choice([None, 2_500_000, 40_000_000, 750_000_000, 15_000_000_000])
        revenue_cell = "" if revenue is None else (f"{revenue / 1e9}E9" if revenue >= 10**9
                                                    else f"{revenue}.0")
        account_rows.append([aid, name, rng.choice(TYPES), rng.choice(INDUSTRIES), revenue_cell,
                             rng.choice(["", "12", "450", "8000"]), rng.choice(RATINGS),
                             "Key account.\nRenewal in Q3, see notes." if n % 23 == 0 else "",
                             rng.choice(["United States", "Germany", "Brazil, Federative Rep."])])
        if n in (3, 4, 5):  # in no territory of the model
            fx.loose_accounts.append(aid)
            continue
        if n in (6, 7):
            fx.region = regions["DACH"]
            fx.region_accounts.append(aid)
            object_rows.append([ids.new("0R0"), aid, fx.region, "Territory2Manual", "Account"])
            continue
        leaf = rng.choice(leaves)
        object_rows.append([ids.new("0R0"), _short(rng, aid, 0.2), leaf,
                            "Territory2AssignmentRule", "Account"])
        object_rows.append([ids.new("0R0"), aid, rng.choice(other_leaves),
                            "Territory2AssignmentRule", "Account"])
        if n == 10:  # a manual association on top of the rule's, on a territory of higher id
            manual = max(t for t in leaves if t != leaf)
            object_rows.append([ids.new("0R0"), aid, manual, "Territory2Manual", "Account"])
            fx.manual_account, fx.manual_territory = aid, manual
        if n == 11:  # two rule-based associations: the first by territory id wins
            second = next(t for t in sorted(leaves) if t != leaf)
            object_rows.append([ids.new("0R0"), aid, second, "Territory2AssignmentRule", "Account"])
            fx.rule_account, fx.rule_territories = aid, (min(leaf, second), max(leaf, second))
    (folder / "Account.csv").write_bytes(_csv(account_rows, quote_all=True, crlf=True, bom=True))
    (folder / "ObjectTerritory2Association.csv").write_bytes(_csv(object_rows))

    opp_rows: list[list[object]] = [["Id", "Name", "AccountId", "StageName", "Amount", "CloseDate",
                                     "IsWon", "IsClosed", "CurrencyIsoCode"]]
    first_day = date(2024, 1, 1)
    for aid in account_ids:
        for k in range(rng.randint(3, 10)):
            close = first_day + timedelta(days=rng.randrange(3 * 365))
            amount = Decimal(rng.randrange(500_00, 90_000_00)) / 100
            state = rng.choices(["won", "lost", "open"], [0.45, 0.35, 0.2])[0]
            if state == "open":
                close = date(2027, 1, 1) + timedelta(days=rng.randrange(180))
            amount_cell = "" if rng.random() < 0.04 else f"{amount}"
            close_cell = (f"{close.isoformat()}T00:00:00.000Z" if rng.random() < 0.2
                          else close.isoformat())
            stage = {"won": "Closed Won", "lost": "Closed Lost", "open": "Negotiation/Review"}[state]
            opp_rows.append([ids.new("006"), f"{aid[-4:]} renewal, year {k}",
                             _short(rng, aid, 0.15), stage, amount_cell, close_cell,
                             "true" if state == "won" else "false",
                             "false" if state == "open" else "true", "USD"])
            if state == "won" and amount_cell:
                fx.won.append((aid, close, int(amount * 100)))
            fx.won_without_amount += state == "won" and not amount_cell
            fx.lost += state == "lost"
            fx.open += state == "open"
    (folder / "Opportunity.csv").write_bytes(_csv(opp_rows))

    fx.forecast_type = ids.new("0Db")
    quota_rows: list[list[object]] = [["Id", "QuotaOwnerId", "QuotaAmount", "StartDate",
                                       "ForecastingTypeId", "CurrencyIsoCode", "Territory2Id"]]
    for leaf, uid in sorted(fx.carriers.items()):
        for year in (2026, 2027):
            for quarter in range(4):
                amount = rng.randrange(50_000_00, 400_000_00)
                quota_rows.append([ids.new("0J9"), _short(rng, uid, 0.2), f"{amount // 100}."
                                   f"{amount % 100:02d}", date(year, 1 + 3 * quarter, 1).isoformat(),
                                   fx.forecast_type, "USD", leaf])
                if year == 2027:
                    fx.quotas_2027[uid] = fx.quotas_2027.get(uid, 0) + amount
    manager = fx.managers[tops["Americas"]]
    quota_rows.append([ids.new("0J9"), manager, "2000000.00", "2027-01-01", fx.forecast_type,
                       "USD", tops["Americas"]])
    (folder / "ForecastingQuota.csv").write_bytes(_csv(quota_rows))
    return fx
