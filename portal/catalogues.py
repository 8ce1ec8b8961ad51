"""The translation catalogues in locale/: English and traditional Chinese.

The source language is simplified Chinese (every msgid is zh-hans). ``make messages``
(``manage.py update_catalogues``) extracts the msgids with Django's makemessages, fills
new or fuzzy traditional-Chinese entries by converting the msgid with OpenCC, compiles
both catalogues and lists the English entries still waiting for a person
(``manage.py untranslated``). The test suite (tests/test_translations.py) extracts the
same way and fails when a catalogue lags behind the source.

Development tooling: it needs GNU gettext and polib (requirements-dev.txt); the running
portal reads the committed .mo files. OpenCC is a runtime requirement all the same: the
portal converts reference data (department and category names) at render with it
(portal.localized).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings

from portal import localized

# Locale directories under locale/, in gettext's spelling.
ENGLISH = "en"
TRADITIONAL = "zh_Hant"
SIMPLIFIED = "zh_Hans"
CATALOGUE_LOCALES = (ENGLISH, TRADITIONAL)

# Overrides of third-party messages (Django's "确保该变量包含不超过 200 字符", django-axes and
# django-q2, which have no Chinese, pghistory's "Events"): msgids that are not in the portal's
# source, so makemessages would drop them from the catalogues above. They live in a
# catalogue of their own, the second entry of LOCALE_PATHS, which makemessages never
# writes: written by hand in simplified Chinese, converted to traditional Chinese by
# ``update`` (English needs none: the msgids are English). The portal's LOCALE_PATHS come
# before every app's catalogue, so these translations win.
OVERRIDE_LOCALES = (SIMPLIFIED, TRADITIONAL)

# What makemessages does not scan: not portal text (tests, benchmarks), vendored files,
# the local database and uploads, and copies of Django's admin templates (their msgids are
# Django's English ones, translated by Django's catalogues: in the portal's they would be
# taken for zh-hans and "translated" to 繁體 as they are).
IGNORE_PATTERNS = [
    ".venv/*",
    "var/*",
    "static/*",
    "tests/*",
    "bench/*",
    "staticfiles/*",
    "templates/admin/search_form.html",
]

# The conversion itself (OpenCC s2tw and its corrections) is the one the portal uses for
# reference data at render: portal.localized.
OPENCC_CONFIG = localized.OPENCC_CONFIG
CORRECTIONS = localized.CORRECTIONS

# printf-style (%(name)s, %d, %%) and str.format-style ({name}) placeholders.
PLACEHOLDER = re.compile(r"%\([^)]*\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]|%[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]|\{[^{}\s]*\}")


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def catalogue_path(locale: str) -> Path:
    return Path(settings.LOCALE_PATHS[0]) / locale / "LC_MESSAGES" / "django.po"


def override_path(locale: str) -> Path:
    return Path(settings.LOCALE_PATHS[1]) / locale / "LC_MESSAGES" / "django.po"


def to_traditional(text: str) -> str:
    """The msgid in traditional characters; refuses a result whose placeholders changed."""
    converted = localized.to_traditional(text)
    if placeholders(converted) != placeholders(text):
        raise ValueError(f"OpenCC changed the placeholders of {text!r}: {converted!r}")
    return converted


def needs_translation(entry) -> bool:
    """Untranslated or fuzzy (a guess by msgmerge that nobody has confirmed)."""
    return not entry.obsolete and (entry.fuzzy or not entry.translated())


def fill_traditional(path: Path | None = None) -> list[str]:
    """Convert the msgid of every new, empty or fuzzy traditional-Chinese entry with
    OpenCC; entries a person corrected are kept. Returns the msgids it filled."""
    import polib

    path = path or catalogue_path(TRADITIONAL)
    catalogue = polib.pofile(str(path), wrapwidth=78)
    filled = []
    if catalogue.metadata_is_fuzzy or catalogue.metadata.get("Language") != TRADITIONAL:
        # makemessages starts a new catalogue with a fuzzy header and no language.
        catalogue.metadata_is_fuzzy = False
        catalogue.metadata["Language"] = TRADITIONAL
        filled.append("")
    for entry in catalogue:
        if not needs_translation(entry):
            continue
        if entry.msgid_plural:
            # Chinese has one plural form; the plural msgid is the general wording.
            entry.msgstr_plural = {0: to_traditional(entry.msgid_plural)}
        else:
            entry.msgstr = to_traditional(entry.msgid)
        if entry.fuzzy:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        filled.append(entry.msgid)
    if filled:
        save(catalogue, path)
    return [msgid for msgid in filled if msgid]


def save(catalogue, path: Path) -> None:
    """Write a polib catalogue the way gettext itself lays it out (msgcat), so that
    the next makemessages/msgmerge run does not re-wrap every long entry."""
    import subprocess

    scratch = Path(path).with_suffix(".po.tmp")
    catalogue.save(str(scratch))
    try:
        subprocess.run(["msgcat", "--output-file", str(path), str(scratch)], check=True)  # noqa: S603, S607
    finally:
        scratch.unlink(missing_ok=True)


def convert_overrides() -> None:
    """Write the traditional-Chinese overrides from the simplified ones, entry by entry
    (OpenCC with the corrections); the traditional file is generated, never edited."""
    import polib

    source = polib.pofile(str(override_path(SIMPLIFIED)), wrapwidth=78)
    target = polib.POFile(wrapwidth=78)
    target.header = (
        f"Generated from {override_path(SIMPLIFIED).relative_to(settings.BASE_DIR)} by `make messages`\n"
        "(OpenCC, portal.localized): edit that file, not this one."
    )
    target.metadata = {**source.metadata, "Language": TRADITIONAL}
    for entry in source:
        if entry.obsolete:
            continue
        converted = polib.POEntry(
            msgid=entry.msgid,
            msgctxt=entry.msgctxt,
            msgid_plural=entry.msgid_plural,
            comment=entry.comment,
            flags=list(entry.flags),
        )
        if entry.msgid_plural:
            converted.msgstr_plural = {form: to_traditional(text) for form, text in entry.msgstr_plural.items()}
        else:
            converted.msgstr = to_traditional(entry.msgstr)
        target.append(converted)
    path = override_path(TRADITIONAL)
    path.parent.mkdir(parents=True, exist_ok=True)
    save(target, path)


def untranslated(locale: str = ENGLISH) -> list:
    """The entries of a catalogue that still need a person: empty or fuzzy."""
    import polib

    return [entry for entry in polib.pofile(str(catalogue_path(locale))) if needs_translation(entry)]


def update(*, verbosity: int = 1) -> None:
    """Regenerate both catalogues from the source, fill traditional Chinese, convert the
    overrides, compile."""
    call_command(
        "makemessages",
        locale=list(CATALOGUE_LOCALES),
        ignore_patterns=IGNORE_PATTERNS,
        no_location=True,
        verbosity=verbosity,
    )
    fill_traditional()
    convert_overrides()
    call_command(
        "compilemessages",
        locale=sorted({*CATALOGUE_LOCALES, *OVERRIDE_LOCALES}),
        ignore_patterns=IGNORE_PATTERNS,
        verbosity=verbosity,
    )


@dataclass(frozen=True)
class SourceMessage:
    msgctxt: str | None
    msgid: str
    msgid_plural: str


def _extraction_lock(base: Path):
    """An exclusive lock on this checkout's extraction, released when the file closes."""
    import fcntl
    import hashlib

    name = hashlib.sha256(str(base.resolve()).encode()).hexdigest()[:16]
    handle = open(Path(tempfile.gettempdir()) / f"qinqing-makemessages-{name}.lock", "w")  # noqa: SIM115
    fcntl.flock(handle, fcntl.LOCK_EX)
    return handle


