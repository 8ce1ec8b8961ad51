"""Reference data in the reader's language.

Regions, departments, industries, enterprise tags, problem and policy categories,
walkthrough themes, checklist items and non-acceptance reasons are rows, not
msgids: officials add and rename them, so the catalogues cannot hold them. They
are stored in simplified Chinese, and shown

* in 繁體 converted at render with OpenCC, character by character (the same
  conversion ``make messages`` uses for the catalogues, so a department reads
  the same in a page's text and in its lists);
* in English from a stored translation (``name_en``, ``text_en``, ``title_en``),
  filled for the seeded data and editable in the admin; a row without one
  falls back to its Chinese name.

``display_name`` (and ``__str__``) of these models answer in the active
language, so forms, filters, the admin and templates need nothing else; the
conversion is cached per text, and no page makes a query for it.
"""

from __future__ import annotations

import threading
from functools import lru_cache

from django.utils.translation import get_language

ENGLISH = "en"
TRADITIONAL = "zh-hant"

# Character conversion without phrase substitution (s2twp would turn 信息 into 資訊 and
# 软件 into 軟體): the 繁体版 of a mainland government site keeps mainland wording and
# changes only the characters. s2tw rather than s2t for the glyphs readers of traditional
# Chinese know (為, 審核, 核准, 裡 instead of OpenCC's 爲, 審覈, 覈准, 裏).
OPENCC_CONFIG = "s2tw"

# Where OpenCC picks the wrong character for our wording; applied after it converts.
# Add a pair here rather than editing the same mistake in many entries.
CORRECTIONS = {
    "獲準": "獲准",  # 获准 (approved to), not 準 (accurate)
    "聲明瞭": "聲明了",  # 声明了 (declared), the particle 了, not 瞭 (understand)
}

_converter = None
_converter_lock = threading.Lock()


def _opencc():
    global _converter
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                import opencc

                _converter = opencc.OpenCC(f"{OPENCC_CONFIG}.json")
    return _converter


@lru_cache(maxsize=8192)
def to_traditional(text: str) -> str:
    """``text`` in traditional characters (OpenCC s2tw and the corrections above)."""
    if not text:
        return text
    converted = _opencc().convert(text)
    for wrong, right in CORRECTIONS.items():
        converted = converted.replace(wrong, right)
    return converted


def language() -> str:
    from django.conf import settings

    return (get_language() or settings.LANGUAGE_CODE).lower()


def localized(chinese: str, english: str = "") -> str:
    """A stored name in the active language: the English translation when there is
    one (else the Chinese), the traditional conversion, or the name as stored."""
    current = language()
    if current == ENGLISH or current.startswith(f"{ENGLISH}-"):
        return english or chinese
    if current == TRADITIONAL or current.startswith(("zh-hant", "zh-tw", "zh-hk", "zh-mo")):
        return to_traditional(chinese)
    return chinese


class LocalizedName:
    """For a model with a Chinese ``name`` and an English ``name_en`` (another pair
    with ``localized_field``): ``display_name`` in the reader's language. The models
    return it from ``__str__`` too, so that select options and the admin follow."""

    localized_field = "name"

    @property
    def display_name(self) -> str:
        field = self.localized_field
        return localized(getattr(self, field) or "", getattr(self, f"{field}_en", "") or "")
