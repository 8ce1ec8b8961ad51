from django import template

from portal import richtext

register = template.Library()


@register.filter
def rich_text(value):
    """Officials' rich text, sanitised against the allow-list in portal/richtext.py."""
    return richtext.render(value)