def source_messages() -> dict[tuple[str | None, str], SourceMessage]:
    """Every msgid in the source, extracted exactly as ``update`` does it (Django's
    makemessages, same ignore patterns), into a throw-away directory: the real
    catalogues are not touched."""
    import os

    import polib

    base = Path(settings.BASE_DIR)
    with tempfile.TemporaryDirectory(prefix="messages-") as scratch:
        scratch = Path(scratch)
        for child in base.iterdir():
            if child.name not in {"locale", ".git"}:
                (scratch / child.name).symlink_to(child)
        (scratch / "locale").mkdir()
        cwd = os.getcwd()
        os.chdir(scratch)
        # makemessages writes "page.html.py" files next to the templates (the scratch links
        # to the real folders): two extractions at once — two test workers — would trip
        # over each other's files, so they take turns.
        lock = _extraction_lock(base)
        try:
            with override_settings(LOCALE_PATHS=[scratch / "locale"]):
                call_command(
                    "makemessages",
                    locale=[ENGLISH],
                    ignore_patterns=IGNORE_PATTERNS,
                    no_location=True,
                    symlinks=True,
                    keep_pot=True,
                    verbosity=0,
                )
        finally:
            os.chdir(cwd)
            lock.close()
        template = polib.pofile(str(scratch / "locale" / "django.pot"))
    return {
        (entry.msgctxt, entry.msgid): SourceMessage(entry.msgctxt, entry.msgid, entry.msgid_plural)
        for entry in template
        if not entry.obsolete
    }
