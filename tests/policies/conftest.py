"""Arrangements for policy tests: a region tree, departments, tags and a policy maker."""

import pytest

from policies.models import Policy, PolicyCategory
from portal.models import EnterpriseTag, Region
from tests import factories


@pytest.fixture
def regions(db):
    city = factories.region("341800", "宣城市", Region.Level.CITY)
    return {
        "city": city,
        "xuanzhou": factories.region("341802", "宣州区", Region.Level.COUNTY, city),
        "ningguo": factories.region("341881", "宁国市", Region.Level.COUNTY, city),
        "hefei": factories.region("340100", "合肥市", Region.Level.CITY),
    }


@pytest.fixture
def tags(db):
    return {
        name: EnterpriseTag.objects.get_or_create(name=name)[0] for name in ["高新技术企业", "专精特新", "规上工业企业"]
    }


@pytest.fixture
def make_policy(regions):
    issuer = factories.department("宣城市经济和信息化局", regions["city"])
    category = PolicyCategory.objects.get(name="资金奖补")

    def make(**fields):
        m2m = {
            key: fields.pop(key)
            for key in ["regions", "industries", "tags_all", "tags_any", "tags_excluded"]
            if key in fields
        }
        defaults = {
            "title": "技术改造项目奖补",
            "issuer": issuer,
            "level": "municipal",
            "region": regions["city"],
            "category": category,
            "summary": "对技改投入给予奖补",
            "support_type": "cash",
            "application_method": "online",
            "state": Policy.State.PUBLISHED,
        }
        defaults.update(fields)
        policy = Policy.objects.create(**defaults)
        for key, values in m2m.items():
            getattr(policy, key).set(values)
        return policy

    return make
