"""Docs come from the code: the README's generated blocks are current, every setting documented."""

from __future__ import annotations

from pathlib import Path

import quotaplan
from quotaplan.docs import render
from quotaplan.settings import settings_table

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_generated_blocks_are_current() -> None:
    text = README.read_text(encoding="utf-8")
    assert render(text) == text, "README is stale: run `make docs`"


def test_every_setting_has_help_and_appears_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    for row in settings_table():
        assert row.help, f"setting {row.key} has no help text"
        assert f"`{row.key}`" in text


def test_public_api_is_small_and_importable() -> None:
    assert sorted(quotaplan.__all__) == sorted(
        ["BuildResult", "Plan", "PlanInvalid", "Problem", "QuotaplanError", "Settings",
         "UnknownSeller", "UsageError", "__version__", "build", "read_plan", "read_plan_files",
         "write_outputs"]
    )
    for name in quotaplan.__all__:
        assert getattr(quotaplan, name) is not None
