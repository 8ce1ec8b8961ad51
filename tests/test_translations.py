"""Every user-facing string is marked for translation, and both catalogues keep up.

The portal's source language is simplified Chinese, so "user-facing text" is found by
its Chinese characters: any in a template outside {% translate %}/{% blocktranslate %}
or a comment, in a Python string outside a gettext call, or in a JavaScript string, is
text an English or traditional-Chinese reader would see untranslated. The catalogues
(locale/en, locale/zh_Hant) are compared with the msgids extracted from the source the
way `make messages` extracts them; `make messages` fixes a catalogue that lags, and
`make untranslated` lists the English entries a person still has to write.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
from fnmatch import fnmatchcase
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType

from portal import catalogues

BASE = Path(settings.BASE_DIR)
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# --- What the scan leaves out, and why ------------------------------------------------

# Whole files or folders of Python that are not portal text.
PYTHON_EXCLUDED = {
    "*/migrations/*": "data migrations load reference data (industries, regions, problem categories, "
    "roles) as database content, and migrations are frozen history",
    "tests/*": "test data and assertions on what pages say",
    "bench/*": "benchmarks: not part of the portal",
    "*/demo.py": "demo data content for `make run` (names of fictional enterprises, cases, policies)",
    "complaints/walkthroughs/demo.py": "demo data content for `make run` (walkthrough records)",
    "bench/scale_data.py": "generated scale data for benchmarks",
    "portal/catalogues.py": "the translation tooling: its Chinese is in comments and examples, never shown",
    "portal/localized.py": "the OpenCC corrections (pairs of traditional characters), never shown as such",
}

# Single literals that are Chinese on purpose, whatever the reader's language.
PYTHON_LITERALS_EXCLUDED = {
    ("portal/roles.py", "营商办工作人员"): "name of a Django group: a database key created by a migration",
    ("portal/roles.py", "承办单位经办人"): "name of a Django group: a database key created by a migration",
    ("portal/roles.py", "首席问题官"): "name of a Django group: a database key created by a migration",
    ("portal/roles.py", "企业用户"): "name of a Django group: a database key created by a migration",
    ("portal/roles.py", "营商环境体验官"): "name of a Django group: a database key created by a migration",
    ("portal/roles.py", "亲商管家"): "name of a Django group: a database key created by a migration",
    ("portal/roles.py", "问题专员"): "name of a Django group: a database key created by a migration",
    ("complaints/walkthroughs/services.py", "审批服务"): "name of a problem category row, looked up by name",
    ("roundtables/services.py", "其他"): "name of a problem category row, looked up by name",
    ("complaints/visits/services.py", "其他"): "name of a problem category row, looked up by name",
    ("policies/resources.py", "发布部门"): "spreadsheet column of the policy import/export format, "
    "which must read back the same whatever the UI language",
    ("policies/resources.py", "适用区域代码"): "spreadsheet column of the policy import/export format",
    ("policies/resources.py", "政策类别"): "spreadsheet column of the policy import/export format",
    ("portal/services.py", "【亲清政企服务平台】"): "SMS signature, registered with the carrier as it is",
    ("portal/settings.py", "宣城市优化营商环境办公室"): "default SITE_SPONSOR: an organisation's registered name",
    ("portal/settings.py", "宣城市数据资源管理局"): "default SITE_ORGANISER: an organisation's registered name",
    ("portal/settings.py", "简体"): "LANGUAGES: each language is named in itself in the chooser",
    ("portal/settings.py", "繁體版"): "LANGUAGES: each language is named in itself in the chooser",
    ("portal/settings.py", "亲清政企服务平台 <noreply@localhost>"): "default sender of e-mail (DEFAULT_FROM_EMAIL)",
    ("portal/settings.py", "亲清政企服务平台 API"): "title of the OpenAPI document, one per deployment",
    ("portal/workdays.py", "清明"): "key of lunar_python's solar-term table, never shown",
    ("complaints/tasks.py", "诉求件超期巡查"): "a django-q2 schedule's name: a database key",
    ("policies/tasks.py", "政策到期处理"): "a django-q2 schedule's name: a database key",
    ("policies/tasks.py", "政策兑付三色图月末快照"): "a django-q2 schedule's name: a database key",
    ("portal/tasks.py", "过期短信验证码清理"): "a django-q2 schedule's name: a database key",
    ("roundtables/tasks.py", "恳谈会前一天提醒"): "a django-q2 schedule's name: a database key",
}

# templates: no Python lives there, only the "page.html.py" files makemessages writes while it
# reads a template — and another pytest-xdist worker's catalogue check may be doing just that.
PYTHON_SKIP_DIRS = {".venv", "var", "static", "staticfiles", "locale", "node_modules", ".git", "templates"}

GETTEXT_FUNCTIONS = {
    "_",
    "gettext",
    "gettext_lazy",
    "gettext_noop",
    "ngettext",
    "ngettext_lazy",
    "pgettext",
    "pgettext_lazy",
    "npgettext",
    "npgettext_lazy",
}

TRANSLATE_TAGS = {"translate", "trans"}
BLOCK_TRANSLATE_TAGS = {"blocktranslate", "blocktrans"}
# {{ value|default:_("无") }}: a translated literal inside a variable or tag.
TRANSLATED_LITERAL = re.compile(r"""_\(\s*(?:"[^"]*"|'[^']*')\s*\)""")


