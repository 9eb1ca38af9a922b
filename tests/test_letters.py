"""`quotaplan letters`: a PDF and an HTML letter per carrier and manager, holding the exact figures
(read back from the PDF's text) and readable (a page rendered to PNG is not blank)."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pypdf
import pypdfium2
import pytest
from typer.testing import CliRunner

from quotaplan.cli import _build, app
from quotaplan.demo import demo_plan_path
from quotaplan.letters import file_stems
from quotaplan.letters.model import Version, build_letters
from quotaplan.money import format_cents_grouped
from quotaplan.outsafe import html_written_by_quotaplan, pdf_written_by_quotaplan

runner = CliRunner()


def invoke(*args: str) -> Any:
    return runner.invoke(app, list(args))


def pdf_text(path: Path) -> str:
    """The PDF's text with runs of white space as one space (table cells wrap their lines)."""
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
    return re.sub(r"\s+", " ", text)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def demo_letters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("letters") / "letters"
    result = invoke("letters", str(demo_plan_path()), "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def test_one_pdf_and_one_html_per_carrier_and_manager(demo_letters: Path) -> None:
    result = _build(demo_plan_path())
    carriers = set(result.quotas.get_column("seller_id").to_list())
    managers = set(result.rollup.get_column("manager_id").drop_nulls().to_list())
    expected = {f"{sid}.{ext}" for sid in carriers | managers for ext in ("pdf", "html")}
    assert {p.name for p in demo_letters.iterdir() if not p.name.startswith(".")} == expected
    assert all(pdf_written_by_quotaplan(demo_letters / f"{sid}.pdf") for sid in carriers)
    assert all(html_written_by_quotaplan(demo_letters / f"{sid}.html") for sid in managers)


def test_each_carrier_letter_holds_the_exact_quota_periods_and_reasons(demo_letters: Path) -> None:
    result = _build(demo_plan_path())
    periods = result.quota_periods
    for sid, ledger in result.ledgers.items():
        text = pdf_text(demo_letters / f"{sid}.pdf")
        assert f"USD {format_cents_grouped(ledger.final_quota)}" in text, sid
        own = periods.filter(pl.col("seller_id") == sid).sort("period_start")
        for n, (start, end, quota) in enumerate(own.select("period_start", "period_end", "quota")
                                                .iter_rows(), start=1):
            assert re.search(rf"Q{n} {start.isoformat()} {end.isoformat()} [0-9]+ % "
                             f"{re.escape(format_cents_grouped(quota))}", text), (sid, n)
        for line in ledger.lines:
            assert flat(line.reason) in text, (sid, line.step)
        assert "draft — not yet published" in text
        html = (demo_letters / f"{sid}.html").read_text()
        assert f"USD {format_cents_grouped(ledger.final_quota)}" in html


def test_a_manager_letter_holds_the_rolled_up_quota_split_exactly(demo_letters: Path) -> None:
    result = _build(demo_plan_path())
    for row in result.rollup.filter(pl.col("manager_id").is_not_null()).iter_rows(named=True):
        text = pdf_text(demo_letters / f"{row['manager_id']}.pdf")
        quota = format_cents_grouped(row["manager_quota"])
        assert f"USD {quota}" in text
        assert f"Total {quota}" in text  # the periods sum exactly to it
        assert "Team total" in text
        assert "Your quota" in text
    [letter] = build_letters(result, Version(), "M02")
    assert sum(p.quota for p in letter.periods) == letter.final_quota


def test_the_top_accounts_of_the_book_are_listed(demo_letters: Path) -> None:
    result = _build(demo_plan_path())
    book = (result.account_targets.filter(pl.col("seller_id") == "S04")
            .sort(["target", "account_id"], descending=[True, False]).head(10))
    text = pdf_text(demo_letters / "S04.pdf")
    for rank, (account, target) in enumerate(book.select("account_id", "target").iter_rows(), 1):
        assert re.search(rf"{rank} {account} .*? {re.escape(format_cents_grouped(target))}", text)
    assert "Acknowledgement" in text
    assert "Seller Yusuf Fischer (S04) Date Manager Hiro Ivanova (M12) Date" in text


def test_a_page_renders_to_a_picture_that_is_not_blank(demo_letters: Path, tmp_path: Path) -> None:
    document = pypdfium2.PdfDocument(demo_letters / "S04.pdf")
    try:
        image = document[0].render(scale=1).to_pil().convert("L")
    finally:
        document.close()
    image.save(tmp_path / "page.png")
    width, height = image.size
    assert abs(width - 595) <= 1
    assert abs(height - 842) <= 1
    pixels = np.asarray(image)
    assert (pixels < 128).sum() > 0.02 * width * height  # text, tables and the quota box
    assert (pixels[: height // 4] < 128).sum() > 1000  # the heading is on the first page
    assert (pixels > 250).mean() > 0.6  # and it is a page, not a dark block


def test_names_beyond_latin_1_do_not_break_a_letter(tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    shutil.copytree(demo_plan_path(), plan)
    text = (plan / "sellers.csv").read_text()
    for old, new in (("Esther Zhang", "Łukasz Żółć"), ("Hugo Johansson", "Дмитрий Иванов"),
                     ("Tara Wagner", "山田 太郎")):
        text = text.replace(old, new)
    (plan / "sellers.csv").write_text(text)
    for sid in ("S01", "S02", "S03"):
        result = invoke("letters", str(plan), "--seller", sid, "--out", str(tmp_path / sid))
        assert result.exit_code == 0, result.output
    assert "Łukasz Żółć" in pdf_text(tmp_path / "S01" / "S01.pdf")
    assert "Дмитрий Иванов" in pdf_text(tmp_path / "S02" / "S02.pdf")
    assert "?? ??" in pdf_text(tmp_path / "S03" / "S03.pdf")
    assert "山田 太郎" in (tmp_path / "S03" / "S03.html").read_text()


def test_the_missing_glyph_note_names_the_characters(tmp_path: Path) -> None:
    plan = tmp_path / "plan"
    shutil.copytree(demo_plan_path(), plan)
    (plan / "sellers.csv").write_text((plan / "sellers.csv").read_text().replace(
        "Tara Wagner", "山田 太郎"))
    result = runner.invoke(app, ["letters", str(plan), "--seller", "S03", "--out",
                                 str(tmp_path / "o")])
    assert result.exit_code == 0
    assert "S03.pdf shows '?' for 太山田郎" in result.output


def test_a_version_label_and_effective_date_are_printed(tmp_path: Path) -> None:
    result = invoke("letters", str(demo_plan_path()), "--seller", "S04", "--version-label",
                    "Version 2 (territory realignment)", "--effective", "2027-04-01",
                    "--out", str(tmp_path / "v"))
    assert result.exit_code == 0, result.output
    assert [p.name for p in sorted((tmp_path / "v").glob("S*.*"))] == ["S04.html", "S04.pdf"]
    text = pdf_text(tmp_path / "v" / "S04.pdf")
    assert "VERSION Version 2 (territory realignment)" in text
    assert "EFFECTIVE 2027-04-01" in text


@pytest.mark.parametrize(("args", "code"), [
    (["--seller", "NOBODY"], 1),
    (["--effective", "01/04/2027"], 2),
    (["--version-label", " "], 2),
])
def test_bad_options_and_unknown_sellers(tmp_path: Path, args: list[str], code: int) -> None:
    result = invoke("letters", str(demo_plan_path()), *args, "--out", str(tmp_path / "x"))
    assert result.exit_code == code, result.output
    assert not (tmp_path / "x").exists()


def test_a_folder_quotaplan_did_not_write_is_left_intact(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    result = invoke("letters", str(demo_plan_path()), "--seller", "S01", "--out", str(mine))
    assert result.exit_code == 2
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert (mine / "notes.txt").read_text() == "keep me"
    out = tmp_path / "letters"
    assert invoke("letters", str(demo_plan_path()), "--seller", "S01", "--out",
                  str(out)).exit_code == 0
    again = invoke("letters", str(demo_plan_path()), "--seller", "S02", "--out", str(out))
    assert again.exit_code == 2  # an earlier run's folder needs --force
    forced = invoke("letters", str(demo_plan_path()), "--seller", "S02", "--out", str(out),
                    "--force")
    assert forced.exit_code == 0
    assert sorted(p.name for p in out.glob("S*.*")) == ["S02.html", "S02.pdf"]


def test_ids_that_cannot_name_a_file_are_renamed_without_collisions() -> None:
    assert file_stems(["S01", "a/b", "a_b", "..", "A_B", "x\x00y"]) == {
        "S01": "S01", "a/b": "a_b", "a_b": "a_b-2", "..": "_..", "A_B": "A_B-3", "x\x00y": "x_y"}


@pytest.mark.realdata
def test_letters_of_a_real_data_set_hold_their_quotas(tmp_path: Path) -> None:
    from conftest import shared_data
    from quotaplan.importers import import_maven_crm

    import_maven_crm(shared_data("maven_crm"), tmp_path / "maven")
    assert invoke("build", str(tmp_path / "maven"), "--out", str(tmp_path / "out")).exit_code == 0
    result = invoke("letters", str(tmp_path / "maven"), "--out", str(tmp_path / "letters"))
    assert result.exit_code == 0, result.output
    quotas = pl.read_csv(tmp_path / "out" / "quotas.csv", infer_schema=False)
    assert quotas.height > 10
    for sid, final in quotas.select("seller_id", "final_quota").iter_rows():
        cents = int(Decimal(final) * 100)
        assert f"USD {format_cents_grouped(cents)}" in pdf_text(tmp_path / "letters" / f"{sid}.pdf")
