"""A policy renewed every year is one family (年度政策): publishing this year's edition
retires last year's, so the catalogue and "my matches" show the current edition once,
and each edition's page points to the other."""

import pytest
from django.core.exceptions import ValidationError

from policies import services
from policies.models import Policy
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def editions(make_policy, regions):
    last_year = make_policy(title="2025年度技术改造项目奖补", regions=[regions["city"]])
    this_year = make_policy(
        title="2026年度技术改造项目奖补", regions=[regions["city"]], state=Policy.State.DRAFT, supersedes=last_year
    )
    return last_year, this_year


def test_publishing_this_years_edition_retires_last_years(client, editions, regions):
    last_year, this_year = editions
    services.policy_publish(policy=this_year, actor=factories.official())

    last_year.refresh_from_db()
    assert last_year.state == Policy.State.EXPIRED
    catalogue = client.get("/policies/").content.decode()
    assert "2026年度技术改造项目奖补" in catalogue and "2025年度技术改造项目奖补" not in catalogue

    member = factories.enterprise_user(factories.enterprise(name="宣城精工", region=regions["xuanzhou"]))
    client.force_login(member)
    matches = client.get("/policies/matches/?show=all").content.decode()
    assert matches.count("技术改造项目奖补") == 1 and "2026年度" in matches

    old_page = client.get(f"/policies/{last_year.pk}/").content.decode()
    assert "本政策已有新一年度版本" in old_page and f'href="/policies/{this_year.pk}/"' in old_page
    new_page = client.get(f"/policies/{this_year.pk}/").content.decode()
    assert "上一年度版本" in new_page and f'href="/policies/{last_year.pk}/"' in new_page


def test_an_edition_without_a_predecessor_retires_nothing(make_policy):
    other = make_policy(title="2026年度人才引进补贴")
    draft = make_policy(title="2026年度技术改造项目奖补", state=Policy.State.DRAFT)
    services.policy_publish(policy=draft, actor=factories.official())
    other.refresh_from_db()
    assert other.state == Policy.State.PUBLISHED


def test_a_policy_cannot_replace_itself(make_policy):
    policy = make_policy()
    policy.supersedes = policy
    with pytest.raises(ValidationError) as error:
        policy.full_clean()
    assert "supersedes" in error.value.message_dict
