"""plan.toml → Settings: defaults, exact numbers, and a problem per bad key naming that key."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from quotaplan.problems import Problem
from quotaplan.settings import (
    Settings,
    parse_settings,
    read_settings,
    settings_table,
)

PLAN = """
[plan]
name = "FY2027"
fiscal_year_start = 2026-02-01
"""


def problems(extra: str) -> list[Problem]:
    settings, found = parse_settings(PLAN + extra)
    if any(p.severity == "error" for p in found):
        assert settings is None
    return found


def keyed(found: list[Problem]) -> list[tuple[str | None, str]]:
    return [(p.column, p.severity) for p in found]


def test_defaults_of_a_minimal_plan() -> None:
    settings, found = parse_settings(PLAN)
    assert found == []
    assert isinstance(settings, Settings)
    assert settings.plan.period == "quarter"
    assert settings.periods_per_year == 4
    assert settings.targets.method == "weighted"
    assert settings.targets.weight == "prior_bookings"
    assert settings.targets.topdown is None
    assert settings.quotas.basis == "targets"
    assert settings.ramp.cutoff_day() is None
    assert settings.risk.high_below == Decimal("0.90")
    assert settings.changes.relief == "target"


def test_numbers_are_read_exactly() -> None:
    settings, _ = parse_settings(PLAN + "[targets]\ntopdown = 50_000_000.10\ngrowth = 0.1\n"
                                 "[seasonality]\nweights = [0.1, 0.2, 0.3, 0.4]\n")
    assert settings is not None
    assert settings.targets.topdown == Decimal("50000000.10")
    assert settings.targets.growth == Decimal("0.1")
    # 0.1 + 0.2 + 0.3 + 0.4 is exactly 1 in decimals (not in binary floats).
    assert settings.seasonality.weights == [Decimal("0.1"), Decimal("0.2"), Decimal("0.3"),
                                            Decimal("0.4")]


@pytest.mark.parametrize(
    ("extra", "key", "text"),
    [
        ("[targets]\nmethod = \"weigted\"", "targets.method", '"even", "weighted"'),
        ("[targets]\ntopdown = -5", "targets.topdown", "must be 0 or more"),
        ("[targets]\ngrowth = inf", "targets.growth", "finite"),
        ("[targets]\ngrowth = nan", "targets.growth", "finite"),
        ("[targets]\nbuckets = { A = 0.5, B = 0.6 }", "targets.buckets", "sum to 1.1, not 1"),
        ("[targets]\nmethod = \"bucketed\"\nbuckets = { A = 1 }", "targets.bucket_by",
         "needs [targets] bucket_by"),
        ("[targets]\ntrend_band = [1, 0]", "targets.trend_band", "1 is above 0; swap"),
        ("[seasonality]\nweights = [0.25, 0.25, 0.25, 0.2]", "seasonality.weights", "sum to 0.95"),
        ("[seasonality]\nweights = [0.5, 0.5]", "seasonality.weights", "2 weights given"),
        ("[seasonality]\nweights = [1.5, -0.25, -0.25, 0]", "seasonality.weights", "negative"),
        ("[ramp]\ncutoff = \"day:32\"", "ramp.cutoff", "day:N with N from 1 to 31"),
        ("[ramp]\ndefault_profile = \"std\"", "ramp.default_profile", "'std' is not in"),
        ("[ramp]\nprofiles = { a = [0.5, \"x\"] }", "ramp.profiles.a", "item 2"),
        ("[risk]\nhigh_below = 1.2", "risk.high_below", "above medium_below"),
        ("[capacity]\nquota_to_ote = [4]", "capacity.quota_to_ote", "item 2"),
        ("[quotas]\nover_assignment = { 1 = 20 }", "quotas.over_assignment", "out of range"),
        ("[quotas]\nbasis = \"gut feeling\"", "quotas.basis", "gut feeling"),
        ("[changes]\nrelief = \"half\"", "changes.relief", "half"),
        ("[[strategic_focus]]\nmatch = { region = \"x\" }\nfactor = 1.1",
         "strategic_focus[1].match", "'region' is not one of"),
        ("[[strategic_focus]]\nmatch = { segment = \"x\" }\nfactor = 1\n"
         "[[strategic_focus]]\nmatch = { segment = \"y\" }", "strategic_focus[2].factor",
         "required"),
    ],
)
def test_a_bad_setting_names_its_key(extra: str, key: str, text: str) -> None:
    found = problems(extra)
    assert keyed(found) == [(key, "error")]
    assert found[0].file == "plan.toml"
    # The key's line (extra begins on line 5); a key that is absent: its table's line.
    assert found[0].line == {"targets.bucket_by": 5, "strategic_focus[2].factor": 8}.get(key, 6)
    assert text in found[0].message
    assert found[0].message.startswith(key)


def test_required_keys() -> None:
    settings, found = parse_settings("[plan]\nname = \"x\"\n")
    assert settings is None
    assert keyed(found) == [("plan.fiscal_year_start", "error")]
    assert "is required" in found[0].message
    _, found = parse_settings("")
    assert keyed(found) == [("plan", "error")]


def test_every_error_is_reported_at_once() -> None:
    found = problems("[targets]\nmethod = \"x\"\n[risk]\nhigh_below = -1\n")
    assert sorted(keyed(found)) == [("risk.high_below", "error"), ("targets.method", "error")]


def test_unknown_keys_are_warnings_and_ignored() -> None:
    text = PLAN + ("wieght = 1\n[targets]\nwieght = \"employees\"\n[tragets]\nmethod = \"even\"\n"
                   "[[strategic_focus]]\nmatch = { segment = \"x\" }\nfactor = 1.1\nnote = \"hi\"\n")
    settings, found = parse_settings(text)
    assert settings is not None
    assert sorted(keyed(found)) == [
        ("plan.wieght", "warning"),
        ("strategic_focus[1].note", "warning"),
        ("targets.wieght", "warning"),
        ("tragets", "warning"),
    ]
    assert settings.targets.weight == "prior_bookings"


def test_invalid_toml_names_the_line() -> None:
    settings, found = parse_settings(PLAN + "[targets]\nmethod = even\n")
    assert settings is None
    assert [(p.line, p.code) for p in found] == [(6, "toml-syntax")]
    assert "not valid TOML" in found[0].message


def test_a_section_given_twice_is_invalid_toml() -> None:
    _, found = parse_settings(PLAN + "[plan]\nperiod = \"month\"\n")
    assert [p.code for p in found] == ["toml-syntax"]


def test_read_settings_rejects_other_encodings_and_nul(tmp_path: Path) -> None:
    path = tmp_path / "plan.toml"
    path.write_bytes((PLAN + '[plan.x]\n# "Planifié"\n').encode("latin-1"))
    settings, found = read_settings(path)
    assert settings is None
    assert [(p.line, p.code) for p in found] == [(6, "encoding")]
    path.write_bytes(b"\xef\xbb\xbf" + PLAN.encode())
    assert read_settings(path)[1] == []
    path.write_bytes(PLAN.encode() + b"x = 1\x00\n")
    settings, found = read_settings(path)
    assert settings is None
    assert [(p.line, p.code) for p in found] == [(5, "encoding")]


def test_every_setting_is_documented() -> None:
    rows = settings_table()
    keys = [row.key for row in rows]
    assert len(keys) == len(set(keys))
    assert {"targets.method", "quotas.basis", "seasonality.weights", "strategic_focus[].factor"} <= (
        set(keys))
    assert all(row.help for row in rows)
