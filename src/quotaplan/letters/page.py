"""A quota letter as one self-contained HTML page (no script, no font or file from outside),
the same content as the PDF, printable; every character shown as the browser's fonts allow."""

from __future__ import annotations

from html import escape

from quotaplan.letters import text as say
from quotaplan.letters.model import Letter

STYLE = """
body { font-family: "Fira Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: #111;
       max-width: 820px; margin: 2rem auto; padding: 0 1.5rem; font-size: 14px; }
header { display: flex; justify-content: space-between; border-bottom: 2px solid #1f3864;
         color: #606060; font-size: 12px; padding-bottom: .3rem; }
header b { color: #1f3864; letter-spacing: .05em; }
h1 { font-size: 26px; margin: 1.2rem 0 .6rem; }
h2 { color: #1f3864; font-size: 17px; margin: 1.6rem 0 .5rem; }
dl { display: grid; grid-template-columns: 7rem 1fr 7rem 1fr; gap: .25rem .8rem; margin: 0; }
dt { color: #606060; font-size: 11px; text-transform: uppercase; padding-top: .15rem; }
dd { margin: 0; }
.quota { background: #f2f5fa; border: 1px solid #c8d0de; border-left: 6px solid #1f3864;
         padding: .8rem 1.2rem; margin: 1.2rem 0; display: flex; justify-content: space-between;
         align-items: center; }
.quota small { color: #606060; display: block; }
.quota strong { color: #1f3864; font-size: 30px; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
th { background: #1f3864; color: #fff; text-align: left; padding: .35rem .5rem; }
td { padding: .35rem .5rem; border-bottom: 1px solid #c8d0de; vertical-align: top; }
tbody tr:nth-child(even) td { background: #f2f5fa; }
.num { text-align: right; white-space: nowrap; }
tr.total td { font-weight: 600; }
table.ledger tr.total td:last-child { font-weight: 400; }
table.ledger td:first-child { white-space: nowrap; }
p.note { color: #606060; font-size: 12px; }
.sign { display: grid; grid-template-columns: 1fr 1fr; gap: 2.5rem; margin-top: 1rem; }
.sign div b { display: block; margin-bottom: 2.2rem; }
.line { border-top: 1px solid #000; color: #606060; font-size: 12px; padding-top: .2rem;
        margin-bottom: 1.8rem; }
footer { color: #606060; font-size: 11px; border-top: 1px solid #c8d0de; margin-top: 2rem;
         padding-top: .4rem; }
@media print { body { margin: 0; } h2 { break-after: avoid; } table { break-inside: auto; } }
"""


def _cells(values: list[str], numeric: set[int]) -> str:
    return "".join(f'<td class="num">{escape(v)}</td>' if i in numeric else f"<td>{escape(v)}</td>"
                   for i, v in enumerate(values))


def _table(head: list[str], rows: list[tuple[list[str], bool]], numeric: set[int],
           css: str = "") -> str:
    th = "".join(f'<th class="num">{escape(h)}</th>' if i in numeric else f"<th>{escape(h)}</th>"
                 for i, h in enumerate(head))
    body = "".join(("<tr class='total'>" if total else "<tr>") + _cells(cells, numeric) + "</tr>"
                   for cells, total in rows)
    klass = f' class="{css}"' if css else ""
    return f"<table{klass}><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def render_page(letter: Letter) -> str:
    """The letter as an HTML document."""
    c = letter.currency
    carrier = letter.kind == "carrier"
    details = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in say.details(letter))
    full_year = ""
    if letter.full_year_quota is not None and letter.full_year_quota != letter.final_quota:
        full_year = (f"<small>Full-year quota before the ramp: {escape(c)} "
                     f"{say.money(letter.full_year_quota)}</small>")
    what = "Your quota for the plan year" + ("" if carrier else " (rolled up from your team)")
    period_rows = [([p.label, say.day(p.start), say.day(p.end),
                     *([say.percent(p.ramp, 0)] if carrier else []), say.money(p.quota)], False)
                   for p in letter.periods]
    period_rows.append((["Total", "", "", *([""] if carrier else []),
                         say.money(sum(p.quota for p in letter.periods))], True))
    periods = _table(["Period", "From", "To", *(["Ramp"] if carrier else []), f"Quota ({c})"],
                     period_rows, {3, 4} if carrier else {3})
    ledger = _table(["Step", "Factor", "Change", f"Quota ({c})", "Why"], [
        ([line.label, say.factor(line.factor), say.change(line.change),
          say.money(line.value) if line.value is not None else "", line.reason], line.total)
        for line in letter.lines], {1, 2, 3}, css="ledger")
    ramp = "".join(
        f'<p class="note">{escape(item)}</p>' if carrier and i == len(letter.ramp) - 1
        else f"<p>{escape(item)}</p>" for i, item in enumerate(letter.ramp))
    accounts = ""
    if carrier:
        accounts = (f"<h2>Largest accounts in your book</h2><p>Your book holds "
                    f"{letter.book_accounts:,} account(s) with a total target of {escape(c)} "
                    f"{say.money(letter.book_target)}.</p>")
        if letter.accounts:
            accounts += _table(["#", "Account", "Name", f"Target ({c})", "Share"], [
                ([str(a.rank), a.account_id, a.name or "", say.money(a.target),
                  say.percent(a.share)], False) for a in letter.accounts], {0, 3, 4})
    signers = [("Seller", say.seller_heading(letter))]
    if letter.manager_id is not None:
        signers.append(("Manager", say.manager(letter)))
    sign = "".join(f'<div><b>{role}</b><div class="line">{escape(who)}</div>'
                   f'<div class="line">Date</div></div>' for role, who in signers)
    title = escape(f"Quota letter: {say.seller_heading(letter)}")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="generator" content="quotaplan">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{STYLE}</style>
</head>
<body>
<header><span>{escape(letter.plan_name)}</span><b>QUOTA LETTER</b></header>
<h1>Quota letter for {escape(letter.name)}</h1>
<dl>{details}</dl>
<div class="quota"><div><small>{what}</small>
<strong>{escape(c)} {say.money(letter.final_quota)}</strong></div>{full_year}</div>
<h2>Quota by period</h2>
{periods}
<h2>{"How your quota was made" if carrier else "How your quota rolls up"}</h2>
{ledger}
<h2>{"Ramp" if carrier else "About your quota"}</h2>
{ramp}
{accounts}
<h2>Acknowledgement</h2>
<p>{escape(say.ACKNOWLEDGEMENT)}</p>
<div class="sign">{sign}</div>
<footer>{escape(letter.plan_name)} · {escape(say.seller_heading(letter))} ·
version: {escape(letter.version.text())}</footer>
</body>
</html>
"""


__all__ = ["render_page"]
