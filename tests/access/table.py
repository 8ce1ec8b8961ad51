"""The access table: every URL pattern of the portal and, for each role, what it answers.

Columns, in order (``conftest.ROLES``): anonymous, a member of enterprise A, a member
of enterprise B, a handler of department X, a handler of department Y, an official
(营商办工作人员), a chief problem officer (首席问题官), an experience officer
(营商环境体验官), enterprise A's 亲商管家 and a 问题专员 of a 办不成事 window. The
objects in the URLs belong to enterprise A and department X (``conftest.world``).

One letter per role:

- ``A`` allowed: the view did its work (2xx, a redirect that is not to a login page,
  or 400/409/415 for the empty form or JSON body the walk posts);
- ``L`` sent to a login page;
- ``U`` refused by the API as unauthenticated (401 or 403);
- ``F`` 403: the user may see the object or page exists but may not do this;
- ``N`` 404: the object is someone else's, and its existence must not leak.

A URL pattern that is not here fails ``test_every_url_pattern_has_a_decision``. The
admin's generated patterns (changelist/add/change/history/delete per model) follow
the rule in ``test_access_table.admin_rows``; custom admin views are listed here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Row:
    expect: str
    method: str = "get"
    kwargs: Callable | None = None  # world -> URL kwargs
    data: Callable | dict | None = None  # what a POST sends (form fields, or JSON for the API)
    query: str = ""

    def __post_init__(self):
        assert len(self.expect.replace(" ", "")) == 10, self.expect


def get(expect, kwargs=None, query=""):
    return Row(expect, "get", kwargs, query=query)


def post(expect, kwargs=None, data=None):
    return Row(expect, "post", kwargs, data)


case = lambda w: {"number": w.case.number}  # noqa: E731
session = lambda w: {"pk": w.session.pk}  # noqa: E731
draft_session = lambda w: {"pk": w.draft_session.pk}  # noqa: E731
application = lambda w: {"pk": w.application.pk}  # noqa: E731
walkthrough = lambda w: {"pk": w.walkthrough.pk}  # noqa: E731
consultation = lambda w: {"pk": w.consultation.pk}  # noqa: E731
visit = lambda w: {"pk": w.visit.pk}  # noqa: E731
policy = lambda w: {"pk": w.policy.pk}  # noqa: E731
window_case = lambda w: {"number": w.window_case.number}  # noqa: E731


def case_action(action):
    return lambda w: {"number": w.case.number, "action": action}


#                     anon A B X Y off chief officer steward specialist
PAGES = {
    "home": get("A A A A A A A A A A"),
    "healthz": get("A A A A A A A A A A"),
    "accessibility": get("A A A A A A A A A A"),
    "set_language": post("A A A A A A A A A A", data={"language": "zh-hans", "next": "/"}),
    "login": get("A A A A A A A A A A"),
    "logout": post("A A A A A A A A A A"),
    "sign_up": get("A A A A A A A A A A"),
    "password_change": get("L A A A A A A A A A"),
    "password_change_done": get("L A A A A A A A A A"),
    "my_enterprises": get("L A A A A A A A A A"),
    "enterprise_profile": get("L A N N N A A N A N", lambda w: {"pk": w.enterprise_a.pk}),
    "notifications": get("L A A A A A A A A A"),
    "notifications_mark_read": post("L A A A A A A A A A"),
    "notification_settings": get("L A A A A A A A A A"),
    # Cases
    "complaints:case_list": get("L A A A A A A A A A"),
    "complaints:case_new": get("A A A A A A A A A A"),
    "complaints:case_lookup": get("A A A A A A A A A A"),
    # 获取验证码 of the appeal form: 404 while phone verification is off, as in the tests
    # (tests/portal/test_phone_verification.py turns it on: anyone may ask for a code).
    "complaints:case_phone_code": post("N N N N N N N N N N"),
    "privacy": get("A A A A A A A A A A"),
    # Only the browser session that filed the case is shown its lookup code.
    "complaints:case_submitted": get("N N N N N N N N N N", case),
    # Enterprise A's 亲商管家 reads its case (read-only: 403 for any action).
    "complaints:case_detail": get("L A N A N A A N A N", case),
    "complaints:attachment_download": get(
        "L A N A N A A N A N", lambda w: {"number": w.case.number, "attachment_id": w.attachment.pk}
    ),
    "complaints:case_action": post("L A N A N A A N F N", case_action("comment")),
    "complaints:return_visit_list": get("L F F F F A A F F F"),
    "complaints:recheck_list": get("L F F F F A A F F F"),
    "case_reports:dashboard": get("L F F F F A A F F F"),
    "case_reports:statistics": get("A A A A A A A A A A"),
    "case_reports:typical_case_list": get("A A A A A A A A A A"),
    "case_reports:typical_case_detail": get("A A A A A A A A A A", lambda w: {"pk": w.typical.pk}),
    "case_reports:export": get("L F F F F A F F F F"),
    # Walkthroughs
    "walkthroughs:list": get("L A A A A A A A A A"),
    "walkthroughs:new": post("L F F F F A F A F F"),
    "walkthroughs:detail": get("L N N N N A A A N N", walkthrough),
    "walkthroughs:edit": get("L N N N N N N A N N", walkthrough),
    "walkthroughs:discard": post("L N N N N N N A N N", walkthrough),
    "walkthroughs:review": post("L N N N N A F F N N", walkthrough),
    "walkthroughs:promote": post("L N N N N A F F N N", lambda w: {"pk": w.walkthrough.pk, "finding_id": w.finding.pk}),
    "walkthroughs:photo": get("L N N N N A A A N N", lambda w: {"photo_id": w.photo.pk}),
    "walkthrough_reports:monthly": get("L F F F F A A F F F"),
    "walkthrough_reports:monthly_export": get("L F F F F A A F F F"),
    # 咨询: enterprise A's question; its 管家 and officials answer, A's members rate.
    "consultations:mine": get("L A A A A A A A A A"),
    "consultations:answers": get("L F F F F A F F A F"),
    "consultations:new": get("L A A F F F F F F F"),
    "consultations:detail": get("L A N N N A N N A N", consultation),
    "consultations:answer": post("L F N N N A N N A N", consultation),
    "consultations:to_case": post("L F N N N A N N A N", consultation),
    "consultations:rate": post("L A N N N F N N F N", consultation),
    # 办不成事 windows: the 问题专员's page; the world's window case (no enterprise, not yet
    # assigned) is the specialist's, escalated to the city, and the triaging staff's.
    "windows:home": get("L F F F F F F F F A"),
    "windows:case_new": get("L F F F F F F F F A", lambda w: {"pk": w.window.pk}),
    "windows:case_detail": get("L N N N N A A N N A", window_case),
    "windows:case_cause": post("L N N N N A A N N A", window_case),
    "windows:case_escalate": post("L N N N N A A N N A", window_case),
    # 亲商管家: the workspace and the 走访 log (the world's visit: the 管家 at enterprise A).
    "visits:workspace": get("L F F F F F F F A F"),
    "visits:list": get("L A A F F A F F A F"),
    "visits:new": get("L F F F F F F F A F"),
    "visits:detail": get("L A N N N A N N A N", visit),
    "visits:problem_to_case": post(
        "L F N N N A N N A N", lambda w: {"pk": w.visit.pk, "problem_id": w.visit_problem.pk}
    ),
    # Roundtables
    "roundtables:session_list": get("A A A A A A A A A A"),
    "roundtables:my_registrations": get("L A A A A A A A A A"),
    "roundtables:session_detail": get("A A A A A A A A A A", session),
    "roundtables:signup": post("L A A A A A A A A A", session),
    "roundtables:appeal": post("L A A A A A A A A A", session),
    "roundtables:session_ics": get("A A A A A A A A A A", session),
    "roundtables:check_in": get("L F F F F A F F F F", session),
    "roundtables:sign_in_sheet": get("L F F F F A F F F F", session),
    "roundtables:session_appeals": get("L F F F F A F F F F", session),
    "roundtables:attachment": get(
        "A A A A A A A A A A", lambda w: {"pk": w.session.pk, "attachment_id": w.session_attachment.pk}
    ),
    "roundtables:cancel": post("L A N N N A N N N N", lambda w: {"pk": w.registration.pk}),
    "roundtables:invitation_decline": post("L A N N N N N N N N", lambda w: {"pk": w.invitation.pk}),
    "roundtables:series_feed": get("A A A A A A A A A A", lambda w: {"pk": w.series.pk}),
    "roundtable_reports:follow_up": get("L F F F F A F F F F"),
    "roundtable_reports:follow_up_export": get("L F F F F A F F F F"),
    "roundtable_reports:follow_up_issue": post("L F F F F A F F F F"),
    "roundtable_reports:figures": get("L F F F F A F F F F"),
    "roundtable_reports:registrations_export": get("L F F F F A F F F F", query="session={session}"),
    # Policies and applications
    "policies:catalogue": get("A A A A A A A A A A"),
    "policies:detail": get("A A A A A A A A A A", policy),
    "policies:ask": post("L A A A A A A A A A", policy),
    "policies:attachment": get(
        "A A A A A A A A A A", lambda w: {"pk": w.policy.pk, "attachment_id": w.policy_attachment.pk}
    ),
    "policies:my_matches": get("L A A A A A A A A A"),
    "policies:questions": get("L F F A A A F F F F"),
    "policies:enterprise_report": get("L A A A A A A A A A"),
    "policy_applications:mine": get("L A A A A A A A A A"),
    "policy_applications:start": get("L A A A A A A A A A", lambda w: {"policy_id": w.policy.pk}),
    "policy_applications:detail": get("L A N A N A N N N N", application),
    "policy_applications:file": get(
        "L A N A N A N N N N", lambda w: {"pk": w.application.pk, "file_pk": w.application_file.pk}
    ),
    "policy_applications:review_list": get("L F F A A A F F F F"),
    # 待联审 (#18): handlers who review applications see their department's; officials every one.
    "policy_applications:joint_list": get("L F F A A A F F F F"),
    "policy_applications:grants": get("L F F F F A F F F F", lambda w: {"policy_id": w.policy.pk}),
    "policy_applications:supervision": get("L F F F F A F F F F"),
    # 三色图 and 督办 (policies/supervision/, #18): the map for officials; a 督办 for officials and
    # its respondents (handler X); the 公示 for anyone.
    "policy_supervision:colour_map": get("L F F F F A F F F F"),
    "policy_supervision:notices": get("L A A A A A A A A A"),
    "policy_supervision:notice": get("L N N A N A N N N N", lambda w: {"pk": w.supervision_notice.pk}),
    "policy_supervision:public_notices": get("A A A A A A A A A A"),
    # 帮办代办, 委托代办 and 一企一策 reports (#17): staff prepare for enterprise A (its 管家, officials).
    "policy_applications:prepare": get("L F N N N A F N A N", lambda w: {"enterprise_id": w.enterprise_a.pk}),
    "policy_applications:prepared_list": get("L F F F F A F F A F"),
    "policy_applications:mandate": get("L A N N N A A N A N", lambda w: {"enterprise_id": w.enterprise_a.pk}),
    "policies:plan_list": get("L A A A A A A A A A"),
    "policies:plan_new": get("L F N N N A F N A N", lambda w: {"enterprise_id": w.enterprise_a.pk}),
    "policies:plan_detail": get("L A N N N A A N A N", lambda w: {"pk": w.plan.pk}),
    "policies:plan_export": get("L A N N N A A N A N", lambda w: {"pk": w.plan.pk}),
    # 本部门政策 (#18): department X's handler keeps X's policies (the world's draft), Y's gets
    # 404; the 营商办 keep all and alone publish or return (待审核发布); anyone else 403.
    "policies:manage_list": get("L F F A A A F F F F"),
    "policies:manage_new": get("L F F A A A F F F F"),
    "policies:manage_edit": get("L F F A N A F F F F", lambda w: {"pk": w.draft_policy.pk}),
    "policies:manage_submit": post("L F F A N A F F F F", lambda w: {"pk": w.draft_policy.pk}),
    "policies:revisions": get("L F F A N A F F F F", lambda w: {"pk": w.draft_policy.pk}),
    "policies:review_queue": get("L F F F F A F F F F"),
    "policies:manage_publish": post("L F F F F A F F F F", lambda w: {"pk": w.draft_policy.pk}),
    "policies:manage_return": post("L F F F F A F F F F", lambda w: {"pk": w.draft_policy.pk}),
    # 红黄黑榜 (complaints/rankings/): published lists are public; drafts are for officials.
    "rankings:index": get("A A A A A A A A A A"),
    "rankings:published": get("A A A A A A A A A A", lambda w: {"year": 2025, "quarter": 4}),
    "rankings:manage": get("L F F F F A F F F F"),
    "rankings:draft": get("L F F F F A F F F F", lambda w: {"year": 2026, "quarter": 1}),
    "rankings:redraft": post("L F F F F A F F F F", lambda w: {"year": 2026, "quarter": 1}),
    "rankings:publish": post("L F F F F A F F F F", lambda w: {"year": 2026, "quarter": 1}),
    "rankings:move": post(
        "L F F F F A F F F F", lambda w: {"year": 2026, "quarter": 1, "entry_id": w.draft_ranking_entry.pk}
    ),
    # 约谈 (the world's: department X, for its place on 2025Q4's black list): officials record,
    # read and sign off (对账); X's handlers read their unit's, read-only; nobody else.
    "rankings:interviews": get("L F F A A A F F F F"),
    "rankings:interview": get("L N N A N A N N N N", lambda w: {"pk": w.interview.pk}),
    "rankings:sign_off": post(
        "L N N F N A N N N N", lambda w: {"pk": w.interview.pk, "item_id": w.interview.items.get().pk}
    ),
    "rankings:interview_new": get(
        "L F F F F A F F F F",
        lambda w: {"year": 2025, "quarter": 4, "entry_id": w.published_ranking.entries.get().pk},
    ),
    # API documentation
    "api_schema": get("A A A A A A A A A A"),
    "api_docs": get("A A A A A A A A A A"),
}

#                     anon A B X Y off chief officer steward specialist
API = {
    "api_token": post("A A A A A A A A A A"),
    # Any other /api/ URL: 404 in the error shape for everyone (portal.api.errors.api_not_found).
    "api_not_found": get("N N N N N N N N N N"),
    "api-root": get("U A A A A A A A A A"),
    "region-list": get("U A A A A A A A A A"),
    "region-detail": get("U A A A A A A A A A", lambda w: {"pk": w.city.pk}),
    "industry-list": get("U A A A A A A A A A"),
    "industry-detail": get("U A A A A A A A A A", lambda w: {"pk": w.industry.pk}),
    "department-list": get("U A A A A A A A A A"),
    "department-detail": get("U A A A A A A A A A", lambda w: {"pk": w.x.pk}),
    "enterprise-list": get("U A A A A A A A A A"),
    "enterprise-tag-list": get("U A A A A A A A A A"),  # 企业标签 with their dimensions (portraits)
    "enterprise-detail": get("U A N N N A A N A N", lambda w: {"pk": w.enterprise_a.pk}),
    "enterprise-policy-matches": get("U A N N N A A N A N", lambda w: {"pk": w.enterprise_a.pk}),
    # Cases
    "case-list": get("U A A A A A A A A A"),
    # 404 while phone verification is off, as here (tests/portal/test_phone_verification.py).
    "case-phone-code": post("U N N N N N N N N N"),
    "case-detail": get("U A N A N A A N A N", case),
    "case-events": get("U A N A N A A N A N", case),
    "case-accept": post("U F N F N A A N F N", case),
    "case-reject": post("U F N F N A A N F N", case),
    "case-assign": post("U F N F N A A N F N", case),
    "case-escalate": post("U F N F N A A N F N", case),
    "case-set-measures": post("U F N A N A A N F N", case),
    "case-feedback": post("U F N A N A A N F N", case),
    "case-resolve": post("U F N A N A A N F N", case),
    "case-suspend": post("U F N A N A A N F N", case),
    "case-resume": post("U F N A N A A N F N", case),
    "case-rate": post("U A N F N A A N F N", case),
    "case-task-done": post("U F N A N A A N F N", lambda w: {"number": w.case.number, "task_id": w.task.pk}),
    "case-return-visits": post("U F N F N A A N F N", case),
    "case-recheck": post("U F N F N A A N F N", case),
    "case-split": post("U F N F N A A N F N", case),
    # 需长期推进: the lead department's handler or an official asks; a chief officer decides,
    # extends or ends it (the empty body the walk posts is a 400 for those who may).
    "case-long-term": post("U F N A N A F N F N", case),
    "case-long-term-decide": post("U F N F N F A N F N", case),
    "case-long-term-extend": post("U F N F N F A N F N", case),
    "case-long-term-end": post("U F N F N F A N F N", case),
    "case-figures": get("U F F F F A A F F F"),
    # 红黄黑榜: anyone reads a published quarter (tests/complaints/test_rankings_pages.py);
    # the draft (?draft=true) only officials.
    "supervision-rankings": get("U F F F F A F F F F", query="quarter=2026Q1&draft=true"),
    # 三色图 (#18): officials only; published 督办 for anyone.
    "supervision-colour-map": get("U F F F F A F F F F", query="month=2026-01"),
    "supervision-notices": get("A A A A A A A A A A"),
    # Walkthroughs
    "walkthrough-list": get("U A A A A A A A A A"),
    "walkthrough-detail": get("U N N N N A A A N N", walkthrough),
    "walkthrough-submit": post("U N N N N N N A N N", walkthrough),
    "checklist-current": get("U A A A A A A A A A"),
    "finding-promote": post("U N N N N A F F N N", lambda w: {"pk": w.finding.pk}),
    # 咨询
    "consultation-list": get("U A A A A A A A A A"),
    "consultation-detail": get("U A N N N A N N A N", consultation),
    "consultation-answer": post("U F N N N A N N A N", consultation),
    "consultation-to-case": post("U F N N N A N N A N", consultation),
    "consultation-rate": post("U A N N N F N N F N", consultation),
    # 办不成事 windows (the world's window and window case, as on the pages)
    "window-list": get("U A A A A A A A A A"),
    "window-cases": post("U N N N N N N N N A", lambda w: {"pk": w.window.pk}),
    "window-case-list": get("U A A A A A A A A A"),
    "window-case-detail": get("U N N N N A A N N A", window_case),
    "window-case-escalate": post("U N N N N A A N N A", window_case),
    "window-case-cause-analysis": post("U N N N N A A N N A", window_case),
    # 亲商管家's 走访 log
    "visit-list": get("U A A A A A A A A A"),
    "visit-detail": get("U A N N N A N N A N", visit),
    "visit-to-case": post("U F N N N A N N A N", lambda w: {"pk": w.visit.pk, "problem_id": w.visit_problem.pk}),
    # Roundtables
    "roundtable-session-list": get("A A A A A A A A A A"),
    "roundtable-session-detail": get("A A A A A A A A A A", session),
    "roundtable-session-registrations": post("U A A A A A A A A A", session),
    "roundtable-session-appeals": post("U A A A A A A A A A", session),
    "roundtable-registration-list": get("U A A A A A A A A A"),
    "roundtable-registration-detail": get("U A N N N A N N N N", lambda w: {"pk": w.registration.pk}),
    "roundtable-registration-cancel": post("U A N N N A N N N N", lambda w: {"pk": w.registration.pk}),
    # Policies and applications
    "policy-list": get("A A A A A A A A A A"),
    "policy-detail": get("A A A A A A A A A A", policy),
    "policy-eligible-enterprises": get("U F F F F A F F F F", policy),
    # 修订记录 (#18): the issuing department (X) and the 营商办; Y's handler 404.
    "policy-revisions": get("U F F A N A F F F F", policy),
    "policy-evaluate": post("U A A A A A A A A A", policy),
    "policy-application-list": get("U A A A A A A A A A"),
    "policy-application-detail": get("U A N A N A N N N N", application),
    "policy-application-files": post("U A N F N F N N N N", application),
    "policy-application-submit": post("U A N F N F N N N N", application),
    "policy-application-draft": post("U A N F N F N N N N", application),
    "policy-application-file": Row(
        "U A N F N F N N N N", "delete", lambda w: {"pk": w.application.pk, "file_pk": w.application_file.pk}
    ),
    "policy-application-rate": post("U A N F N F N N N N", application),
    "policy-application-start-review": post("U F N A N A N N N N", application),
    "policy-application-return-for-correction": post("U F N A N A N N N N", application),
    "policy-application-approve": post("U F N A N A N N N N", application),
    "policy-application-reject": post("U F N A N A N N N N", application),
    "policy-application-payout": post("U F N A N A N N N N", application),
    # 帮办代办 (#17): only staff who prepare; the world's application was not prepared by staff.
    "policy-application-prepare": post("U F F F F A F F A F"),
    "policy-application-send-to-confirm": post("U F N F N F N N N N", application),
    # 联审 (#18): the world's joint application (X's 审查遴选 policy) waits for Y's opinion. X's
    # reviewers asked already (409: A); Y sees it but does not request (403). Only Y (and
    # officials) answer for Y; A's member and X's handler see the application but may not.
    "policy-application-joint-review": post("U F N A F A N N N N", lambda w: {"pk": w.joint_application.pk}),
    "policy-application-joint-opinion": post(
        "U F N F A A N N N N", lambda w: {"pk": w.joint_application.pk, "department_id": w.y.pk}
    ),
}

#                     anon A B X Y off chief officer steward specialist
# Custom admin views, each decided on its own.
ADMIN_CUSTOM = {
    "admin:index": get("L L L L L A A L L L"),
    "admin:login": get("A A A A A A A A A A"),
    "admin:logout": post("A A A A A A A A A A"),
    "admin:password_change": get("L L L L L A A L L L"),
    "admin:password_change_done": get("L L L L L A A L L L"),
    "admin:jsi18n": get("L L L L L A A L L L"),
    "admin:autocomplete": get(
        "L L L L L A A L L L", query="app_label=roundtables&model_name=series&field_name=region&term=宣城"
    ),
    # No model of the portal has a public page of its own (get_absolute_url): 404 for staff.
    "admin:view_on_site": get(
        "L L L L L N N L L L", lambda w: {"content_type_id": w.case_content_type, "object_id": w.case.pk}
    ),
    # Only those who may change users set their passwords.
    "admin:auth_user_password_change": get("L L L L L F F L L L", lambda w: {"id": w.users["member_a"].pk}),
    # Importing creates and changes policies: the add permission; exporting: the view permission.
    "admin:policies_policy_import": get("L L L L L A F L L L"),
    "admin:policies_policy_process_import": post("L L L L L A F L L L"),
    "admin:policies_policy_export": get("L L L L L A A L L L"),
    "admin:roundtables_series_generate": get("L L L L L A F L L L", lambda w: {"pk": w.series.pk}),
    "admin:roundtables_session_publish": get("L L L L L A F L L L", draft_session),
    "admin:roundtables_session_cancel": get("L L L L L A F L L L", session),
    "admin:roundtables_session_invite": get("L L L L L A F L L L", session),
    "admin:roundtables_session_slots": get("L L L L L A F L L L", session),  # 生成预约时段
}
