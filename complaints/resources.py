"""The case list as a spreadsheet (django-import-export), for officials with the
export permission. Rows come from ``selectors.case_list``, so the reader's scope
applies and a confidential complainant stays masked unless the row's
``identity_visible`` annotation says the reader may see them."""

from __future__ import annotations

import tablib
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from import_export import resources
from import_export.fields import Field

from complaints.models import Case
from portal import deadlines
from portal.excel import add_sheet, local_datetime, new_workbook, workbook_bytes


class CaseExportResource(resources.Resource):
    """One row per case; Chinese column headers; identity columns masked as （保密）."""

    number = Field(column_name=_("诉求编号"))
    channel = Field(column_name=_("来源渠道"))
    title = Field(column_name=_("诉求标题"))
    category = Field(column_name=_("问题分类"))
    status = Field(column_name=_("状态"))
    tier = Field(column_name=_("层级"))
    lead_department = Field(column_name=_("牵头单位"))
    received_at = Field(column_name=_("登记时间"))
    stage = Field(column_name=_("当前环节"))
    stage_due_at = Field(column_name=_("当前环节期限"))
    flag = Field(column_name=_("时限状态"))
    complainant_name = Field(column_name=_("诉求人姓名"))
    complainant_phone = Field(column_name=_("诉求人手机"))
    complainant_email = Field(column_name=_("诉求人邮箱"))
    enterprise = Field(column_name=_("企业"))

    class Meta:
        model = Case

    def dehydrate_number(self, case):
        return case.number

    def dehydrate_channel(self, case):
        return case.get_channel_display()

    def dehydrate_title(self, case):
        return case.title

    def dehydrate_category(self, case):
        return case.category.display_name

    def dehydrate_status(self, case):
        return case.get_status_display()

    def dehydrate_tier(self, case):
        return case.get_tier_display()

    def dehydrate_lead_department(self, case):
        return case.lead_department.display_name if case.lead_department_id else ""

    def dehydrate_received_at(self, case):
        return local_datetime(case.received_at)

    def dehydrate_stage(self, case):
        return case.get_stage_display()

    def dehydrate_stage_due_at(self, case):
        return local_datetime(case.stage_due_at)

    def dehydrate_flag(self, case):
        return force_str(deadlines.FLAG_LABELS.get(getattr(case, "flag", ""), ""))

    def dehydrate_complainant_name(self, case):
        return force_str(case.complainant_name_display)

    def dehydrate_complainant_phone(self, case):
        return force_str(case.complainant_phone_display)

    def dehydrate_complainant_email(self, case):
        return force_str(case.complainant_email_display)

    def dehydrate_enterprise(self, case):
        return force_str(case.enterprise_display)


def dataset_to_xlsx(dataset: tablib.Dataset, title: str) -> bytes:
    """The dataset as an .xlsx workbook: bold headers, frozen header row, dates as
    dates, and every string written as a string (no formula injection)."""
    workbook = new_workbook()
    add_sheet(workbook, title, dataset.headers, dataset)
    return workbook_bytes(workbook)


def export_cases(queryset, *, title: str) -> bytes:
    """The cases as .xlsx bytes. One query (the rows come with their relations)."""
    dataset = CaseExportResource().export(queryset)
    return dataset_to_xlsx(dataset, title)
