"""长辈版 (large-text mode): the home page and a form, in both modes, as screenshots; the
type is larger, the targets bigger, and the choice survives a reload (remembered per browser)."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def sizes(page) -> dict:
    return page.evaluate(
        """() => ({
            root: parseFloat(getComputedStyle(document.documentElement).fontSize),
            body: parseFloat(getComputedStyle(document.body).fontSize),
            lead: parseFloat(getComputedStyle(document.querySelector('main p, main label')).fontSize),
            button: document.querySelector('main .btn, main button').getBoundingClientRect().height,
        })"""
    )


@pytest.mark.parametrize("path, name", [("/", "home"), ("/cases/new/", "complaint-form")])
def test_large_text_mode_makes_type_and_targets_bigger_and_is_remembered(journey, path, name):
    page = journey.page()
    page.goto(path)
    toggle = page.get_by_role("button", name="长辈版")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    normal = sizes(page)
    journey.shot(page, f"{name}-normal")

    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    large = sizes(page)
    assert large["root"] >= normal["root"] * 1.2
    assert large["body"] > normal["body"]
    assert large["lead"] > normal["lead"]
    assert large["button"] >= 44  # a finger-sized target
    assert large["button"] > normal["button"]
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    assert_accessible(page)
    journey.shot(page, f"{name}-large")
    # On a phone, too, the larger page fits the screen's width.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    journey.shot(page, f"{name}-large-phone")
    page.set_viewport_size({"width": 1280, "height": 900})

    # Remembered by this browser: a reload and another page keep it.
    page.reload()
    expect(page.get_by_role("button", name="长辈版")).to_have_attribute("aria-pressed", "true")
    assert sizes(page)["body"] == large["body"]
    page.goto("/roundtables/")
    assert page.evaluate("document.documentElement.classList.contains('large-text')")

    # And it can be turned off again.
    page.goto(path)
    page.get_by_role("button", name="长辈版").click()
    page.reload()
    assert sizes(page)["body"] == normal["body"]

    # Another browser (a fresh context) is not affected.
    other = journey.page()
    other.goto(path)
    expect(other.get_by_role("button", name="长辈版")).to_have_attribute("aria-pressed", "false")
