"""The API's JSON parser: DRF's, refusing bodies nested deeper than any real input.

Python's json module recurses once per nested array or object: a body of a thousand
``[`` raises ``RecursionError``, which DRF's parser does not catch (it catches
``ValueError``), so the request would end in a 500. No input of the portal nests more than
a few levels (a walkthrough's findings, an application's declared values), so the depth is
counted before parsing and anything beyond ``MAX_DEPTH`` is refused with 400 in the error
shape. Bodies over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` never get here: Django refuses to read
them (``RequestDataTooBig``), answered 413 by ``portal.api.errors``.
"""

from __future__ import annotations

import io
import re

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 64
# A JSON string, escapes included: brackets inside strings do not nest anything.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(raw: bytes, limit: int = MAX_DEPTH) -> int:
    """How deep arrays and objects nest in ``raw`` (stops counting past ``limit``)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        else:
            depth -= 1
    return deepest


class PortalJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read()
        if json_depth(raw) > MAX_DEPTH:
            raise ParseError(_("JSON 嵌套层数过多（最多 %(depth)d 层）。") % {"depth": MAX_DEPTH})
        try:
            return super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError as error:  # a bound the count above missed must still not be a 500
            raise ParseError(_("JSON 嵌套层数过多（最多 %(depth)d 层）。") % {"depth": MAX_DEPTH}) from error
