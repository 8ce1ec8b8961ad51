"""Template tags of 咨询 for pages other apps' views draw: the officials' dashboard's
咨询按时答复 section and the case page's "由咨询转入" line (complaints/consultations/)."""

from django import template

from complaints.consultations import permissions, selectors
from complaints.models import Channel, Consultation

register = template.Library()


@register.simple_tag
def consultation_figures(period) -> selectors.ConsultationFigures:
    """``{% consultation_figures figures.period as consultations %}``: 咨询按时答复 for the
    consultations asked in the dashboard's period. One query."""
    return selectors.consultation_figures(period)


@register.simple_tag(takes_context=True)
def consultation_origin(context, case):
    """``{% consultation_origin case as origin %}``: the consultation a case was made from
    (or None), and whether the reader may open it: ``{"consultation", "visible"}``. No
    query for a case of another channel; the link is drawn only for those who may see it."""
    if case is None or case.channel != Channel.CONSULTATION:
        return None
    consultation = Consultation.objects.filter(case_id=case.pk).only("pk", "enterprise_id").first()
    if consultation is None:
        return None
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return {"consultation": consultation, "visible": permissions.can_view(user, consultation)}
