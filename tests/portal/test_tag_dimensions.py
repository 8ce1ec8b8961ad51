"""企业画像 (issue #18, Portraits): tags belong to the five dimensions of 钱塘's portrait
(seed 001 §13 "从5个维度、23个标签"), shown grouped on the enterprise's profile, in the
policy-condition and invitation pickers, and in the API."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.test import APIClient

from policies.admin import PolicyForm
from portal import demo, roles
from portal.models import Enterprise, EnterpriseTag, TagDimension
from roundtables.admin import InviteForm
from tests import factories

pytestmark = pytest.mark.django_db

FIVE = ["基本信息", "经营状况", "创新能力", "信用", "发展阶段"]


def dimension(name):
    return TagDimension.objects.get(name=name)


def tag(name, dimension_name=None, **fields):
    return EnterpriseTag.objects.create(
        name=name, dimension=dimension(dimension_name) if dimension_name else None, **fields
    )


def test_the_five_dimensions_are_there_in_order_with_english_names():
    assert list(TagDimension.objects.values_list("name", flat=True)) == FIVE
    with translation.override("en"):
        assert [str(d) for d in TagDimension.objects.all()] == [
            "Basic information",
            "Business performance",
            "Innovation capacity",
            "Credit",
            "Development stage",
        ]
    with translation.override("zh-hant"):
        assert str(dimension("基本信息")) == "基本信息"
        assert str(dimension("经营状况")) == "經營狀況"


def _grouped_tags(html: str) -> dict[str, list[str]]:
    """The profile's 企业标签 as the reader sees them: dimension → tag names."""
    block = html.split("企业标签", 1)[1].split("</dd>", 1)[0]
    groups = {}
    for row in re.findall(r'<div class="mb-1">(.*?)</div>', block, re.S):
        heading = re.search(r'<span class="text-muted small me-1">(.*?)</span>', row).group(1)
        groups[heading] = re.findall(r'<span class="badge text-bg-secondary me-1">(.*?)</span>', row)
    return groups


def test_profile_shows_tags_grouped_by_dimension_unfiled_last(client):
    enterprise = factories.enterprise()
    enterprise.tags.add(
        tag("瞪羚测试企业", "发展阶段"),
        tag("研发测试企业", "创新能力"),
        tag("A测试企业", "创新能力"),
        tag("未归类测试标签"),
    )
    client.force_login(factories.user(roles.CHIEF_PROBLEM_OFFICER))  # reads, may not edit

    response = client.get(f"/enterprises/{enterprise.pk}/")

    assert response.status_code == 200
    assert _grouped_tags(response.content.decode()) == {
        "创新能力": ["A测试企业", "研发测试企业"],
        "发展阶段": ["瞪羚测试企业"],
        "其他": ["未归类测试标签"],
    }


def test_profile_queries_do_not_grow_with_tags(client):
    enterprise = factories.enterprise()
    enterprise.tags.add(tag("一号测试标签", "信用"))
    client.force_login(factories.user(roles.CHIEF_PROBLEM_OFFICER))
    url = f"/enterprises/{enterprise.pk}/"
    client.get(url)  # warm the per-process caches (site settings, content types)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    enterprise.tags.add(*(tag(f"测试标签{n}", name) for n, name in enumerate(FIVE)), tag("未归类测试标签"))
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(_grouped_tags(response.content.decode())) == 6
    assert len(many) == len(one)


def test_an_enterprise_without_tags_shows_a_dash(client):
    enterprise = factories.enterprise()
    client.force_login(factories.user(roles.CHIEF_PROBLEM_OFFICER))
    html = client.get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert "企业标签</dt>" in html.replace("\n", "")
    assert _grouped_tags(html) == {}


def test_member_edits_tags_in_groups_and_keeps_them(client):
    enterprise = factories.enterprise()
    member = factories.enterprise_user(enterprise)
    innovative = tag("研发测试企业", "创新能力")
    client.force_login(member)

    html = client.get(f"/enterprises/{enterprise.pk}/").content.decode()
    # The checkboxes come in one titled group per dimension, in the portrait's order.
    headings = re.findall(r"<strong>(.*?)</strong>", html)
    assert [h for h in headings if h in FIVE] == [name for name in FIVE if dimension(name).tags.exists()]
    assert "<strong>创新能力</strong>" in html
    assert f'value="{innovative.pk}"' in html.split("<strong>创新能力</strong>", 1)[1].split("<strong>", 1)[0]


def test_invitation_picker_groups_tags_by_dimension():
    tag("研发测试企业", "创新能力")
    tag("信用测试企业", "信用")
    tag("未归类测试标签")
    tag("停用测试标签", "信用", is_active=False)

    html = str(InviteForm()["tags"])

    labels = re.findall(r'<optgroup label="(.*?)">', html)
    assert labels.index("创新能力") < labels.index("信用") < labels.index("其他")
    assert labels[-1] == "其他"
    credit = html.split('<optgroup label="信用">', 1)[1].split("</optgroup>", 1)[0]
    assert "信用测试企业" in credit
    assert "停用测试标签" not in html


def test_invitation_picker_still_filters_by_the_chosen_tags():
    innovative = tag("研发测试企业", "创新能力")
    chosen = factories.enterprise()
    chosen.tags.add(innovative)
    factories.enterprise()

    form = InviteForm({"tags": [innovative.pk]})

    assert form.is_valid(), form.errors
    assert list(form.enterprises()) == [chosen]


