"""``{% for dimension, tags in enterprise.tags.all|by_dimension %}``: an enterprise's
tags grouped by the portrait's dimensions (portal.portraits)."""

from django import template

from portal import portraits

register = template.Library()


@register.filter
def by_dimension(tags):
    return portraits.tags_by_dimension(tags)
