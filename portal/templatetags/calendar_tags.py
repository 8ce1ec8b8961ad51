from django import template

from portal import workdays

register = template.Library()


@register.simple_tag(takes_context=True)
def calendar_warnings(context) -> list[str]:
    """``{% calendar_warnings as warnings %}``: the working-day calendar's warnings about
    years without an official schedule (:func:`portal.workdays.schedule_warnings`), for
    staff only; an empty list, and no query, for anyone else."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    if user is None or not user.is_staff:
        return []
    return workdays.schedule_warnings()
