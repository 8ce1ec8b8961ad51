"""The browser tests: Playwright driving Debian's chromium (installed by ``make browser``,
never downloaded by Playwright) against the portal on 127.0.0.1 (pytest-django's
live server: real PostgreSQL) with a real django-q2 cluster running beside it.

Screenshots of each journey's main steps go to var/e2e/<test name>/ (git-ignored)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests import factories
from tests.cluster import running_cluster

BASE_DIR = Path(__file__).resolve().parents[2]
SCREENSHOTS = BASE_DIR / "var" / "e2e"
AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


@pytest.fixture(scope="module")
def browser(django_db_setup):
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread. Django refuses ORM
    # calls when it sees one, although nothing here is async: allowed while the browser runs.
    # And with a loop running, Django's connections live in a storage of their own, whose
    # connection lacks the test database's serialized contents: without them the tests'
    # serialized rollback would silently not restore the migrations' data, and the flush
    # after the test would break the next test that restores it. So they are handed over.
    serialized = {
        alias: connections[alias]._test_serialized_contents
        for alias in connections
        if hasattr(connections[alias], "_test_serialized_contents")
    }
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            for alias, contents in serialized.items():
                connections[alias]._test_serialized_contents = contents
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            yield chromium
            chromium.close()
            connections.close_all()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def cluster(live_server, request):
    """A real qcluster on the test database for the whole test."""
    name = re.sub(r"[^\w-]+", "_", request.node.name)
    with running_cluster(log_path=SCREENSHOTS / f"{name}-qcluster.log") as process:
        yield process


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


class Journey:
    """The browser side of one test: a context per person, numbered screenshots."""

    def __init__(self, browser, base_url: str, name: str):
        self.browser = browser
        self.base_url = base_url
        self.folder = SCREENSHOTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.step = 0
        self.contexts = []
        # The portal's CSP forbids inline script and style: a journey that trips it is a broken page.
        self.csp_violations = []

    def url(self, path: str) -> str:
        return self.base_url + path

    def page(self, *, viewport=None, **options):
        context = self.browser.new_context(
            base_url=self.base_url,
            locale="zh-CN",
            viewport=viewport or {"width": 1280, "height": 900},
            accept_downloads=True,
            **options,
        )
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        page.on("console", self._note_csp_violation)
        return page

    def _note_csp_violation(self, message):
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def log_in(self, username: str, *, password: str = factories.PASSWORD, viewport=None):
        page = self.page(viewport=viewport)
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码*", exact=True).fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    def shot(self, page, name: str, *, full_page: bool = True) -> Path:
        self.step += 1
        path = self.folder / f"{self.step:02d}-{name}.png"
        page.screenshot(path=path, full_page=full_page)
        return path

    def close(self):
        for context in self.contexts:
            context.close()


@pytest.fixture
def journey(browser, live_server, request):
    name = re.sub(r"[^\w-]+", "_", request.node.name)
    trip = Journey(browser, live_server.url, name)
    yield trip
    trip.close()
    assert not trip.csp_violations, trip.csp_violations


SERIOUS = {"serious", "critical"}


def axe_violations(page, *, impacts=SERIOUS) -> list[dict]:
    """Run axe-core on the page as it is; the violations of the given impacts."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, which the page's CSP (no inline script) does not govern.
        page.evaluate(AXE_SOURCE)
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
        }"""
    )
    return [violation for violation in result if violation["impact"] in impacts]


UNLABELLED_CONTROLS = """() => Array.from(document.querySelectorAll(
    "input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea"
)).filter(el => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden")
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                && !el.getAttribute("aria-labelledby") && !el.title)
  .map(el => el.outerHTML.slice(0, 120))"""


def assert_accessible(page):
    """Zero serious or critical axe-core violations, and every visible form control labelled."""
    unlabelled = page.evaluate(UNLABELLED_CONTROLS)
    assert not unlabelled, f"form controls without a label on {page.url}: {unlabelled}"
    violations = axe_violations(page)
    assert not violations, f"axe on {page.url}:\n" + "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in violations
    )
