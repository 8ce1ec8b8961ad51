"""Every role's start page and lists, as its people see them: on a 1366 px desktop and a
390 px phone, screenshotted (var/e2e/), with nothing wider than the phone, no English
words left on a zh-hans page, axe-core clean; and on 繁體 pages the reference data
(departments, categories, regions, tags, checklist items) in traditional characters.

The data is the access table's world (tests/access/conftest.py): one of everything, each
object belonging to someone, so every list has rows to show."""

from __future__ import annotations

import contextlib
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from complaints.models import ChecklistQuestion, ProblemCategory, WalkthroughTheme
from policies.models import PolicyCategory
from portal.localized import to_traditional
from portal.models import Department, EnterpriseTag, Region
from tests.access.conftest import world  # noqa: F401 - the fixture, shared with the access table
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

# The pages of each role: its start page first, then every list it works from.
ROLE_PAGES = {
    "anonymous": [
        "/",
        "/policies/",
        "/roundtables/",
        "/reports/statistics/",
        "/reports/typical-cases/",
        "/cases/new/",
        "/cases/lookup/",
        "/rankings/",
        "/policies/supervision/public/",
    ],
    "member_a": [
        "/",
        "/cases/",
        "/policies/matches/",
        "/policies/applications/",
        "/roundtables/my/",
        "/my/enterprises/",
        "/notifications/",
        "/consultations/",
        "/consultations/new/",
        lambda w: f"/consultations/{w.consultation.pk}/",
        "/policies/plans/",
        lambda w: f"/policies/plans/{w.plan.pk}/",
    ],
    "handler_x": [
        "/",
        "/cases/",
        "/policies/applications/review/",
        "/notifications/",
        "/policies/manage/",  # 本部门政策 (#18)
        lambda w: f"/policies/manage/{w.draft_policy.pk}/",
    ],
    # Y is asked for its 联审 opinion on an application to X's policy.
    "handler_y": ["/", "/policies/applications/joint/"],
    "official": [
        "/",
        "/cases/",
        "/cases/return-visits/",
        "/cases/rechecks/",
        "/reports/dashboard/",
        "/policies/applications/review/",
        "/policies/applications/supervision/",
        "/walkthroughs/",
        "/walkthroughs/report/monthly/",
        "/roundtables/",
        "/roundtables/reports/follow-up/",
        "/roundtables/reports/figures/",
        "/consultations/answers/",
        "/policies/plans/",
        "/policies/supervision/",
        "/policies/supervision/notices/",
        "/rankings/drafts/",
        "/rankings/interviews/",
        "/policies/manage/review/",  # 待审核发布 (#18)
        "/policies/manage/",
    ],
    "chief": ["/", "/cases/", "/cases/?long_term=true", "/reports/dashboard/"],
    "officer": ["/", "/walkthroughs/", "/walkthroughs/new/"],
    "steward": [
        "/",
        "/steward/",
        "/steward/visits/",
        "/steward/visits/new/",
        lambda w: f"/steward/visits/{w.visit.pk}/",
        "/consultations/answers/",
        lambda w: f"/consultations/{w.consultation.pk}/",
        "/cases/",
        "/policies/applications/prepared/",
        lambda w: f"/policies/applications/prepare/{w.enterprise_a.pk}/",
        lambda w: f"/policies/plans/new/{w.enterprise_a.pk}/",
    ],
    "specialist": [
        "/",
        "/windows/",
        lambda w: f"/windows/{w.window.pk}/cases/new/",
        lambda w: f"/windows/cases/{w.window_case.number}/",
    ],
}

# Latin words a Chinese reader expects to see: the language switch's own name for English,
# the file formats and programs named on upload forms (Chinese writes them in Latin
# letters too), sizes, and abbreviations such as ICP (备案号).
ASCII_ALLOWED = {
    "English",
    *("Excel", "Word", "PowerPoint", "WPS", "ODF", "OFD", "PDF", "JPG", "JPEG", "PNG", "GIF", "HEIC", "WebP"),
    *("KB", "MB", "ICP", "API", "ID"),
}
ASCII_WORD = re.compile(r"[A-Za-z]{2,}")

# The page's visible text, leaving out the demo data that people typed (titles, names,
# e-mail addresses): the scan is for the interface's own words.
VISIBLE_TEXT = """() => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const parts = [];
    while (walker.nextNode()) {
        const node = walker.currentNode;
        const element = node.parentElement;
        const hidden = "script, style, template, [hidden], .visually-hidden, code, [data-user-text]";
        if (!element || element.closest(hidden)) continue;
        if (!element.getClientRects().length) continue;
        parts.push(node.textContent);
    }
    return parts.join(" ");
}"""


