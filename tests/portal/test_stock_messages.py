"""Django's and DRF's stock messages, where their Chinese reads badly or is missing, are
replaced by the portal's overrides catalogue (locale/overrides, portal.catalogues); a
select's empty choice says 请选择 (forms) or 全部 (filters), never "---------"."""

import datetime as dt
import importlib
import inspect
from types import SimpleNamespace

import django_filters
import pytest
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from rest_framework import serializers

from complaints.models import ChecklistQuestion
from complaints.reporting.selectors import Period
from policies.models import PolicyMaterial
from portal.forms import DJANGO_EMPTY_CHOICE
from portal.models import Enterprise
from tests import factories

pytestmark = pytest.mark.django_db

TOO_LONG = "诉" * 201


def appeal(**fields) -> dict:
    return {
        "title": "施工许可审批材料反复退回",
        "description": "同一份材料被要求修改三次。",
        "category": "",
        "complainant_name": "张诉求",
        "complainant_phone": "13912345678",
        "idempotency_key": "",
        **fields,
    }


def client_in(language: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_a_too_long_field_says_how_long_it_may_be():
    page = client_in("zh-hans").post("/cases/new/", appeal(title=TOO_LONG)).content.decode()
    assert "最多 200 个字（现有 201 个）。" in page
    assert "确保该变量" not in page
    page = client_in("zh-hant").post("/cases/new/", appeal(title=TOO_LONG)).content.decode()
    assert "最多 200 個字（現有 201 個）。" in page
    page = client_in("en").post("/cases/new/", appeal(title=TOO_LONG)).content.decode()
    assert "Ensure this value has at most 200 characters (it has 201)." in page


def test_api_blank_and_too_long_fields_read_plain_chinese():
    member = factories.enterprise_user(factories.enterprise(), full_name="陈企业")
    client = client_in("zh-hans")
    client.force_login(member)
    body = {"title": "", "description": "说明", "category": "审批服务", "complainant_name": "陈企业"}
    response = client.post("/api/v1/cases/", body, content_type="application/json")
    assert response.status_code == 400
    assert {"field": "title", "message": "不能为空。"} in response.json()["errors"]
    response = client.post("/api/v1/cases/", {**body, "title": TOO_LONG}, content_type="application/json")
    assert {"field": "title", "message": "最多 200 个字。"} in response.json()["errors"]


def test_serializer_and_form_messages_in_each_language():
    class Serializer(serializers.Serializer):
        name = serializers.CharField(max_length=5)

    expected = {
        "zh-hans": ("不能为空。", "内容含有无法保存的空字符，请删除后再提交。"),
        "zh-hant": ("不能為空。", "內容含有無法保存的空字符，請刪除後再提交。"),
        "en": ("This field may not be blank.", "Null characters are not allowed."),
    }
    for language, (blank, null_character) in expected.items():
        with translation.override(language):
            serializer = Serializer(data={"name": ""})
            assert not serializer.is_valid()
            assert [str(message) for message in serializer.errors["name"]] == [blank]
            with pytest.raises(ValidationError) as error:
                forms.CharField().clean("a\x00b")
            assert error.value.messages == [null_character]  # zh_Hans said 不允许是用空字符串


def test_third_party_words_without_a_chinese_catalogue_are_translated():
    with translation.override("zh-hans"):
        assert translation.gettext("access attempts") == "登录失败累计"  # django-axes
        assert translation.gettext("Keyword arguments") == "关键字参数"  # django-q2
        assert translation.gettext("Model name") == "名称"  # Django's admin, new in 5.x
    with translation.override("zh-hant"):
        assert translation.gettext("access attempts") == "登錄失敗累計"


# --- The empty choice ----------------------------------------------------------------

FORM_MODULES = [
    "portal.forms",
    "portal.filters",
    "complaints.forms",
    "complaints.filters",
    "complaints.reporting.forms",
    "complaints.walkthroughs.forms",
    "policies.filters",
    "policies.applications.forms",
    "policies.manage.forms",
    "roundtables.forms",
    "roundtables.filters",
]


def _arguments():
    """What the forms that need arguments are built with."""
    return {
        "FiguresForm": {"default": Period.year(dt.date.today().year)},
        "StartForm": {"enterprises": Enterprise.objects.all()},
        "UploadForm": {"policy": SimpleNamespace(materials=PolicyMaterial.objects)},
        "FindingForm": {"questions": ChecklistQuestion.objects.all()},
        "JointOpinionForm": {"department_id": 1},
    }


def _forms():
    arguments = _arguments()
    found = []
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module_name:
                continue
            if issubclass(cls, django_filters.FilterSet):
                found.append((f"{module_name}.{name}", cls().form))
            elif issubclass(cls, forms.BaseForm):
                found.append((f"{module_name}.{name}", cls(**arguments.get(name, {}))))
    return found


def test_no_select_offers_dashes():
    factories.department()
    found = _forms()
    assert len(found) > 30
    dashes = []
    for name, form in found:
        for field_name, field in form.fields.items():
            if getattr(field, "queryset", "") is None:
                continue
            choices = list(getattr(field, "choices", None) or [])
            if any(label == DJANGO_EMPTY_CHOICE for _value, label in choices):
                dashes.append(f"{name}.{field_name}")
    assert not dashes, dashes


def first_choice(form, field: str):
    return next(iter(form.fields[field].choices))


def test_forms_say_please_choose_and_filters_say_all():
    with translation.override("zh-hans"):
        form = dict(_forms())
        assert first_choice(form["complaints.forms.CaseIntakeForm"], "category") == ("", "请选择")
        assert first_choice(form["policies.filters.PolicyFilter"], "category") == ("", "全部")
        assert first_choice(form["policies.filters.PolicyFilter"], "level") == ("", "全部")
    page = client_in("zh-hans").get("/policies/").content.decode()
    assert '<option value="" selected>全部</option>' in page and DJANGO_EMPTY_CHOICE not in page
