"""Reference data in the reader's language (portal.localized): regions, departments,
industries, enterprise tags, problem and policy categories, walkthrough themes, checklist
items and non-acceptance reasons are stored in simplified Chinese; 繁體 pages convert them
at render, English pages show their stored English names."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from complaints.models import Checklist, NonAcceptanceReason, ProblemCategory, WalkthroughTheme
from complaints.walkthroughs.forms import AnswersForm
from policies.models import PolicyCategory
from portal.localized import localized, to_traditional
from portal.models import Department, EnterpriseTag, Industry
from roundtables.models import Series, Session
from tests import factories

pytestmark = pytest.mark.django_db

DEPARTMENTS = {
    "宣城市发展和改革委员会": "Xuancheng Development and Reform Commission",
    "宣城市经济和信息化局": "Xuancheng Bureau of Economy and Information Technology",
}


@pytest.fixture
def departments():
    city = factories.region()
    return [Department.objects.create(name=name, name_en=english, region=city) for name, english in DEPARTMENTS.items()]


def page_in(language: str, url: str, user=None) -> str:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def assert_traditional(page: str, names) -> None:
    """Every name shows in traditional characters, and none in simplified ones where the
    two differ (the check is empty unless some do)."""
    names = list(names)
    assert any(to_traditional(name) != name for name in names), "no name differs: the check proves nothing"
    for name in names:
        assert to_traditional(name) in page, f"{to_traditional(name)} missing"
        if to_traditional(name) != name:
            assert name not in page, f"{name} shown in simplified characters"


def test_conversion_is_character_by_character_and_applies_the_corrections():
    assert to_traditional("宣城市发展和改革委员会") == "宣城市發展和改革委員會"
    assert to_traditional("信息化局") == "信息化局"  # not 資訊: the wording stays the mainland's
    assert to_traditional("获准") == "獲准"


def test_names_follow_the_active_language(departments):
    department = departments[0]
    with translation.override("zh-hans"):
        assert str(department) == "宣城市发展和改革委员会"
    with translation.override("zh-hant"):
        assert str(department) == department.display_name == "宣城市發展和改革委員會"
    with translation.override("en"):
        assert str(department) == "Xuancheng Development and Reform Commission"
        # A row nobody translated yet falls back to its Chinese name.
        assert localized("新设机构", "") == "新设机构"
    region = department.region
    region.name_en = "Xuancheng City"
    region.save()
    with translation.override("en"):
        assert str(region) == "Xuancheng City (341800)"
    with translation.override("zh-hant"):
        assert str(region) == "宣城市（341800）"


def test_policy_catalogue_filters_in_traditional_and_english(departments):
    categories = list(PolicyCategory.objects.filter(is_active=True).values_list("name", "name_en"))
    assert categories
    page = page_in("zh-hant", "/policies/")
    assert_traditional(page, [name for name, _english in categories] + list(DEPARTMENTS))

    page = page_in("en", "/policies/")
    for _name, english in categories:
        assert english and english in page
    for name, english in DEPARTMENTS.items():
        assert english in page and name not in page


def test_appeal_form_categories_in_traditional_and_english():
    categories = list(ProblemCategory.objects.filter(is_active=True).values_list("name", "name_en"))
    page = page_in("zh-hant", "/cases/new/")
    assert_traditional(page, [name for name, _english in categories])
    assert "請選擇" in page and "---------" not in page  # the empty choice

    page = page_in("en", "/cases/new/")
    for name, english in categories:
        assert english in page and f">{name}<" not in page


def test_department_list_of_the_case_filter_in_traditional(departments):
    official = factories.official(full_name="周营商")
    page = page_in("zh-hant", "/cases/", user=official)
    assert_traditional(page, DEPARTMENTS)
    page = page_in("en", "/cases/", user=official)
    assert all(english in page for english in DEPARTMENTS.values())


def test_checklist_items_in_traditional_and_english():
    questions = list(Checklist.current().questions.all())
    with translation.override("zh-hant"):
        labels = " ".join(str(field.label) for field in AnswersForm(questions=questions).fields.values())
    assert_traditional(labels, [question.text for question in questions])
    with translation.override("en"):
        labels = " ".join(str(field.label) for field in AnswersForm(questions=questions).fields.values())
    assert "Were all the documents needed stated at once?" in labels


def test_enterprise_profile_shows_industry_region_and_tags_in_english():
    industry = Industry.objects.get(code="39")
    tag = EnterpriseTag.objects.create(name="高新技术企业", name_en="High-tech enterprise")
    enterprise = factories.enterprise(industry=industry, region=factories.region())
    enterprise.tags.add(tag)
    member = factories.enterprise_user(enterprise, full_name="陈企业")
    page = page_in("en", f"/enterprises/{enterprise.pk}/", user=member)
    assert "Manufacture of computers, communication and other electronic equipment (39)" in page
    assert "High-tech enterprise" in page
    page = page_in("zh-hant", f"/enterprises/{enterprise.pk}/", user=member)
    assert_traditional(page, [industry.name, tag.name])


def test_seeded_reference_data_has_english_names():
    """The classification and the lists seeded by the migrations come translated."""
    assert Industry.objects.count() == 590
    assert not Industry.objects.filter(name_en="").exists()
    for model, field in [
        (ProblemCategory, "name_en"),
        (PolicyCategory, "name_en"),
        (WalkthroughTheme, "name_en"),
        (NonAcceptanceReason, "title_en"),
    ]:
        assert model.objects.exists()
        assert not model.objects.filter(**{field: ""}).exists(), model
    assert not Checklist.current().questions.filter(text_en="").exists()


def test_conversion_costs_no_query(departments):
    """繁體 and English pages make exactly the queries the simplified page makes."""
    counts = {}
    for language in ("zh-hans", "zh-hant", "en"):
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        client.get("/policies/")  # warm-up: sessions, caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/policies/").status_code == 200
        counts[language] = len(queries)
    assert counts["zh-hant"] == counts["en"] == counts["zh-hans"], counts


def test_roundtable_series_in_traditional_and_english():
    city = factories.region("341800", "宣城市")
    series = Series.objects.create(
        name="宣城市政商恳谈会", name_en="Xuancheng Government–Enterprise Roundtable", region=city, rrule="FREQ=MONTHLY"
    )
    starts = timezone.now() + dt.timedelta(days=10)
    session = Session.objects.create(
        series=series,
        region=city,
        year=starts.year,
        number=1,
        theme="营商环境",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=3),
        capacity=4,
        reserved_seats=1,
        state=Session.State.ANNOUNCED,
        registration_closes_at=starts - dt.timedelta(days=1),
    )
    for url in ["/roundtables/", f"/roundtables/{session.pk}/", "/"]:
        page = page_in("zh-hant", url)
        assert "宣城市政商懇談會" in page and "宣城市政商恳谈会" not in page, url
        assert "Xuancheng Government–Enterprise Roundtable" in page_in("en", url), url
