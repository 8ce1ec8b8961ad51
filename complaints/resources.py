"""The case list as a spreadsheet (django-import-export), for officials with the
export permission. Rows come from ``selectors.case_list``, so the reader's scope
applies and a confidential complainant stays masked unless the row's
``identity_visible`` annotation says the reader may see them."""

from __future__ import annotations

import datetime as dt
import io

import tablib
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _
from import_export import resources
from import_export.fields import Field
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from complaints.models import Case
from portal import deadlines

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    """Excel has no time zones: write the local (China Standard) time."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


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
        return case.category.name

    def dehydrate_status(self, case):
        return case.get_status_display()

    def dehydrate_tier(self, case):
        return case.get_tier_display()

    def dehydrate_lead_department(self, case):
        return case.lead_department.name if case.lead_department_id else ""

    def dehydrate_received_at(self, case):
        return _local(case.received_at)

    def dehydrate_stage(self, case):
        return case.get_stage_display()

    def dehydrate_stage_due_at(self, case):
        return _local(case.stage_due_at)

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


def _cell(sheet, value):
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value)
    if isinstance(value, str) and value.startswith("="):
        # Text typed by the public must stay text, never become a formula.
        cell.data_type = "s"
    elif isinstance(value, dt.datetime):
        cell.number_format = DATETIME_FORMAT
    return cell


def dataset_to_xlsx(dataset: tablib.Dataset, title: str) -> bytes:
    """The dataset as an .xlsx workbook: bold headers, frozen header row, dates as
    dates, and every string written as a string (no formula injection)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in dataset.headers:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in dataset:
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_cases(queryset, *, title: str) -> bytes:
    """The cases as .xlsx bytes. One query (the rows come with their relations)."""
    dataset = CaseExportResource().export(queryset)
    return dataset_to_xlsx(dataset, title)
