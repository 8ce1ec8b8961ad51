"""The unified social credit code (GB 32100-2015) as a person types it."""

import pytest
from django.core.exceptions import ValidationError

from portal.forms import MembershipRequestForm
from portal.validators import credit_code_check_character, normalize_credit_code, validate_credit_code


def _valid(first17: str) -> str:
    return first17 + credit_code_check_character(first17)


@pytest.mark.parametrize(
    "code", [_valid("91341802MA2N0XY12"), _valid("12341800003000000"), _valid("Y1341802000000001")]
)
def test_valid_codes_pass(code):
    validate_credit_code(code)


def test_the_standards_worked_example_passes():
    # The example code printed in GB 32100-2015 and most guides to it.
    validate_credit_code("91350100M000100Y43")


def test_full_width_and_lower_case_are_normalised():
    code = _valid("91341802MA2N0XY12")
    typed = code.lower().translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert typed != code
    assert normalize_credit_code(f" {typed} ") == code
    validate_credit_code(typed)


@pytest.mark.parametrize(
    ("code", "rule", "says"),
    [
        ("91341802MA2N0XY1", "credit_code_length", "应为18位"),
        (_valid("91341802MA2N0XY12") + "0", "credit_code_length", "当前为19位"),
        ("91341802MA2N0XYI2X", "credit_code_characters", "I"),
        ("91341802MA2N0XY-2X", "credit_code_characters", "-"),
        (_valid("B1341802MA2N0XY12"), "credit_code_authority", "登记管理部门"),
        (_valid("913418A2MA2N0XY12"), "credit_code_region", "行政区划"),
    ],
)
def test_each_broken_rule_is_named(code, rule, says):
    with pytest.raises(ValidationError) as raised:
        validate_credit_code(code)
    assert raised.value.code == rule
    assert says in raised.value.messages[0]


def test_wrong_check_character_says_which_it_should_be():
    good = _valid("91341802MA2N0XY12")
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError) as raised:
        validate_credit_code(wrong)
    assert raised.value.code == "credit_code_check"
    assert f"第18位应为“{good[17]}”" in raised.value.messages[0]


def test_form_keeps_what_was_typed_and_explains():
    form = MembershipRequestForm(data={"credit_code": "91341802MA2N0XY120", "position": "财务"})
    assert not form.is_valid()
    assert "校验位不正确" in form.errors["credit_code"][0]
    assert form["credit_code"].value() == "91341802MA2N0XY120"
    assert form["position"].value() == "财务"


@pytest.mark.django_db
def test_admin_stores_a_full_width_lower_case_code_canonically(client):
    from portal.models import Enterprise
    from tests import factories

    client.force_login(factories.official())
    code = _valid("91341802MA2N0XY12")
    typed = code.lower().translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    response = client.post(
        "/admin/portal/enterprise/add/",
        {
            "name": "宣城全角有限公司",
            "credit_code": typed,
            "contact_phone": "＋86 139 0000 0000",
            "memberships-TOTAL_FORMS": "0",
            "steward_assignments-TOTAL_FORMS": "0",
            "steward_assignments-INITIAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    enterprise = Enterprise.objects.get(name="宣城全角有限公司")
    assert enterprise.credit_code == code
    assert enterprise.contact_phone == "13900000000"


@pytest.mark.django_db
def test_admin_names_the_broken_rule_and_keeps_the_input(client):
    from tests import factories

    client.force_login(factories.official())
    response = client.post(
        "/admin/portal/enterprise/add/",
        {
            "name": "宣城错误代码有限公司",
            "credit_code": "91341802MA2N0XYI2X",
            "memberships-TOTAL_FORMS": "0",
            "steward_assignments-TOTAL_FORMS": "0",
            "steward_assignments-INITIAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "不使用字母I、O、Z、S、V" in page
    assert 'value="宣城错误代码有限公司"' in page