def _relative(path: Path) -> str:
    return path.relative_to(BASE).as_posix()


def python_files() -> list[Path]:
    found = []
    for folder, subfolders, files in os.walk(BASE):
        subfolders[:] = [name for name in subfolders if name not in PYTHON_SKIP_DIRS]
        for name in files:
            path = Path(folder) / name
            relative = _relative(path)
            if name.endswith(".py") and not any(fnmatchcase(relative, pattern) for pattern in PYTHON_EXCLUDED):
                found.append(path)
    return sorted(found)


def template_files() -> list[Path]:
    folders = [Path(folder) for engine in settings.TEMPLATES for folder in engine.get("DIRS", [])]
    folders += [path for path in BASE.glob("*/templates") if path.is_dir()]
    return sorted(path for folder in folders for path in folder.rglob("*") if path.suffix in {".html", ".txt"})


def javascript_files() -> list[Path]:
    return sorted(path for path in (BASE / "static").rglob("*.js") if "vendor" not in path.parts)


# --- (a) user-facing strings are marked ---------------------------------------------------


def unmarked_in_template(source: str) -> list[tuple[int, str]]:
    """Chinese text outside {% translate %}, {% blocktranslate %}…{% endblocktranslate %},
    {# #} and {% comment %}, including literals in variables and tag arguments."""
    found = []
    inside = None  # "blocktranslate" or "comment"
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.COMMENT:
            continue
        if token.token_type == TokenType.BLOCK:
            tag = (token.contents.split() or [""])[0]
            if inside == "comment":
                inside = None if tag == "endcomment" else inside
                continue
            if tag == "comment":
                inside = "comment"
            elif tag in BLOCK_TRANSLATE_TAGS:
                inside = "blocktranslate"
            elif tag in {"endblocktranslate", "endblocktrans"}:
                inside = None
            elif (
                inside is None and tag not in TRANSLATE_TAGS and CJK.search(TRANSLATED_LITERAL.sub("", token.contents))
            ):
                found.append((token.lineno, "{% " + token.contents + " %}"))
            continue
        if inside is not None:
            continue
        if token.token_type == TokenType.VAR:
            if CJK.search(TRANSLATED_LITERAL.sub("", token.contents)):
                found.append((token.lineno, "{{ " + token.contents + " }}"))
            continue
        for offset, line in enumerate(token.contents.splitlines()):
            if CJK.search(line):
                found.append((token.lineno + offset, line.strip()))
    return found


def _call_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def unmarked_in_python(source: str) -> list[tuple[int, str]]:
    """Chinese string literals (f-string parts too) outside a gettext call, docstrings
    aside; and gettext calls whose message is not one literal (xgettext cannot extract
    an f-string or a concatenation)."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    docstrings = {
        node.body[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) in GETTEXT_FUNCTIONS:
            messages = node.args[1:] if _call_name(node).startswith(("pgettext", "npgettext")) else node.args
            found.extend(
                (node.lineno, f"{_call_name(node)}() of a computed string: {ast.unparse(message)}")
                for message in messages[:2]
                if isinstance(message, ast.JoinedStr | ast.BinOp)
            )
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str) and CJK.search(node.value)):
            continue
        if node in docstrings:
            continue
        ancestor = node
        while ancestor in parents:
            ancestor = parents[ancestor]
            if isinstance(ancestor, ast.Call) and _call_name(ancestor) in GETTEXT_FUNCTIONS:
                break
        else:
            found.append((node.lineno, node.value))
    return found


JS_STRING = re.compile(r"""(?:"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)""")


