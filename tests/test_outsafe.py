"""Nothing a user owns is ever destroyed: every writer's refusals, through the real command.

Each case runs ``quotaplan`` in-process through its entry point (so an internal error would show
as exit 3) and checks the exit code, the message and that the user's files are byte-for-byte as
they were.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from tests.test_cli import VALID

from quotaplan.cli import main
from quotaplan.outsafe import (
    MARKER,
    csv_written_by_quotaplan,
    html_written_by_quotaplan,
    pdf_written_by_quotaplan,
    write_file,
    write_folder,
    xlsx_written_by_quotaplan,
)

Snapshot = dict[str, bytes]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def snapshot(folder: Path) -> Snapshot:
    """Every file under ``folder`` (links not followed) → its bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.is_symlink()}


@contextmanager
def chdir(folder: Path) -> Iterator[None]:
    before = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)


@pytest.fixture
def plan(plan_dir: Callable[[dict[str, str]], Path]) -> Path:
    return plan_dir(VALID)


@pytest.mark.parametrize("how", ["same", "dotdot", "symlink", "inside", "parent"])
def test_build_never_writes_over_the_plan(
    plan: Path, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(plan.parent)
    out = {
        "same": plan,
        "dotdot": plan / ".." / plan.name,
        "symlink": plan.parent / "link",
        "inside": plan / "outputs",
        "parent": plan.parent,
    }[how]
    if how == "symlink":
        out.symlink_to(plan, target_is_directory=True)
    code, output = run(capsys, "build", str(plan), "--out", str(out))
    assert code == 2, output
    assert "plan" in output
    after = snapshot(plan.parent)
    assert after == before


def test_build_dot_out_dot_inside_the_plan_is_refused(
    plan: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(plan)
    with chdir(plan):
        code, output = run(capsys, "build", ".", "--out", ".")
    assert code == 2, output
    assert "plan folder itself" in output
    assert snapshot(plan) == before


def test_build_refuses_a_folder_it_did_not_write_even_with_force(
    plan: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.docx").write_bytes(b"years of work")
    for extra in ([], ["--force"]):
        code, output = run(capsys, "build", str(plan), "--out", str(mine), *extra)
        assert code == 2, output
        assert "quotaplan did not write" in output
        assert snapshot(mine) == {"thesis.docx": b"years of work"}


def test_build_replaces_its_own_output_and_keeps_its_permissions(
    plan: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert run(capsys, "build", str(plan), "--out", str(out))[0] == 0
    assert (out / MARKER).is_file()
    out.chmod(0o750)
    (out / "old.csv").write_text("stale")
    code, output = run(capsys, "build", str(plan), "--out", str(out))
    assert code == 0, output
    assert not (out / "old.csv").exists()
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "plan"]  # nothing left beside


def test_build_never_replaces_a_generated_plan(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generated = tmp_path / "gen"
    code, output = run(capsys, "generate", "--accounts", "30", "--sellers", "3", "--out",
                       str(generated))
    assert code == 0, output
    other = tmp_path / "other"
    assert run(capsys, "generate", "--accounts", "30", "--sellers", "3", "--out", str(other))[0] == 0
    before = snapshot(generated)
    code, output = run(capsys, "build", str(other), "--out", str(generated), "--force")
    assert code == 2, output
    assert "quotaplan generate" in output
    assert snapshot(generated) == before


def test_out_at_a_file_or_an_unwritable_place_is_a_usage_error(
    plan: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine")
    code, output = run(capsys, "build", str(plan), "--out", str(a_file))
    assert (code, a_file.read_text()) == (2, "mine"), output
    assert "is a file" in output
    code, output = run(capsys, "build", str(plan), "--out", str(a_file / "sub"))
    assert code == 2, output
    assert "cannot write" in output
    assert a_file.read_text() == "mine"


@pytest.mark.parametrize("target", ["accounts.csv", "plan.toml", "Sellers.CSV"])
def test_html_never_overwrites_a_plan_input(
    plan: Path, tmp_path: Path, target: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(plan)
    for command in (["build", str(plan), "--out", str(tmp_path / "o")], ["report", str(plan)]):
        code, output = run(capsys, *command, "--html", str(plan / target), "--force")
        assert code == 2, output
        assert "input" in output
        assert snapshot(plan) == before


def test_html_overwrites_a_foreign_file_only_with_force(
    plan: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "index.html"
    page.write_text("<html>my own page</html>")
    code, output = run(capsys, "report", str(plan), "--html", str(page))
    assert code == 2, output
    assert "did not write" in output
    assert page.read_text() == "<html>my own page</html>"
    assert run(capsys, "report", str(plan), "--html", str(page), "--force")[0] == 0
    assert html_written_by_quotaplan(page)
    # Its own report is replaced without --force.
    page.write_text(page.read_text().replace("</body>", "<p>edited</p></body>"))
    assert run(capsys, "report", str(plan), "--html", str(page))[0] == 0
    assert "edited" not in page.read_text()


def test_html_at_a_folder_is_a_usage_error(
    plan: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    code, output = run(capsys, "report", str(plan), "--html", str(folder))
    assert code == 2, output
    assert "is a folder" in output
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("command", ["generate", "import"])
def test_plan_writers_refuse_an_existing_folder(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    existing = tmp_path / "plan"
    existing.mkdir()
    (existing / "plan.toml").write_text("[plan]\nname = 'mine'\n")
    if command == "generate":
        args = ["generate", "--accounts", "20", "--sellers", "2", "--out", str(existing)]
    else:
        source = tmp_path / "orders.csv"
        source.write_text("not used")
        args = ["import", "superstore", str(source), "--out", str(existing)]
    for extra in ([], ["--force"]):
        code, output = run(capsys, *args, *extra)
        assert code == 2, output
        assert snapshot(existing) == {"plan.toml": b"[plan]\nname = 'mine'\n"}


def test_generate_replaces_its_own_plan_only_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "gen"
    args = ["generate", "--accounts", "20", "--sellers", "2", "--out", str(out)]
    assert run(capsys, *args)[0] == 0
    code, output = run(capsys, *args, "--seed", "8")
    assert code == 2, output
    assert "--force" in output
    assert run(capsys, *args, "--seed", "8", "--force")[0] == 0


def test_demo_runs_twice_into_its_own_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "demo"
    for _ in range(2):
        code, output = run(capsys, "demo", "--no-serve", "--out", str(out))
        assert code == 0, output
    assert (out / "outputs" / "quotas.csv").is_file()
    assert html_written_by_quotaplan(out / "report.html")


def test_write_folder_cleans_up_after_a_failed_writer(tmp_path: Path) -> None:
    def broken(staging: Path) -> None:
        (staging / "half.csv").write_text("x")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        write_folder(tmp_path / "out", "simulate", broken)
    assert list(tmp_path.iterdir()) == []


def test_write_file_keeps_the_permissions_of_the_file_it_replaces(tmp_path: Path) -> None:
    target = tmp_path / "quotas.csv"
    header = "QuotaOwnerId,QuotaAmount"
    recognise = csv_written_by_quotaplan(header)
    write_file(target, "export", lambda p: p.write_text(header + "\nA,1.00\n"), recognise=recognise)
    target.chmod(0o640)
    write_file(target, "export", lambda p: p.write_text(header + "\nA,2.00\n"), recognise=recognise)
    assert target.read_text().endswith("2.00\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["quotas.csv"]


def test_recognisers_tell_quotaplan_files_from_others(tmp_path: Path) -> None:
    csv = tmp_path / "a.csv"
    csv.write_bytes(b"\xef\xbb\xbfQuotaOwnerId,QuotaAmount\r\nx,1\r\n")
    assert csv_written_by_quotaplan("QuotaOwnerId,QuotaAmount")(csv)
    assert not csv_written_by_quotaplan("QuotaOwnerId")(csv)
    book = tmp_path / "b.xlsx"
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("docProps/core.xml", "<cp:coreProperties><dc:creator>quotaplan</dc:creator>"
                                        "</cp:coreProperties>")
    assert xlsx_written_by_quotaplan(book)
    assert not xlsx_written_by_quotaplan(csv)
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj << /Creator (quotaplan letters) >> endobj\n")
    assert pdf_written_by_quotaplan(pdf)
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj << /Creator (Word) >> endobj\n")
    assert not pdf_written_by_quotaplan(pdf)
    assert not html_written_by_quotaplan(tmp_path / "missing.html")
