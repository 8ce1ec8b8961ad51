"""People are shown by name and unit, never by their login name: the chief officers to
escalate a case to, and anyone an account's name is missing for."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from complaints.forms import AssignForm, EscalateForm
from portal import roles
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def chief_with_unit(people):
    return factories.user(
        roles.CHIEF_PROBLEM_OFFICER,
        username="wu.chief",
        full_name="吴首席",
        department=people.x,
        is_staff=True,
    )


def options(page: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, flags=re.S).group(1)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_escalation_list_names_people_and_their_units(people, chief_with_unit, case_at, client):
    case = case_at("received")
    client.force_login(people.official)
    page = client.get(f"/cases/{case.number}/").content.decode()
    chiefs = options(page, "chief_officer")
    assert "吴首席（宣城市发展和改革委员会）" in chiefs
    assert "未填姓名的用户" in chiefs  # the fixture's chief has no name: said so, not "chief"
    assert not {"chief", "wu.chief"} & set(chiefs)
    assert "wu.chief" not in page


def test_escalation_list_in_traditional_and_english(people, chief_with_unit, case_at):
    people.x.name_en = "Xuancheng Development and Reform Commission"
    people.x.save()
    case = case_at("received")
    client = Client()
    client.force_login(people.official)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    # A person's name stays as written; the unit is reference data and is converted.
    traditional = options(client.get(f"/cases/{case.number}/").content.decode(), "chief_officer")
    assert "吴首席（宣城市發展和改革委員會）" in traditional
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = options(client.get(f"/cases/{case.number}/").content.decode(), "chief_officer")
    assert "吴首席 (Xuancheng Development and Reform Commission)" in english


def test_chief_officer_lists_cost_one_query(people, chief_with_unit, django_assert_num_queries):
    factories.user(roles.CHIEF_PROBLEM_OFFICER, full_name="郑首席", department=people.y, is_staff=True)
    for form_class in (EscalateForm, AssignForm):
        field = form_class().fields["chief_officer"]
        with django_assert_num_queries(1):
            labels = [label for _value, label in field.choices]
        assert "郑首席（宣城市自然资源和规划局）" in labels


def test_a_user_is_never_shown_by_login_name(people):
    with translation.override("zh-hans"):
        assert people.chief.get_full_name() == "未填姓名的用户"
        assert str(people.chief) == "未填姓名的用户"
        assert "chief" not in str(people.chief)
    handler = people.handler_x
    handler.full_name = "郑发改"
    handler.save()
    assert str(handler) == "郑发改（宣城市发展和改革委员会）"  # the department came with the user
    reloaded = type(handler).objects.get(pk=handler.pk)
    assert str(reloaded) == "郑发改"  # not loaded with it: no query for it
    # The signed-in user's own greeting in the admin may use the login name.
    assert people.chief.get_short_name() == "chief"
