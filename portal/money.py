"""How money is written, everywhere: in Chinese an amount of 10,000 元 or more that is a
round number of 万 reads in 万元 ("8万元", "1,280万元", as the policy documents write it),
anything else in 元 with thousands separators ("9,500 元", "12,345.67 元"); in English
always in yuan ("80,000 yuan"). Table cells under a "（元）" heading use ``format_number``."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

WAN = Decimal(10000)


def format_number(value) -> str:
    """A number as the pages write it: thousands separated, no needless decimals."""
    value = Decimal(value)
    return f"{value:,.0f}" if value == value.to_integral() else f"{value.normalize():,}"


def yuan(value) -> str:
    """An amount in 元 (or 万元), or "" for none."""
    if value is None or value == "":
        return ""
    value = Decimal(value)
    in_wan = value / WAN
    if (get_language() or "zh-hans").startswith("zh") and abs(value) >= WAN and in_wan == round(in_wan, 2):
        return _("%(amount)s万元") % {"amount": format_number(in_wan)}
    return _("%(amount)s 元") % {"amount": format_number(value)}
