"""A quota letter as a PDF, with fpdf2 (pure Python: no browser or system library at run time).

The text is set in Fira Sans, shipped as a Python package (``fontpkg-fira-sans``, SIL Open Font
License) and embedded (subset) in each PDF, so a letter looks the same everywhere and needs
nothing from the machine. Fira Sans covers Latin, Greek and Cyrillic; a character it has no glyph
for (a name in Chinese, say) is printed as ``?`` and reported by :func:`missing_glyphs` (the HTML
letter beside the PDF shows every character). The PDF's Creator is ``quotaplan``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from fontpkg_fira_sans import ROOT as FONT_ROOT
from fontTools.ttLib import TTFont
from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout, TableCellFillMode, XPos, YPos

from quotaplan.letters import text as say
from quotaplan.letters.model import Letter

FONT = "Fira"
FONT_FILES = {"": "FiraSans-Regular.ttf", "B": "FiraSans-SemiBold.ttf"}
NAVY = (31, 56, 100)
GREY = (96, 96, 96)
LIGHT = (242, 245, 250)
RULE = (200, 208, 222)


#: OpenType layout tables: fpdf2 uses them only when text shaping is on (it is not here), and
#: subsetting them for every PDF costs about half of a letter's time.
LAYOUT_TABLES = ("GSUB", "GPOS", "GDEF", "kern")


@contextmanager
def letter_fonts() -> Iterator[Path]:
    """A temporary folder with the letters' faces without their layout tables, for
    :func:`render_pdf` to embed while many letters are written; removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="quotaplan-fonts-") as tmp:
        for name in FONT_FILES.values():
            with TTFont(FONT_ROOT / "files" / name) as font:
                for tag in LAYOUT_TABLES:
                    if tag in font:
                        del font[tag]
                font.save(Path(tmp) / name)
        yield Path(tmp)


@cache
def covered() -> frozenset[int]:
    """The code points the letter's fonts have glyphs for (the regular face's; the others match)."""
    with TTFont(FONT_ROOT / "files" / FONT_FILES[""]) as font:
        return frozenset(font.getBestCmap())


def missing_glyphs(letter: Letter) -> set[str]:
    """Characters of the letter's text that the PDF cannot show (printed as ``?``)."""
    have = covered()
    texts = [letter.name, letter.role or "", letter.territory_name or "",
             letter.manager_name or "", letter.plan_name, letter.version.text()]
    texts += [line.reason for line in letter.lines] + [line.label for line in letter.lines]
    texts += [a.name or "" for a in letter.accounts] + [a.account_id for a in letter.accounts]
    texts += list(letter.ramp)
    return {ch for t in texts for ch in t if ord(ch) not in have and not ch.isspace()}


def safe(text: str) -> str:
    have = covered()
    return "".join(ch if ord(ch) in have or ch in "\n\t" else "?" for ch in text)


