from django import template

from portal import money

register = template.Library()


@register.filter
def yuan(value) -> str:
    """``{{ amount|yuan }}`` → "8万元", "9,500 元" (empty for no amount)."""
    return money.yuan(value)


@register.filter
def number(value) -> str:
    """``{{ amount|number }}`` → "80,000", for a cell under a "（元）" heading; "—" for none."""
    return "—" if value is None or value == "" else money.format_number(value)
