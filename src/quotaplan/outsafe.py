"""Writing outputs without ever destroying what a user owns.

Every command that writes goes through one of two functions here:

- :func:`write_folder` — a whole output folder (``build --out``, ``generate``, ``import``,
  ``letters``, ``simulate``, ``optimize``, …). The folder is filled in a temporary sibling, a
  marker file naming the command is added, and the sibling is swapped into place. An existing
  folder is replaced only when it is empty, or when the marker says the same command wrote it
  (``build`` replaces its own output; every other command also needs ``force``). A folder that
  is, holds or sits inside a plan the command reads is never replaced.
- :func:`write_file` — one output file (``--html FILE``, ``--csv FILE``, ``--out FILE.xlsx``). It
  never overwrites an input of a plan the command reads, and never a file that quotaplan did not
  write (told by a *recogniser* of the file's kind) unless ``force`` is given.

Every refusal is a :class:`~quotaplan.errors.UsageError` (exit 2) that says what to pass instead;
so is a folder or file that cannot be written. A replaced folder or file keeps its permissions, and
nothing is left beside it, whether the write succeeds or fails.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

from quotaplan.errors import UsageError

#: The marker file in every folder quotaplan writes: ``{"written_by": "quotaplan", "command": …}``.
MARKER = ".quotaplan-output.json"
#: Commands that replace a folder they wrote earlier without ``--force``.
SELF_REPLACING = frozenset({"build", "demo"})


def _plan_file_names() -> frozenset[str]:
    from quotaplan.planfolder.read import PLAN_FILES

    return frozenset(name.lower() for name in PLAN_FILES)


def _real(path: Path) -> Path:
    """The absolute path with links resolved (a link to the plan is the plan)."""
    return Path(os.path.realpath(path.expanduser()))


def _umask_mode(base: int) -> int:
    mask = os.umask(0)
    os.umask(mask)
    return base & ~mask


def _cannot_write(path: Path, exc: OSError) -> UsageError:
    reason = exc.strerror or type(exc).__name__
    return UsageError(f"cannot write {str(path)!r} ({reason}); pass a location you can write to")


def folder_writer(out: Path) -> str | None:
    """The command named by ``out``'s marker, or ``None`` when quotaplan did not write it."""
    try:
        data = json.loads((out / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict) or data.get("written_by") != "quotaplan":
        return None
    command = data.get("command")
    return command if isinstance(command, str) else None


def check_folder(out: Path, command: str, *, force: bool = False,
                 protect: Sequence[Path] = ()) -> Path:
    """Refuse an ``out`` that :func:`write_folder` may not replace; returns its real path."""
    real = _real(out)
    shown = str(out)
    for plan in protect:
        plan_real = _real(plan)
        if real == plan_real:
            raise UsageError(f"--out {shown!r} is the plan folder itself; pass another folder "
                             "for the outputs (e.g. a new folder beside the plan)")
        if plan_real in real.parents:
            raise UsageError(f"--out {shown!r} is inside the plan folder {str(plan)!r}; pass a "
                             "folder outside the plan")
        if real in plan_real.parents:
            raise UsageError(f"--out {shown!r} contains the plan folder {str(plan)!r}; replacing "
                             "it would delete the plan. Pass another folder")
    if not real.exists():
        if out.is_symlink():
            raise UsageError(f"--out {shown!r} is a broken link; pass a folder")
        return real
    if not real.is_dir():
        raise UsageError(f"--out {shown!r} is a file, not a folder; pass a folder for the outputs")
    try:
        empty = not any(real.iterdir())
    except OSError as exc:
        raise _cannot_write(out, exc) from None
    if empty:
        return real
    writer = folder_writer(real)
    if writer is None:
        raise UsageError(f"--out {shown!r} already holds files that quotaplan did not write; "
                         "pass a new or empty folder (--force replaces only a folder that "
                         "quotaplan wrote)")
    if writer != command:
        raise UsageError(f"--out {shown!r} holds what `quotaplan {writer}` wrote; "
                         f"`quotaplan {command}` never replaces it. Pass another folder")
    if command not in SELF_REPLACING and not force:
        raise UsageError(f"--out {shown!r} exists (written by an earlier `quotaplan {command}`); "
                         "pass --force to replace it, or a new folder")
    return real


def write_folder(out: Path, command: str, write: Callable[[Path], object], *,
                 force: bool = False, protect: Sequence[Path] = ()) -> Path:
    """Write a whole folder: ``write(staging)`` fills a fresh temporary sibling, the marker is
    added and the sibling swapped into place. ``command`` names the writer (``"build"``,
    ``"generate"``, ``"letters"``, …); ``protect`` the plan folders the command reads.
    Returns the real path written. See the module docstring for the rules."""
    real = check_folder(out, command, force=force, protect=protect)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        mode = real.stat().st_mode & 0o7777 if real.exists() else _umask_mode(0o777)
        staging = Path(tempfile.mkdtemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent))
    except OSError as exc:
        raise _cannot_write(out, exc) from None
    try:
        write(staging)
        marker = {"written_by": "quotaplan", "command": command}
        (staging / MARKER).write_text(json.dumps(marker) + "\n", encoding="utf-8")
        staging.chmod(mode)
        _swap(staging, real)
    except OSError as exc:
        raise _cannot_write(out, exc) from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return real


