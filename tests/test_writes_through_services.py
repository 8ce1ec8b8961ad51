"""Every write to a domain model goes through a service (``<app>/services.py``): the
service checks who acts and the state, locks, and records the step in the history.

Two checks keep it so:

- the admin, walked at run time: every model admin (and inline) of a domain model
  either cannot add, change or delete, or hands the save to a service;
- the source of the admins, views, API modules and forms, read as syntax trees: no
  direct ``.save()``, ``.delete()``, ``objects.create()``, queryset ``.update()`` and the
  like, except the few listed below with the reason they are safe.

Reference data (categories, regions, calendars, rule tables…) is plain data that
officials keep in the admin; it is listed with a reason, and anything not listed is
treated as a domain model.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.test import RequestFactory

ROOT = Path(__file__).resolve().parent.parent
APPS = ("portal", "complaints", "roundtables", "policies")

# Kept by officials as plain data in the admin: no state machine, no service.
REFERENCE_DATA = {
    "portal.region": "行政区划代码表",
    "portal.industry": "国民经济行业分类",
    "portal.enterprisetag": "企业标签",
    "portal.tagdimension": "标签维度",
    "portal.department": "部门名录",
    "portal.enterprise": "企业名录（企业自己改资料走 enterprise_update_profile）",
    "portal.holidayschedule": "国务院放假安排，录入即生效",
    "portal.calendarday": "放假安排中的一天，随安排一起录入",
    "portal.user": "账号由 Django 的用户管理维护（密码由其表单加密）",
    "portal.announcement": "通知公告，按发布和下线时间显示",
    "complaints.problemcategory": "诉求分类",
    "complaints.problemclass": "问题类别（归类本身走 case_classify）",
    "complaints.nonacceptancereason": "不予受理理由",
    "complaints.slapolicy": "办理时限规则；生效的规则只对之后的交办起作用",
    "complaints.rankingrule": "红黄黑榜规则；只影响之后生成的榜单草稿，已公布的榜单冻结",
    "complaints.typicalcase": "典型案例库",
    "complaints.walkthroughtheme": "体验主题",
    "complaints.checklist": "体验清单；已用的版本由 checklist_new_version 复制后修改",
    "complaints.checklistquestion": "体验清单的题目，随清单一起编辑",
    "complaints.servicewindow": "办不成事窗口名录及在岗问题专员（登记和上报走 windows/services.py）",
    "roundtables.series": "恳谈会系列（按月生成会议走 series_generate_sessions）",
    "roundtables.sessionattachment": "会议材料，随会议一起编辑",
    "roundtables.slot": "企业接待日、直通车的预约时段，随会议一起编辑（批量生成走 slots_generate）；"
    "已有预约的不能删除、名额不能少于已约数（SlotFormSet），预约时的名额由 registration_create 在行锁下核对",
    "policies.policycategory": "政策分类",
    "policies.colourthreshold": "三色图阈值，只影响之后生成的月度快照",
    "policies.policymaterial": "政策的申报材料清单，随政策一起编辑（policy_save_edit 记新版本）",
    "policies.policyattachment": "政策附件，随政策一起编辑（policy_save_edit 记新版本）",
}

# Domain models an admin may delete, and why that is safe.
DELETE_ALLOWED = {
    "roundtables.session": "only a session nobody signed up for (has_delete_permission); the rest are cancelled",
    "portal.notification": "a copy of a message already sent; removing it changes no case or application",
    "portal.stewardassignment": "a pair naming who looks after whom; removed through services.steward_unassign, "
    "recorded in the history",
}

# Direct writes in admins, views, API modules and forms that are safe, by "path:function".
DIRECT_WRITES_ALLOWED = {
    "complaints/walkthroughs/views.py:_walkthrough_form": "bundle.save() calls services.walkthrough_save_draft",
    "roundtables/admin.py:delete_queryset": "deletes only the sessions nobody signed up for (DELETE_ALLOWED)",
}

WRITE_METHODS = {"save", "delete", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
QUERYSET_WRITES = {"create", "update"}


def _label(model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _superuser_request():
    from portal.models import User

    request = RequestFactory().get("/admin/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)
    return request


def _our_admins():
    return [
        (model, model_admin) for model, model_admin in admin.site._registry.items() if model._meta.app_label in APPS
    ]


def _calls_super_save(method) -> bool:
    tree = ast.parse(textwrap.dedent(inspect.getsource(method)))
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in {"save_model", "save"}
        for node in ast.walk(tree)
    )


def test_the_admin_hands_every_domain_save_to_a_service():
    request = _superuser_request()
    problems = []
    for model, model_admin in _our_admins():
        label = _label(model)
        if label in REFERENCE_DATA:
            continue
        if model_admin.has_add_permission(request) or model_admin.has_change_permission(request):
            save_model = type(model_admin).save_model
            if save_model is ModelAdmin.save_model:
                problems.append(f"{label}: the admin saves the form itself; override save_model to call a service")
            elif _calls_super_save(save_model):
                problems.append(f"{label}: save_model saves directly instead of calling a service")
        if model_admin.has_delete_permission(request) and label not in DELETE_ALLOWED:
            problems.append(f"{label}: the admin may delete it; archive, cancel or retire it through a service")
        for inline_class in model_admin.inlines:
            inline = inline_class(model, admin.site)
            inline_label = _label(inline.model)
            if inline_label in REFERENCE_DATA:
                continue
            fields = set(inline.get_fields(request)) - {"id", inline.fk_name or ""}
            if inline.has_add_permission(request, None):
                problems.append(f"{label} → {inline_label}: the inline adds rows; a service must")
            if fields - set(inline.get_readonly_fields(request)):
                problems.append(f"{label} → {inline_label}: editable inline fields {sorted(fields)}")
            if inline.can_delete and inline.has_delete_permission(request, None):
                problems.append(f"{label} → {inline_label}: the inline deletes rows")
    assert not problems, "\n".join(problems)


def test_the_admin_check_sees_a_direct_save():
    """The check above fails on an admin that saves a domain model itself."""

    class DirectCaseAdmin(ModelAdmin):
        def save_model(self, request, obj, form, change):
            super().save_model(request, obj, form, change)

    assert _calls_super_save(DirectCaseAdmin.save_model)
    assert not _calls_super_save(type(admin.site._registry[_policy_model()]).save_model)


def _policy_model():
    from policies.models import Policy

    return Policy


def _scanned_files() -> list[Path]:
    files = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if "migrations" in relative.parts:
                continue
            name = path.name
            if name in {"admin.py", "views.py", "forms.py"} or "api" in relative.parts or name.endswith("_views.py"):
                files.append(path)
    return files


def _receiver_is_queryset(node: ast.Attribute) -> bool:
    """``Model.objects….update(…)``, ``queryset.filter(…).update(…)``: not a dict's update."""
    text = ast.unparse(node.value)
    return (
        ".objects" in text
        or "queryset" in text
        or any(f".{step}(" in text for step in ("filter", "exclude", "all", "select_for_update"))
    )


