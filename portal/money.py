"""How money is written: 元 with thousands separators and no needless decimals
("1,280,000 元", "1,280.5 元"). One place, for pages, messages and explanations."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _


def format_number(value) -> str:
    """A number as the pages write it: thousands separated, no needless decimals."""
    value = Decimal(value)
    return f"{value:,.0f}" if value == value.to_integral() else f"{value.normalize():,}"


def yuan(value) -> str:
    """An amount in 元, or "" for none."""
    if value is None or value == "":
        return ""
    return _("%(amount)s 元") % {"amount": format_number(value)}