def test_policy_condition_pickers_group_tags_and_keep_a_retired_tag():
    retired = tag("停用测试标签", "信用", is_active=False)
    tag("研发测试企业", "创新能力")
    form = PolicyForm()
    for field in ["tags_all", "tags_any", "tags_excluded"]:
        html = str(form[field])
        assert '<optgroup label="创新能力">' in html
        # A condition on a tag since retired stays choosable, so saving keeps it.
        assert f'value="{retired.pk}"' in html.split('<optgroup label="信用">', 1)[1].split("</optgroup>", 1)[0]


@pytest.fixture
def api():
    return APIClient()


def test_api_lists_tags_with_their_dimension(api):
    innovative = tag("研发测试企业", "创新能力")
    tag("信用测试企业", "信用")
    unfiled = tag("未归类测试标签")
    api.force_authenticate(factories.enterprise_user())

    rows = api.get("/api/v1/tags/", {"page_size": 100}).json()["results"]
    mine = {row["name"]: row for row in rows}
    assert mine["研发测试企业"]["dimension"] == {
        "id": innovative.dimension_id,
        "name": "创新能力",
        "name_en": "Innovation capacity",
    }
    assert mine["未归类测试标签"]["dimension"] is None
    assert rows[-1]["id"] == unfiled.pk  # unfiled last

    one = api.get("/api/v1/tags/", {"dimension": innovative.dimension_id}).json()["results"]
    assert [row["name"] for row in one] == ["研发测试企业"]


def test_api_refuses_anonymous_tag_list(api):
    assert api.get("/api/v1/tags/").status_code in (401, 403)


def test_api_enterprise_portrait_groups_tags_without_more_queries(api):
    enterprise = factories.enterprise()
    enterprise.tags.add(tag("瞪羚测试企业", "发展阶段"), tag("研发测试企业", "创新能力"), tag("未归类测试标签"))
    api.force_authenticate(factories.enterprise_user(enterprise))

    detail = api.get(f"/api/v1/enterprises/{enterprise.pk}/").json()

    assert detail["portrait"] == [
        {"dimension": "创新能力", "tags": ["研发测试企业"]},
        {"dimension": "发展阶段", "tags": ["瞪羚测试企业"]},
        {"dimension": None, "tags": ["未归类测试标签"]},
    ]
    assert sorted(detail["tags"]) == sorted(["瞪羚测试企业", "研发测试企业", "未归类测试标签"])

    official = factories.official()
    api.force_authenticate(official)
    api.get("/api/v1/enterprises/")  # warm the per-process caches
    with CaptureQueriesContext(connection) as few:
        api.get("/api/v1/enterprises/")
    for n in range(5):
        other = factories.enterprise()
        other.tags.add(tag(f"测试标签{n}", FIVE[n]), tag(f"未归类{n}"))
    with CaptureQueriesContext(connection) as more:
        api.get("/api/v1/enterprises/")
    assert len(more) == len(few)


def test_official_keeps_dimensions_in_the_admin(client):
    client.force_login(factories.official())
    response = client.post(
        "/admin/portal/tagdimension/add/", {"name": "社会责任", "name_en": "Social responsibility", "position": 60}
    )
    assert response.status_code == 302
    added = TagDimension.objects.get(name="社会责任")
    innovative = tag("研发测试企业", "创新能力")

    response = client.post(
        f"/admin/portal/enterprisetag/{innovative.pk}/change/",
        {"name": "研发测试企业", "name_en": "", "dimension": added.pk, "description": "", "is_active": "on"},
    )

    assert response.status_code == 302
    innovative.refresh_from_db()
    assert innovative.dimension == added
    # A dimension's name finds its tags (the policy and invitation pickers' search too).
    changelist = client.get("/admin/portal/enterprisetag/", {"q": "社会责任"}).content.decode()
    assert "研发测试企业" in changelist


def test_handler_may_read_but_not_add_dimensions(client):
    client.force_login(factories.handler(is_staff=True))
    assert client.get("/admin/portal/tagdimension/").status_code == 200
    assert client.get("/admin/portal/tagdimension/add/").status_code == 403


def test_demo_seeds_23_tags_in_the_five_dimensions_idempotently():
    demo.seed()
    tags = EnterpriseTag.objects.select_related("dimension")
    counts = {name: tags.filter(dimension__name=name).count() for name in FIVE}
    assert sum(counts.values()) == tags.count() == 23
    assert all(count >= 4 for count in counts.values()), counts
    # Every dimension shows on some enterprise's profile.
    assert all(Enterprise.objects.filter(tags__dimension__name=name).exists() for name in FIVE)
    links = Enterprise.tags.through.objects.count()

    demo.seed()

    assert EnterpriseTag.objects.count() == 23
    assert TagDimension.objects.count() == 5
    assert Enterprise.tags.through.objects.count() == links


def test_demo_files_a_tag_seeded_before_dimensions_existed():
    EnterpriseTag.objects.create(name="高新技术企业")
    demo._seed_tags()
    assert EnterpriseTag.objects.get(name="高新技术企业").dimension == dimension("创新能力")