def _swap(staging: Path, out: Path) -> None:
    """Move ``staging`` to ``out``; an existing ``out`` is removed only after the move."""
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
        out.rename(old / "folder")
    try:
        staging.rename(out)
    except BaseException:
        if old is not None:
            (old / "folder").rename(out)
            old.rmdir()
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def check_file(path: Path, *, recognise: Callable[[Path], bool], force: bool = False,
               protect: Sequence[Path] = (), option: str = "--out") -> Path:
    """Refuse a ``path`` that :func:`write_file` may not write; returns its real path."""
    real = _real(path)
    shown = str(path)
    names = _plan_file_names()
    for plan in protect:
        plan_real = _real(plan)
        if real == plan_real or real in plan_real.parents:
            raise UsageError(f"{option} {shown!r} is the plan folder or contains it; pass a file "
                             "name outside the plan")
        if real.parent == plan_real and real.name.lower() in names:
            raise UsageError(f"{option} {shown!r} is the plan's own {real.name}; pass another "
                             "file name (quotaplan never overwrites a plan's input)")
    if real.is_dir():
        raise UsageError(f"{option} {shown!r} is a folder; pass a file name")
    if real.exists() and not force and not recognise(real):
        raise UsageError(f"{option} {shown!r} exists and quotaplan did not write it; pass another "
                         "file name, or --force to overwrite it")
    return real


def write_file(path: Path, command: str, write: Callable[[Path], object], *,
               recognise: Callable[[Path], bool], force: bool = False,
               protect: Sequence[Path] = (), option: str = "--out") -> Path:
    """Write one file: ``write(tmp)`` writes the content to a temporary sibling, which is then
    renamed over ``path``. ``recognise(existing)`` tells whether quotaplan wrote an existing file
    (see :func:`html_written_by_quotaplan` and its siblings); ``option`` names the command-line
    option in messages. Returns the real path written."""
    del command  # the recogniser, not a marker, tells a file's writer
    real = check_file(path, recognise=recognise, force=force, protect=protect, option=option)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        mode = real.stat().st_mode & 0o7777 if real.exists() else _umask_mode(0o666)
        fd, name = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
        os.close(fd)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    tmp = Path(name)
    try:
        write(tmp)
        tmp.chmod(mode)
        tmp.replace(real)
    except OSError as exc:
        raise _cannot_write(path, exc) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return real


def _head(path: Path, size: int = 8192) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except OSError:
        return b""


_HTML_GENERATOR = re.compile(rb"<meta\s+name=\"generator\"\s+content=\"quotaplan", re.IGNORECASE)


def html_written_by_quotaplan(path: Path) -> bool:
    """An HTML file whose head carries ``<meta name="generator" content="quotaplan …">``."""
    return _HTML_GENERATOR.search(_head(path)) is not None


def xlsx_written_by_quotaplan(path: Path) -> bool:
    """A workbook whose document property *creator* is ``quotaplan``."""
    try:
        with zipfile.ZipFile(path) as book:
            core = book.read("docProps/core.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return b"<dc:creator>quotaplan</dc:creator>" in core


_PDF_CREATOR = re.compile(rb"/Creator\s*\(quotaplan")


def pdf_written_by_quotaplan(path: Path) -> bool:
    """A PDF whose information dictionary says ``/Creator (quotaplan…)``."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return data.startswith(b"%PDF") and _PDF_CREATOR.search(data) is not None


def csv_written_by_quotaplan(header: str) -> Callable[[Path], bool]:
    """A recogniser of CSV files whose first line is exactly ``header`` (a BOM and CRLF allowed)."""
    expected = header.encode("utf-8")

    def recognise(path: Path) -> bool:
        first = _head(path, len(expected) + 8).removeprefix(b"\xef\xbb\xbf")
        line = first.split(b"\n", 1)[0].removesuffix(b"\r")
        return line == expected

    return recognise
