"""Text that cannot spoof (portal/text.py): bidi controls and other invisible formatting
characters never reach the database in free text, and identifiers refuse them.

The walk covers every CharField and TextField of the project's models (the forms, the
admin and the API all store through them); the end-to-end tests file a case whose title
carries U+202E through the public form and through the API."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, models
from rest_framework import serializers
from rest_framework.test import APIClient

from complaints.models import Case, ProblemCategory
from portal import text
from portal.models import User
from tests import factories

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE
# One of each kind: bidi embeddings, overrides and isolates, zero-width space and
# non-joiner, word joiner and the invisible operators, BOM, soft hyphen, Arabic letter mark.
INVISIBLE = (
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\u200c\u200e\u200f\u2060\u2064\ufeff\u00ad\u061c"
)
ZWJ = "\u200d"


def _text_fields():
    for app_label in text.PROJECT_APPS:
        for model in apps.get_app_config(app_label).get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, models.CharField | models.TextField):
                    yield field


def _spoofed(field) -> str:
    # What remains must be the visible letters.
    return f"a{INVISIBLE}b"


def test_every_text_field_of_the_project_is_cleaned_or_guarded():
    kinds = {}
    for field in _text_fields():
        kind = text.field_kind(field)
        kinds[kind] = kinds.get(kind, 0) + 1
        label = f"{field.model._meta.label}.{field.name}"
        if kind == text.IDENTIFIER:
            assert text.validate_no_invisible in field.validators, label
            with pytest.raises(ValidationError) as refused:
                field.run_validators(_spoofed(field))
            assert any("不可见" in message for message in refused.value.messages), label
        elif kind == text.CHOICES:
            continue  # values from the code, never typed
        else:
            assert kind in (text.SINGLE_LINE, text.MULTI_LINE), label
            # What model validation keeps (the admin, model forms) ...
            assert field.to_python(_spoofed(field)) == "ab", label
            # ... and what any write sends to the database (save, create, bulk_create, update).
            assert field.get_db_prep_save(_spoofed(field), connection) == "ab", label
    # The walk saw the project's fields, of every kind.
    assert kinds[text.SINGLE_LINE] > 100 and kinds[text.MULTI_LINE] > 50 and kinds[text.IDENTIFIER] >= 8


def test_the_identifiers_are_the_ones_people_type_to_name_something():
    identifiers = {f"{f.model._meta.label}.{f.name}" for f in _text_fields() if text.field_kind(f) == text.IDENTIFIER}
    assert {
        "portal.User.username",
        "portal.User.mobile",
        "portal.Enterprise.credit_code",
        "portal.Enterprise.contact_phone",
        "complaints.Case.complainant_phone",
        "complaints.Case.lookup_code",
        "complaints.Case.number",
        "roundtables.Registration.attendee_mobile",
    } <= identifiers


@pytest.mark.django_db
def test_model_serializers_carry_the_refusal():
    class UserSerializer(serializers.ModelSerializer):
        class Meta:
            model = User
            fields = ["username", "mobile"]

    serializer = UserSerializer(data={"username": f"ad{RLO}min", "mobile": f"1380013{ZWJ}8000"})
    assert not serializer.is_valid()
    assert any("不可见" in str(message) for message in serializer.errors["username"])
    assert any("不可见" in str(message) for message in serializer.errors["mobile"])


def test_single_lines_keep_what_was_typed_but_the_invisible():
    assert text.clean_single_line("营商\u3000环境 👨\u200d👩\u200d👧") == "营商\u3000环境 👨\u200d👩\u200d👧"
    assert text.clean_single_line(f"发票{RLO}gpj.exe") == "发票gpj.exe"
    assert text.clean_single_line("第一行\r\n第二行\t末\x07") == "第一行 第二行 末"
    assert text.clean_single_line("a\u2028b") == "a b"


def test_multi_lines_keep_line_breaks_and_tabs_only():
    assert text.clean_multi_line("一\r\n二\r三\n\t四\x00\x1b五\u2029六") == "一\n二\n三\n\t四五\n六"
    assert text.clean_multi_line(f"正文{INVISIBLE}结束") == "正文结束"
    assert text.clean_multi_line("<p>政策\u200b原文</p>\n<p>解读</p>") == "<p>政策原文</p>\n<p>解读</p>"


@pytest.mark.django_db
def test_a_write_past_every_form_is_cleaned_too():
    """bulk_create and update bypass save() and its signals; the field itself cleans."""
    user = factories.user(full_name=f"张{RLO}三")
    user.refresh_from_db()
    assert user.full_name == "张三"
    User.objects.filter(pk=user.pk).update(full_name=f"李{RLO}四")
    user.refresh_from_db()
    assert user.full_name == "李四"
    # The in-memory object is cleaned at save (pre_save), so what the request shows next
    # is what was stored.
    user.full_name = f"王{RLO}五"
    user.save()
    assert user.full_name == "王五"
    User.objects.bulk_create([User(username="bulk", full_name=f"赵{RLO}六")])
    assert User.objects.get(username="bulk").full_name == "赵六"


@pytest.mark.django_db
def test_a_policy_s_rich_text_keeps_working():
    from policies.models import Policy

    field = Policy._meta.get_field("full_text")
    html = f'<h2>第一章</h2>\n<p>企业{RLO}申报<a href="https://example.gov.cn/">原文</a></p>'
    assert (
        field.get_db_prep_save(html, connection)
        == '<h2>第一章</h2>\n<p>企业申报<a href="https://example.gov.cn/">原文</a></p>'
    )


# --- End to end --------------------------------------------------------------------


def _intake(category, **extra):
    return {
        "title": f"窗口{RLO}要求重复提交材料",
        "description": f"第一段{RLO}\r\n第二段",
        "category": category.pk,
        "complainant_name": f"王{INVISIBLE}反映",
        "complainant_phone": "13800001111",
        "complainant_email": "",
        "on_behalf_of_organisation": "",
        "idempotency_key": "bidi-1",
        "privacy_consent": "on",
        **extra,
    }


@pytest.mark.django_db
def test_a_case_filed_through_the_public_form_is_stored_without_the_override(client):
    category = ProblemCategory.objects.get(name="审批服务")
    response = client.post("/cases/new/", _intake(category))
    assert response.status_code == 302
    case = Case.objects.get()
    assert case.title == "窗口要求重复提交材料"
    assert case.description == "第一段\n第二段"
    assert case.complainant_name == "王反映"
    # The confirmation page shows the clean title.
    assert RLO not in client.get(response["Location"]).content.decode()


@pytest.mark.django_db
def test_a_phone_number_with_an_invisible_character_is_refused_with_a_chinese_message(client):
    category = ProblemCategory.objects.get(name="审批服务")
    response = client.post("/cases/new/", _intake(category, complainant_phone=f"1380000{ZWJ}1111"))
    assert response.status_code == 200
    assert "不能含有不可见的控制或格式字符" in response.content.decode()
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_a_case_filed_through_the_api_is_stored_without_the_override():
    category = ProblemCategory.objects.get(name="审批服务")
    api = APIClient()
    api.force_authenticate(factories.user(mobile="13800001111"))
    response = api.post(
        "/api/v1/cases/",
        {
            "title": f"窗口{RLO}要求重复提交材料",
            "description": "说明",
            "category": category.pk,
            "complainant_name": "王反映",
            "complainant_phone": "13800001111",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["title"] == "窗口要求重复提交材料"
    assert Case.objects.get().title == "窗口要求重复提交材料"

    refused = api.post(
        "/api/v1/cases/",
        {
            "title": "另一件",
            "description": "说明",
            "category": category.pk,
            "complainant_name": "王反映",
            "complainant_phone": f"138000{RLO}01111",
        },
        format="json",
    )
    assert refused.status_code == 400
    messages = [error["message"] for error in refused.json()["errors"] if error["field"] == "complainant_phone"]
    assert any("不可见" in message for message in messages)


@pytest.mark.django_db
def test_a_user_name_with_a_zero_width_space_is_refused_at_registration(client):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "ad\u200bmin",
            "full_name": "张三",
            "mobile": "13800001111",
            "email": "",
            "password1": "a-long-passphrase-1",
            "password2": "a-long-passphrase-1",
            "privacy_consent": "on",
        },
    )
    assert response.status_code == 200
    assert "不能含有不可见的控制或格式字符" in response.content.decode()
    assert not User.objects.filter(full_name="张三").exists()


@pytest.mark.django_db
def test_the_lookup_refuses_an_invisible_character_in_the_code(client):
    response = client.post("/cases/lookup/", {"number": "SQ2026-000001", "lookup_code": f"AB{RLO}CD"})
    assert "不能含有不可见的控制或格式字符" in response.content.decode()
