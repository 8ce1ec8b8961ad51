"""Rich text officials write: a policy's full text and its interpretation.

Policy documents are structured — chapters and articles (headings), lists of conditions,
tables of subsidy rates, links to the source and to related policies — so officials may
use that much HTML, and nothing more. The allow-list is enforced with nh3 (the Ammonia
sanitiser) when the text is saved and again when it is rendered, so text written before
the rule, or put in past the model (bulk loads), is still safe. Scripts, styles, event
handlers and ``javascript:`` links never survive; links open with ``rel="noopener
noreferrer nofollow"``. Text without HTML blocks is shown as before, as paragraphs.
"""

from __future__ import annotations

import re

import nh3
from django.utils.html import linebreaks
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "h2", "h3", "h4", "p", "br", "hr", "blockquote",
    "ul", "ol", "li",
    "strong", "b", "em", "i", "u", "sub", "sup",
    "a",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
_BLOCKS = re.compile(r"<(p|h[2-4]|ul|ol|table|blockquote|br|hr)\b", re.IGNORECASE)


def sanitize(text: str | None) -> str:
    """The text with every tag, attribute and URL scheme outside the allow-list removed."""
    return nh3.clean(
        text or "",
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def render(text: str | None) -> SafeString:
    """Sanitised HTML ready for a template; plain text becomes paragraphs."""
    clean = sanitize(text)
    if _BLOCKS.search(clean):
        return mark_safe(clean)  # noqa: S308 -- sanitised by nh3 just above
    return mark_safe(linebreaks(clean, autoescape=False))  # noqa: S308 -- nh3 output, already escaped
