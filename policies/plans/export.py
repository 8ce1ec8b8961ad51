"""一企一策 as a spreadsheet: the policies (符合 and 差一项) on one sheet, the report's
header and the preparer's recommendations on another (``portal/excel.py``)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from policies.models import PolicyPlan
from policies.plans.selectors import plan_sections
from portal import excel


def plan_workbook(plan: PolicyPlan):
    eligible, almost = plan_sections(plan)
    workbook = excel.new_workbook()
    excel.add_sheet(
        workbook,
        _("政策清单"),
        [
            _("类别"),
            _("政策名称"),
            _("文号"),
            _("发布部门"),
            _("预计金额（元）"),
            _("金额说明"),
            _("还差条件"),
            _("申报时间"),
            _("下一步"),
            _("申报材料"),
        ],
        (
            [
                item["klass_label"],
                item["title"],
                item["document_number"],
                item["issuer"],
                item["amount"],
                item["amount_explanation"],
                "；".join(item["unmet"]),
                item["window"],
                item["next_step"],
                "；".join(item["materials"]),
            ]
            for item in [*eligible, *almost]
        ),
        widths=[10, 40, 24, 20, 16, 30, 30, 24, 36, 30],
    )
    excel.add_sheet(
        workbook,
        _("工作建议"),
        [_("项目"), _("内容")],
        [
            [_("企业"), plan.enterprise.name],
            [_("统一社会信用代码"), plan.enterprise.credit_code],
            [_("编制时间"), excel.local_datetime(plan.prepared_at)],
            [_("编制人"), plan.prepared_by.display_name],
            [_("可享受的政策"), len(eligible)],
            [_("差一项即可享受的政策"), len(almost)],
            [_("预计可享金额合计（元）"), plan.total_amount],
            [_("工作建议"), plan.recommendations],
        ],
        widths=[24, 80],
    )
    return workbook


def plan_filename(plan: PolicyPlan) -> str:
    day = timezone.localtime(plan.prepared_at).strftime("%Y%m%d")
    return _("一企一策-%(name)s-%(date)s.xlsx") % {"name": plan.enterprise.name, "date": day}