class _Pdf(FPDF):
    def __init__(self, letter: Letter, fonts: Path) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.letter = letter
        for style, file in FONT_FILES.items():
            self.add_font(FONT, style, str(fonts / file))
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_creator("quotaplan")
        self.set_producer("quotaplan")
        self.set_title(safe(f"Quota letter: {say.seller_heading(letter)}"))
        self.set_subject(safe(letter.plan_name))
        self.set_author("quotaplan")
        self.alias_nb_pages()

    def header(self) -> None:
        self.set_font(FONT, "", 8.5)
        self.set_text_color(*GREY)
        self.cell(0, 5, safe(self.letter.plan_name), new_x=XPos.LMARGIN, new_y=YPos.TOP)
        self.set_font(FONT, "B", 8.5)
        self.set_text_color(*NAVY)
        self.cell(0, 5, "QUOTA LETTER", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(*NAVY)
        self.set_line_width(0.6)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.ln(5)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*GREY)
        letter = self.letter
        self.cell(0, 4, safe(f"{letter.plan_name} · {say.seller_heading(letter)} · version: "
                             f"{letter.version.text()}"), new_x=XPos.LMARGIN, new_y=YPos.TOP)
        self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", align="R")

    # -- building blocks ----------------------------------------------------------------------

    def heading(self, title: str) -> None:
        if self.will_page_break(22):
            self.add_page()
        self.ln(4)
        self.set_font(FONT, "B", 12)
        self.set_text_color(*NAVY)
        self.cell(0, 7, safe(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0, 0, 0)
        self.ln(1)

    def paragraph(self, text: str, size: float = 9.5, style: str = "") -> None:
        self.set_font(FONT, style, size)
        self.multi_cell(0, 4.8, safe(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(self, widths: tuple[float, ...], align: tuple[str, ...], head: Iterable[str],
             rows: Iterable[tuple[list[str], bool]], size: float = 8.5,
             plain_last: bool = False) -> None:
        """A table: a navy header row, light bands on every other row, bold rows where the flag
        says so (``plain_last``: but for their last cell, a sentence)."""
        self.set_font(FONT, "", size)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        head_style = FontFace(family=FONT, emphasis="BOLD", color=(255, 255, 255),
                              fill_color=NAVY, size_pt=size)
        with self.table(col_widths=widths, text_align=align, headings_style=head_style,
                        line_height=4.6, borders_layout=TableBordersLayout.HORIZONTAL_LINES,
                        cell_fill_mode=TableCellFillMode.NONE, padding=(1.3, 1.5, 1.3, 1.5),
                        first_row_as_headings=True, width=self.epw) as table:
            header = table.row()
            for cell in head:
                header.cell(safe(cell))
            for index, (cells, bold) in enumerate(rows):
                fill = LIGHT if index % 2 else (255, 255, 255)
                row = table.row()
                for position, cell in enumerate(cells):
                    strong = bold and not (plain_last and position == len(cells) - 1)
                    row.cell(safe(cell), style=FontFace(emphasis="BOLD" if strong else None,
                                                        fill_color=fill))


def _details(pdf: _Pdf, letter: Letter) -> None:
    pdf.set_font(FONT, "B", 17)
    pdf.multi_cell(0, 8, safe(f"Quota letter for {letter.name}"), new_x=XPos.LMARGIN,
                   new_y=YPos.NEXT)
    pdf.ln(2)
    items = say.details(letter)
    half = (pdf.epw - 4) / 2
    left, top = pdf.l_margin, pdf.get_y()
    for index, (label, value) in enumerate(items):
        x = left + (index % 2) * (half + 4)
        y = top + (index // 2) * 6.2
        pdf.set_xy(x, y)
        pdf.set_font(FONT, "", 8)
        pdf.set_text_color(*GREY)
        pdf.cell(22, 6.2, label.upper())
        pdf.set_font(FONT, "", 9.5)
        pdf.set_text_color(0, 0, 0)
        pdf.cell(half - 22, 6.2, safe(value))
    pdf.set_xy(left, top + ((len(items) + 1) // 2) * 6.2 + 3)


def _quota_box(pdf: _Pdf, letter: Letter) -> None:
    top = pdf.get_y()
    height = 22.0
    pdf.set_fill_color(*LIGHT)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.3)
    pdf.rect(pdf.l_margin, top, pdf.epw, height, style="DF")
    pdf.set_fill_color(*NAVY)
    pdf.rect(pdf.l_margin, top, 1.6, height, style="F")
    pdf.set_xy(pdf.l_margin + 6, top + 3)
    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*GREY)
    what = ("Your quota for the plan year" if letter.kind == "carrier"
            else "Your quota for the plan year (rolled up from your team)")
    pdf.cell(0, 5, what, new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "B", 20)
    pdf.set_text_color(*NAVY)
    pdf.cell(0, 10, f"{letter.currency} {say.money(letter.final_quota)}")
    if letter.full_year_quota is not None and letter.full_year_quota != letter.final_quota:
        pdf.set_xy(pdf.l_margin + pdf.epw / 2, top + 9)
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*GREY)
        pdf.multi_cell(pdf.epw / 2 - 6, 4.6, safe(
            f"Full-year quota before the ramp: {letter.currency} "
            f"{say.money(letter.full_year_quota)}"), align="R")
    pdf.set_text_color(0, 0, 0)
    pdf.set_xy(pdf.l_margin, top + height + 2)


def _periods(pdf: _Pdf, letter: Letter) -> None:
    pdf.heading("Quota by period")
    carrier = letter.kind == "carrier"
    head = ["Period", "From", "To", *(["Ramp"] if carrier else []), f"Quota ({letter.currency})"]
    rows = [([p.label, say.day(p.start), say.day(p.end),
              *([say.percent(p.ramp, 0)] if carrier else []), say.money(p.quota)], False)
            for p in letter.periods]
    rows.append((["Total", "", "", *([""] if carrier else []),
                  say.money(sum(p.quota for p in letter.periods))], True))
    widths = (20, 30, 30, 20, 40) if carrier else (25, 35, 35, 45)
    align = ("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT") if carrier else (
        "LEFT", "LEFT", "LEFT", "RIGHT")
    pdf.grid(widths, align, head, rows)


def _lines(pdf: _Pdf, letter: Letter) -> None:
    pdf.heading("How your quota was made" if letter.kind == "carrier"
                else "How your quota rolls up")
    head = ["Step", "Factor", "Change", f"Quota ({letter.currency})", "Why"]
    rows = [([line.label, say.factor(line.factor), say.change(line.change),
              say.money(line.value) if line.value is not None else "", line.reason], line.total)
            for line in letter.lines]
    pdf.grid((30, 16, 24, 27, 77), ("LEFT", "RIGHT", "RIGHT", "RIGHT", "LEFT"), head, rows,
             size=8, plain_last=True)


def _ramp(pdf: _Pdf, letter: Letter) -> None:
    pdf.heading("Ramp" if letter.kind == "carrier" else "About your quota")
    for index, item in enumerate(letter.ramp):
        last = letter.kind == "carrier" and index == len(letter.ramp) - 1
        pdf.set_text_color(*(GREY if last else (0, 0, 0)))
        pdf.paragraph(item, size=8 if last else 9.5)
        pdf.ln(1)
    pdf.set_text_color(0, 0, 0)


def _accounts(pdf: _Pdf, letter: Letter) -> None:
    if letter.kind != "carrier":
        return
    pdf.heading("Largest accounts in your book")
    pdf.paragraph(f"Your book holds {letter.book_accounts:,} account(s) with a total target of "
                  f"{letter.currency} {say.money(letter.book_target)}."
                  + (" The largest are:" if letter.accounts else ""), size=9)
    if not letter.accounts:
        return
    pdf.ln(1)
    rows = [([str(a.rank), a.account_id, a.name or "", say.money(a.target),
              say.percent(a.share)], False) for a in letter.accounts]
    pdf.grid((10, 28, 86, 30, 20), ("RIGHT", "LEFT", "LEFT", "RIGHT", "RIGHT"),
             ["#", "Account", "Name", f"Target ({letter.currency})", "Share"], rows)


def _acknowledgement(pdf: _Pdf, letter: Letter) -> None:
    if pdf.will_page_break(58):
        pdf.add_page()
    pdf.heading("Acknowledgement")
    pdf.paragraph(say.ACKNOWLEDGEMENT)
    pdf.ln(4)
    half = (pdf.epw - 14) / 2
    top = pdf.get_y()
    signers = [("Seller", say.seller_heading(letter))]
    if letter.manager_id is not None:
        signers.append(("Manager", say.manager(letter)))
    for index, (role, who) in enumerate(signers):
        x = pdf.l_margin + index * (half + 14)
        pdf.set_draw_color(0, 0, 0)
        pdf.set_line_width(0.25)
        pdf.set_xy(x, top)
        pdf.set_font(FONT, "B", 9)
        pdf.cell(half, 5, role)
        for offset, label in ((16.0, safe(who)), (28.0, "Date")):
            pdf.line(x, top + offset, x + half, top + offset)
            pdf.set_xy(x, top + offset + 0.8)
            pdf.set_font(FONT, "", 8.5)
            pdf.set_text_color(*GREY)
            pdf.cell(half, 4, label)
        pdf.set_text_color(0, 0, 0)
    pdf.set_xy(pdf.l_margin, top + 34)


def render_pdf(letter: Letter, fonts: Path | None = None) -> bytes:
    """The letter as PDF bytes; ``fonts``: a folder from :func:`letter_fonts` (default: the font
    package's own files)."""
    pdf = _Pdf(letter, fonts or FONT_ROOT / "files")
    pdf.add_page()
    _details(pdf, letter)
    _quota_box(pdf, letter)
    _periods(pdf, letter)
    _lines(pdf, letter)
    _ramp(pdf, letter)
    _accounts(pdf, letter)
    _acknowledgement(pdf, letter)
    return bytes(pdf.output())


__all__ = ["letter_fonts", "missing_glyphs", "render_pdf"]