def unmarked_in_javascript(source: str) -> list[tuple[int, str]]:
    """Chinese in a JavaScript string: scripts take their text from the page (data
    attributes, json_script) rendered by a translated template; there is no JS catalogue."""
    return [
        (source.count("\n", 0, match.start()) + 1, match.group())
        for match in JS_STRING.finditer(source)
        if CJK.search(match.group())
    ]


def test_the_scanners_catch_what_they_should():
    template = (
        '{% load i18n %}<p>好的</p>{# 注释 #}{% comment %}注释{% endcomment %}{% translate "对" %}\n'
        "{% blocktranslate count n=x %}{{ n }}个{% plural %}{{ n }}个{% endblocktranslate %}\n"
        '{{ x|default:"无" }}{{ x|default:_("无") }}{% include "a.html" with title="标题" %}'
    )
    assert [line for line, _ in unmarked_in_template(template)] == [1, 3, 3]
    python = (
        '"""模块说明。"""\nfrom django.utils.translation import gettext as _\n'
        'A = _("好")\nB = "坏"\nC = f"{A}坏"\nD = _(f"{A}坏")\nE = ngettext("%(n)d个", "%(n)d个", 2)\n'
    )
    assert sorted(line for line, _ in unmarked_in_python(python)) == [4, 5, 6]
    assert [line for line, _ in unmarked_in_javascript('// 注释\nvar a = "好";\nvar b = `x`;')] == [2]


def test_templates_mark_every_user_facing_string():
    problems = [
        f"{_relative(path)}:{line}: {text}"
        for path in template_files()
        for line, text in unmarked_in_template(path.read_text(encoding="utf-8"))
    ]
    assert template_files(), "no templates found: the scan looks in the wrong place"
    assert not problems, "Chinese text outside {% translate %}:\n" + "\n".join(problems)


def test_python_marks_every_user_facing_string():
    problems, excluded_seen = [], set()
    for path in python_files():
        relative = _relative(path)
        for line, text in unmarked_in_python(path.read_text(encoding="utf-8")):
            if (relative, text) in PYTHON_LITERALS_EXCLUDED:
                excluded_seen.add((relative, text))
            else:
                problems.append(f"{relative}:{line}: {text!r}")
    assert len(python_files()) > 50, "the scan lost its files"
    assert not problems, "Chinese string literals outside gettext():\n" + "\n".join(problems)
    # An exclusion that no longer matches anything is removed, so the list stays true.
    stale = set(PYTHON_LITERALS_EXCLUDED) - excluded_seen
    assert not stale, f"exclusions that match nothing any more: {sorted(stale)}"


def test_javascript_has_no_untranslatable_text():
    problems = [
        f"{_relative(path)}:{line}: {text}"
        for path in javascript_files()
        for line, text in unmarked_in_javascript(path.read_text(encoding="utf-8"))
    ]
    assert javascript_files()
    assert not problems, "Chinese text in JavaScript (pass it from the template instead):\n" + "\n".join(problems)


# --- (b) the catalogues keep up with the source ------------------------------------------


@pytest.fixture(scope="module")
def source_messages():
    missing = [tool for tool in ("xgettext", "msgmerge", "msguniq", "msgattrib") if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"GNU gettext is missing ({', '.join(missing)}): `make test` installs it (apt-get install gettext)")
    return catalogues.source_messages()


def _catalogue(locale: str) -> polib.POFile:
    return polib.pofile(str(catalogues.catalogue_path(locale)))


# The portal's catalogues and its overrides of third-party messages (locale/overrides).
CATALOGUE_FILES = [*catalogues.CATALOGUE_LOCALES, *(f"overrides/{locale}" for locale in catalogues.OVERRIDE_LOCALES)]


def _catalogue_file(name: str):
    if name.startswith("overrides/"):
        return catalogues.override_path(name.removeprefix("overrides/"))
    return catalogues.catalogue_path(name)


def test_source_extraction_finds_the_messages(source_messages):
    assert len(source_messages) > 1000
    assert (None, "亲清政企服务平台") in source_messages
    assert (None, "无障碍") in source_messages