def direct_writes(source: str, path: str) -> list[str]:
    """``path:function  call`` for each direct write in the module's source."""
    found = []
    tree = ast.parse(source)
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            attr = node.func.attr
            receiver = ast.unparse(node.func.value)
            if (attr in WRITE_METHODS and receiver not in {"super()"}) or (
                attr in QUERYSET_WRITES and _receiver_is_queryset(node.func)
            ):
                found.append(f"{path}:{function.name}  {receiver}.{attr}()")
            elif attr in {"save_model", "delete_model", "delete_queryset"} and receiver == "super()":
                found.append(f"{path}:{function.name}  super().{attr}()")
    return found


def test_views_api_forms_and_admin_actions_write_only_through_services():
    found = [
        write
        for path in _scanned_files()
        for write in direct_writes(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
        if write.split("  ")[0] not in DIRECT_WRITES_ALLOWED
    ]
    assert not found, "direct writes outside the services:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        "def post(request):\n    form.save()\n",
        "def post(request):\n    Application.objects.filter(pk=1).update(declared={})\n",
        "def post(request):\n    ApplicationFile.objects.create(application=a)\n",
        "def save_model(self, request, obj, form, change):\n    super().save_model(request, obj, form, change)\n",
        "def remove(request):\n    item.delete()\n",
    ],
)
def test_the_scan_sees_each_kind_of_direct_write(source):
    assert direct_writes(source, "x/views.py")


def test_the_scan_leaves_dicts_and_services_alone():
    source = "def get(request):\n    context.update(a=1)\n    services.application_submit(application=a, actor=u)\n"
    assert direct_writes(source, "x/views.py") == []


def test_every_allowance_is_still_needed():
    found = {
        write.split("  ")[0]
        for path in _scanned_files()
        for write in direct_writes(path.read_text(), str(path.relative_to(ROOT)))
    }
    assert set(DIRECT_WRITES_ALLOWED) <= found, set(DIRECT_WRITES_ALLOWED) - found
    registered = {_label(model) for model in admin.site._registry} | {
        _label(inline.model) for model_admin in admin.site._registry.values() for inline in model_admin.inlines
    }
    assert set(REFERENCE_DATA) <= registered, set(REFERENCE_DATA) - registered