def english_words(page) -> set[str]:
    text = page.evaluate(VISIBLE_TEXT)
    # Addresses and e-mails are data, not interface words.
    text = re.sub(r"\S+@\S+|https?://\S+|\b\w+\.(?:xlsx|pdf|png|jpg)\b", " ", text)
    # Case numbers and lookup codes (SQ2026…, XLUGXM) are identifiers, not words.
    text = re.sub(r"(?<![A-Za-z0-9])(?:[A-Z0-9]*\d[A-Z0-9]*|[A-Z]{6,})(?![A-Za-z0-9])", " ", text)
    return {word for word in ASCII_WORD.findall(text) if word not in ASCII_ALLOWED}


def slug(path: str) -> str:
    return re.sub(r"[/?=&]+", "-", path.strip("/")) or "home"


@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_each_role_reads_its_pages_in_chinese_on_desktop_and_phone(journey, world, role):  # noqa: F811
    user = world.users[role]
    page = journey.log_in(user.username, viewport=DESKTOP) if user is not None else journey.page(viewport=DESKTOP)
    problems = []
    for path in ROLE_PAGES[role]:
        path = path(world) if callable(path) else path
        page.set_viewport_size(DESKTOP)
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{role} {path}: {response and response.status}"
        journey.shot(page, f"{role}-{slug(path)}-1366")
        leftover = english_words(page)
        if leftover:
            problems.append(f"{path}: English words on a zh-hans page: {sorted(leftover)}")
        assert_accessible(page)

        page.set_viewport_size(PHONE)
        page.wait_for_function("() => window.innerWidth === 390")
        page.wait_for_timeout(300)  # the layout of the narrower viewport (and its scroll boxes, after 100 ms)
        width = _settled_width(page, PHONE["width"])
        journey.shot(page, f"{role}-{slug(path)}-390")
        if width > PHONE["width"]:
            wide = page.evaluate(
                """(limit) => Array.from(document.querySelectorAll('body *'))
                    .filter(e => e.getBoundingClientRect().right > limit + 1)
                    .filter(e => !e.closest('.table-responsive, .chart-box'))
                    .slice(0, 5).map(e => e.tagName + '.' + e.className)""",
                PHONE["width"],
            )
            problems.append(f"{path}: {width} px wide on a {PHONE['width']} px phone ({wide})")
        assert_accessible(page)
    assert not problems, "\n".join(problems)


def _settled_width(page, limit: int) -> int:
    """The page's width once charts have followed the narrower viewport.

    Chart.js resizes its canvases from a ResizeObserver on a later frame; on a loaded
    machine that can take longer than a fixed pause, so wait (up to 3 s) for the page to
    fit, and report the width it settled at if it never does."""
    with contextlib.suppress(PlaywrightTimeoutError):
        page.wait_for_function("(limit) => document.documentElement.scrollWidth <= limit", arg=limit, timeout=3000)
    return page.evaluate("document.documentElement.scrollWidth")


def _reference_names() -> list[str]:
    """The reference data's names whose traditional spelling differs from the stored one."""
    names = [
        *Department.objects.values_list("name", flat=True),
        *ProblemCategory.objects.values_list("name", flat=True),
        *PolicyCategory.objects.values_list("name", flat=True),
        *Region.objects.values_list("name", flat=True),
        *EnterpriseTag.objects.values_list("name", flat=True),
        *WalkthroughTheme.objects.values_list("name", flat=True),
        *ChecklistQuestion.objects.values_list("text", flat=True),
    ]
    return sorted({name for name in names if name and to_traditional(name) != name})


@pytest.mark.parametrize(
    "role, paths",
    [
        ("anonymous", ["/", "/policies/", "/roundtables/", "/reports/statistics/", "/cases/new/"]),
        ("official", ["/cases/", "/reports/dashboard/", "/policies/applications/review/", "/walkthroughs/"]),
        ("officer", ["/walkthroughs/new/"]),
    ],
)
def test_traditional_pages_show_reference_data_in_traditional_characters(journey, world, role, paths):  # noqa: F811
    names = _reference_names()
    assert len(names) > 10  # the scan has something to find
    user = world.users[role]
    page = journey.log_in(user.username, viewport=DESKTOP) if user is not None else journey.page(viewport=DESKTOP)
    page.context.add_cookies([{"name": "django_language", "value": "zh-hant", "url": journey.base_url}])
    problems = []
    for path in paths:
        page.goto(path)
        assert page.evaluate("document.documentElement.lang").lower().startswith("zh-hant")
        journey.shot(page, f"{role}-{slug(path)}-hant")
        text = page.evaluate("document.body.innerText") + " ".join(page.locator("select option").all_inner_texts())
        simplified = [name for name in names if name in text]
        if simplified:
            problems.append(f"{path}: in simplified characters: {simplified[:8]}")
    assert not problems, "\n".join(problems)
