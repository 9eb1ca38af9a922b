"""Rendering pages: the Jinja environment (templates shipped in the package), filters, and the context
every page gets (who is signed in, the session's CSRF token for its forms)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from quotaplan.money import format_cents_grouped
from quotaplan.web.security import Session

STATUS_LABELS = {"draft": "Draft", "in_review": "In review", "approved": "Approved",
                 "published": "Published"}


def when(value: datetime | None) -> str:
    """``2027-03-01 14:05 UTC``."""
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """``5 min ago``, ``3 h ago``, ``2 days ago`` (the exact time is in :func:`when`)."""
    if value is None:
        return ""
    seconds = ((now or datetime.now(UTC)) - value).total_seconds()
    if seconds < 60:
        return "just now"
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            n = int(seconds // size)
            return f"{n} {unit}{'s' if unit == 'day' and n != 1 else ''} ago"
    return "just now"


def cents(value: int | None) -> str:
    """Cents → ``1,234,567.89`` (exact); ``—`` when absent."""
    return "—" if value is None else format_cents_grouped(int(value))


def percent(value: float | Fraction | Decimal | None, places: int = 1) -> str:
    """A ratio (0.875) → ``87.5 %``; ``—`` when absent."""
    return "—" if value is None else f"{float(value) * 100:.{places}f} %"


def factor(value: float | Fraction | Decimal | None) -> str:
    """A multiplier (×1.0815) as written in a ledger line; empty when the line has none."""
    return "" if value is None else f"× {float(value):.4f}".rstrip("0").rstrip(".")


KIND_LABELS = {
    "setting.set": "setting changed", "topdown.set": "top-down number set",
    "topdown.clear": "top-down number cleared", "target.override": "account target overridden",
    "target.clear_override": "override cleared", "bottom_up.set": "bottom-up target set",
    "adjustment.add": "adjustment added", "adjustment.remove": "adjustment removed",
    "assigned_quota.set": "assigned quota set", "seller.set": "seller changed", "seller.add": "seller added",
    "territory.add": "territory added", "account.add": "account added", "account.move": "account moved",
    "scenario.submit": "submitted for review", "scenario.approve": "approved",
    "scenario.reject": "sent back to draft", "scenario.publish": "published",
    "change.request": "in-year change requested", "change.approve": "in-year change approved",
    "change.reject": "in-year change rejected",
}


def sentence(text: str) -> str:
    """A message as a sentence: a capital first letter and one full stop."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def code(text: str) -> Markup:
    """Text with `backticked` commands set as code (everything else escaped)."""
    parts = str(text).split("`")
    return Markup("".join(f"<code>{escape(p)}</code>" if i % 2 else str(escape(p))
                          for i, p in enumerate(parts)))


def environment() -> Environment:
    env = Environment(loader=PackageLoader("quotaplan.web", "templates"),
                      autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters.update(when=when, ago=ago, cents=cents, percent=percent, factor=factor, sentence=sentence,
                       code=code,
                       status=lambda s: STATUS_LABELS.get(s, s), kind=lambda k: KIND_LABELS.get(k, k))
    return env


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page, with who is signed in and the CSRF token for its forms."""
    env: Environment = request.app.state.templates
    session: Session | None = getattr(request.state, "session", None)
    who = getattr(request.state, "who", None)
    html = env.get_template(template).render(
        request=request, user=who.actor.name if who is not None else None,
        csrf_token=session.csrf if session is not None else "", **context)
    return HTMLResponse(html, status_code=status_code)
