"""Quota letters: one per quota carrier and per manager, as PDF and HTML (``quotaplan letters``).

:mod:`.model` says what a letter holds (pure), :mod:`.pdf` and :mod:`.page` render it, and
:func:`write_letters` writes ``<seller_id>.pdf`` and ``<seller_id>.html`` for each into a folder.
"""

from __future__ import annotations

import re
from pathlib import Path

from quotaplan.build import BuildResult
from quotaplan.errors import QuotaplanError, UnknownSeller
from quotaplan.letters.model import Letter, Version, build_letters, letter_sellers
from quotaplan.letters.page import render_page
from quotaplan.letters.pdf import letter_fonts, missing_glyphs, render_pdf

_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f:*?\"<>|]")


def select_letters(result: BuildResult, version: Version,
                   seller_id: str | None = None) -> list[Letter]:
    """The letters to write: everyone's, or ``seller_id``'s (an unknown seller, or one who
    neither carries a quota nor manages a node, is an error naming them)."""
    if seller_id is not None:
        known = set(result.plan.sellers.get_column("seller_id").to_list())
        if seller_id not in known:
            raise UnknownSeller(seller_id, "pass the id of a quota carrier or a manager")
        if seller_id not in letter_sellers(result):
            raise QuotaplanError(f"seller {seller_id!r} neither carries a quota nor manages a "
                                 "node, so there is no quota letter for them")
    return build_letters(result, version, seller_id)


def file_stems(seller_ids: list[str]) -> dict[str, str]:
    """seller_id → the name of its letter files without extension: the id itself, unless it
    cannot name a file (a ``/``, a control character, a leading ``.``): then its other
    characters with ``_`` for those; a name taken twice (letters' case ignored, as some file
    systems do) gets ``-2``, ``-3``, …"""
    stems: dict[str, str] = {}
    used: set[str] = set()
    for sid in seller_ids:
        stem = _UNSAFE.sub("_", sid)
        if stem.startswith(".") or not stem:
            stem = "_" + stem
        stem = stem[:200]
        candidate, n = stem, 1
        while candidate.lower() in used:
            n += 1
            candidate = f"{stem}-{n}"
        used.add(candidate.lower())
        stems[sid] = candidate
    return stems


def write_letters(letters: list[Letter], folder: Path) -> list[str]:
    """Write each letter as ``<seller_id>.pdf`` and ``<seller_id>.html`` into ``folder`` (see
    :func:`file_stems`). Returns notes for the planner: renamed files, characters a PDF could
    not show."""
    notes = []
    stems = file_stems([letter.seller_id for letter in letters])
    with letter_fonts() as fonts:
        for letter in letters:
            stem = stems[letter.seller_id]
            if stem != letter.seller_id:
                notes.append(f"the letters of seller {letter.seller_id!r} are {stem}.pdf and "
                             f"{stem}.html (the id cannot name a file as it is)")
            (folder / f"{stem}.pdf").write_bytes(render_pdf(letter, fonts))
            (folder / f"{stem}.html").write_text(render_page(letter), encoding="utf-8")
            missing = missing_glyphs(letter)
            if missing:
                notes.append(f"{stem}.pdf shows '?' for {''.join(sorted(missing))} (the "
                             "letter's font has no glyph for them); the HTML letter shows them")
    return notes


__all__ = ["Version", "file_stems", "select_letters", "write_letters"]