@pytest.mark.parametrize("locale", catalogues.CATALOGUE_LOCALES)
def test_every_message_is_translated(source_messages, locale):
    entries = {(entry.msgctxt, entry.msgid): entry for entry in _catalogue(locale) if not entry.obsolete}
    missing = [msgid for (context, msgid) in source_messages if (context, msgid) not in entries]
    untranslated = [
        ("fuzzy: " if entries[key].fuzzy else "empty: ") + key[1]
        for key in source_messages
        if key in entries and catalogues.needs_translation(entries[key])
    ]
    hint = "run `make messages`, then `make untranslated` lists what to translate"
    assert not missing, f"{len(missing)} messages missing from {locale} ({hint}):\n" + "\n".join(missing)
    assert not untranslated, f"{len(untranslated)} {locale} messages to translate ({hint}):\n" + "\n".join(untranslated)


@pytest.mark.parametrize("name", CATALOGUE_FILES)
def test_translations_keep_their_placeholders(name):
    wrong = []
    for entry in polib.pofile(str(_catalogue_file(name))).translated_entries():
        if entry.msgid_plural:
            allowed = set(catalogues.placeholders(entry.msgid) + catalogues.placeholders(entry.msgid_plural))
            forms = entry.msgstr_plural.values()
            if any(not set(catalogues.placeholders(form)) <= allowed for form in forms):
                wrong.append(entry.msgid)
        elif catalogues.placeholders(entry.msgstr) != catalogues.placeholders(entry.msgid):
            wrong.append(f"{entry.msgid} → {entry.msgstr}")
    assert not wrong, "translations whose placeholders differ from the msgid:\n" + "\n".join(wrong)


@pytest.mark.parametrize("name", CATALOGUE_FILES)
def test_compiled_catalogue_matches_its_source(name):
    """The portal reads the committed .mo: it must say what the .po says (`make messages`
    compiles it)."""
    po_path = _catalogue_file(name)

    def translations(entries):
        return {
            (entry.msgctxt, entry.msgid): entry.msgstr
            or tuple(sorted((int(form), text) for form, text in entry.msgstr_plural.items()))
            for entry in entries
            if entry.msgid
        }

    source = polib.pofile(str(po_path))
    compiled = polib.mofile(str(po_path.with_suffix(".mo")))
    assert translations(compiled) == translations(
        entry for entry in source if entry.translated() and not entry.fuzzy and not entry.obsolete
    ), f"{po_path.with_suffix('.mo')} is out of date: run `make messages`"


def test_traditional_conversion_keeps_placeholders_and_applies_corrections():
    assert catalogues.to_traditional("共 %(count)s 家企业，{name}审核后") == "共 %(count)s 家企業，{name}審核後"
    assert catalogues.to_traditional("您尚未获准代表该企业") == "您尚未獲准代表該企業"


def test_overrides_are_a_catalogue_makemessages_never_writes(source_messages):
    """Overrides of Django's, DRF's, django-axes' and django-q2's messages have msgids that
    are not in the portal's source: in the main catalogues makemessages would drop them.
    They live under the second locale path, which makemessages leaves alone (it writes
    to the first), and Django reads before any app's catalogue."""
    assert settings.LOCALE_PATHS[0] == BASE / "locale"
    assert settings.LOCALE_PATHS[1] == BASE / "locale" / "overrides"
    simplified = polib.pofile(str(catalogues.override_path(catalogues.SIMPLIFIED)))
    msgids = {entry.msgid for entry in simplified}
    assert "Null characters are not allowed." in msgids  # Django's 不允许是用空字符串
    assert "This field may not be blank." in msgids  # DRF
    assert not msgids & {msgid for _context, msgid in source_messages}


def test_traditional_overrides_are_the_conversion_of_the_simplified():
    """locale/overrides/zh_Hant is generated by `make messages` from zh_Hans, never edited."""
    simplified = polib.pofile(str(catalogues.override_path(catalogues.SIMPLIFIED)))
    traditional = {entry.msgid: entry for entry in polib.pofile(str(catalogues.override_path(catalogues.TRADITIONAL)))}
    assert {entry.msgid for entry in simplified} == set(traditional), "run `make messages`"
    for entry in simplified:
        converted = traditional[entry.msgid]
        if entry.msgid_plural:
            assert converted.msgstr_plural == {
                form: catalogues.to_traditional(text) for form, text in entry.msgstr_plural.items()
            }, entry.msgid
        else:
            assert converted.msgstr == catalogues.to_traditional(entry.msgstr), f"{entry.msgid}: run `make messages`"
