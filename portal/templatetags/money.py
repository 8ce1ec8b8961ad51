from django import template

from portal import money

register = template.Library()


@register.filter
def yuan(value) -> str:
    """``{{ amount|yuan }}`` → "1,280,000 元" (empty for no amount)."""
    return money.yuan(value)
