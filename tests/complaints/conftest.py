"""Shared arrangements for case tests: the people around a case and cases at each stage."""

import datetime as dt

import pytest

from complaints import services
from complaints.models import ProblemCategory, Tier
from portal import roles
from tests import factories


@pytest.fixture
def category(db):
    return ProblemCategory.objects.get(name="审批服务")


@pytest.fixture
def people(db):
    """An official, a chief officer, handlers of departments X and Y, enterprise A's
    user and enterprise B's user."""
    city = factories.region()
    x = factories.department("宣城市发展和改革委员会", city)
    y = factories.department("宣城市自然资源和规划局", city)
    enterprise_a = factories.enterprise(name="宣城甲企业有限公司", region=city)
    enterprise_b = factories.enterprise(name="宣城乙企业有限公司", region=city)

    class People:
        pass

    p = People()
    p.x, p.y = x, y
    p.enterprise_a, p.enterprise_b = enterprise_a, enterprise_b
    p.official = factories.official(username="official")
    p.chief = factories.user(roles.CHIEF_PROBLEM_OFFICER, username="chief", is_staff=True)
    p.handler_x = factories.handler(x, username="handler_x", email="hx@example.com")
    p.handler_y = factories.handler(y, username="handler_y")
    p.member_a = factories.enterprise_user(enterprise_a, username="member_a", email="a@example.com")
    p.member_b = factories.enterprise_user(enterprise_b, username="member_b")
    return p


@pytest.fixture
def file_case(people, category):
    def make(**overrides):
        fields = {
            "actor": people.member_a,
            "channel": "web",
            "title": "施工许可审批材料反复退回",
            "description": "同一份材料被要求修改三次，每次意见不同。",
            "category": category,
            "enterprise": people.enterprise_a,
            "complainant_name": "张诉求",
            "complainant_phone": "13912345678",
            "complainant_email": "zhang@example.com",
        }
        fields.update(overrides)
        return services.case_file(**fields)

    return make


@pytest.fixture
def case_at(people, file_case):
    """A case advanced to the named status through the services."""

    def make(status, **overrides):
        case = file_case(**overrides)
        if status == "received":
            return case
        case = services.case_accept(case=case, actor=people.official)
        if status == "accepted":
            return case
        case = services.case_assign(case=case, actor=people.official, lead_department=people.x, tier=Tier.ORDINARY)
        if status == "assigned":
            return case
        case = services.case_set_measures(
            case=case,
            actor=people.handler_x,
            tasks=[
                {
                    "task": "统一审查口径",
                    "measure": "一次性告知全部修改意见",
                    "deadline": dt.date.today() + dt.timedelta(days=5),
                    "department": people.x,
                    "responsible_person": "李科长",
                }
            ],
        )
        if status == "measures_set":
            return case
        case = services.case_give_feedback(case=case, actor=people.handler_x, feedback="已约谈审查人员，明日办结。")
        if status == "feedback_given":
            return case
        for task in case.tasks.filter(done_at__isnull=True):
            services.case_task_complete(case=case, task=task, actor=people.handler_x, note="已统一审查口径。")
        case = services.case_resolve(case=case, actor=people.handler_x, resolution="材料已一次性审核通过。")
        assert status == "resolved"
        return case

    return make
