"""咨询 on the portal's pages: an enterprise member asks, its 管家 (or with none the 营商办)
answers within the working-day limit set in the admin, flagged like cases; a question
that is a problem becomes a case in one action, keeping the link; the enterprise rates
the answer once; the sweep flags those past their limit; the dashboard counts 咨询按时答复."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import Schedule

from complaints.consultations import services
from complaints.consultations.selectors import consultation_figures
from complaints.models import Case, Channel, Consultation, ConsultationRule, Rating, Status
from complaints.reporting.selectors import Period
from complaints.tasks import sweep_overdue_consultations
from portal import roles
from portal import services as portal_services
from portal.models import Enterprise, Notification
from portal.schedules import sync_schedules
from tests import factories

pytestmark = pytest.mark.django_db

# A Monday in a year the working-day calendar knows, mid-morning.
MONDAY = timezone.make_aware(dt.datetime(2025, 3, 3, 10, 0))
QUESTION = "高新技术企业认定需要准备哪些材料？研发费用占比怎么计算？"


@pytest.fixture
def steward(people):
    """Enterprise A's 亲商管家, of 经信局. Enterprise B has none."""
    unit = factories.department("宣城市经济和信息化局", people.x.region)
    account = factories.user(
        roles.STEWARD, username="steward", full_name="马管家", work_phone="0563-3021234", department=unit
    )
    portal_services.steward_assign(
        enterprises=Enterprise.objects.filter(pk=people.enterprise_a.pk),
        steward=account,
        actor=factories.user(is_staff=True, is_superuser=True),
    )
    return account


@pytest.fixture
def ask(people, steward):
    def make(*, actor=None, enterprise=None, question=QUESTION):
        return services.consultation_ask(
            actor=actor or people.member_a, enterprise=enterprise or people.enterprise_a, question=question
        )

    return make


def login(client, user):
    client.force_login(user)
    return client


def make_late(consultation, hours=1):
    Consultation.objects.filter(pk=consultation.pk).update(answer_due_at=timezone.now() - dt.timedelta(hours=hours))
    return Consultation.objects.get(pk=consultation.pk)


# --- Asking -------------------------------------------------------------------------------


def test_a_member_asks_on_the_web_and_is_told_when_the_answer_is_due(client, people, steward):
    login(client, people.member_a)
    with time_machine.travel(MONDAY, tick=False):
        form = client.get(f"/consultations/new/?enterprise={people.enterprise_a.pk}")
        assert form.status_code == 200
        assert "3个工作日内答复" in form.content.decode()
        response = client.post("/consultations/new/", {"enterprise": people.enterprise_a.pk, "question": QUESTION})
    consultation = Consultation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/consultations/{consultation.pk}/"
    # Three working days after Monday morning, at the end of office hours.
    assert timezone.localtime(consultation.answer_due_at) == timezone.make_aware(dt.datetime(2025, 3, 6, 17, 30))
    page = client.get(response["Location"]).content.decode()
    assert QUESTION in page and "2025-03-06 17:30" in page and "待答复" in page
    assert "马管家" in page and "0563-3021234" in page
    # Its 管家 is told, and nobody at the 营商办 (the firm has a 管家).
    notice = Notification.objects.get(recipient=steward, kind="consultation.asked")
    assert notice.link == f"/consultations/{consultation.pk}/" and "高新技术企业认定" in notice.title
    assert not Notification.objects.filter(recipient=people.official, kind="consultation.asked").exists()


def test_a_firm_without_a_steward_is_answered_by_the_office(people, steward):
    consultation = services.consultation_ask(actor=people.member_b, enterprise=people.enterprise_b, question="问题")
    assert Notification.objects.filter(recipient=people.official, kind="consultation.asked").count() == 1
    assert not Notification.objects.filter(recipient=steward, kind="consultation.asked").exists()
    assert consultation.enterprise == people.enterprise_b


def test_an_empty_question_keeps_the_form_and_says_why(client, people, steward):
    login(client, people.member_a)
    response = client.post("/consultations/new/", {"enterprise": people.enterprise_a.pk, "question": "   "})
    assert response.status_code == 400
    assert "该字段是必填项" in response.content.decode()
    assert not Consultation.objects.exists()


def test_only_members_of_an_enterprise_may_ask(client, people, steward):
    for user in (people.handler_x, people.official, steward):
        assert login(client, user).get("/consultations/new/").status_code == 403
    # A member may not ask in the name of another enterprise: the form offers only theirs.
    login(client, people.member_b)
    response = client.post("/consultations/new/", {"enterprise": people.enterprise_a.pk, "question": QUESTION})
    assert response.status_code == 400 and not Consultation.objects.exists()


def test_the_limit_is_set_in_the_admin_and_applies_to_new_questions(client, people, ask):
    with time_machine.travel(MONDAY, tick=False):
        earlier = ask()
        login(client, people.official)
        page = client.get("/admin/complaints/consultationrule/1/change/")
        assert page.status_code == 200
        assert client.get("/admin/complaints/consultationrule/add/").status_code == 403
        response = client.post("/admin/complaints/consultationrule/1/change/", {"answer_days": 1})
        assert response.status_code == 302
        assert ConsultationRule.objects.get().answer_days == 1
        later = ask()
        refused = client.post("/admin/complaints/consultationrule/1/change/", {"answer_days": 0})
        assert refused.status_code == 200 and "至少为1个工作日" in refused.content.decode()
    assert timezone.localtime(later.answer_due_at).date() == dt.date(2025, 3, 4)
    earlier.refresh_from_db()
    assert timezone.localtime(earlier.answer_due_at).date() == dt.date(2025, 3, 6)


# --- Answering ------------------------------------------------------------------------------


def test_the_steward_answers_and_the_asker_is_told(client, people, steward, ask, sms_outbox):
    consultation = ask()
    login(client, steward)
    page = client.get(f"/consultations/{consultation.pk}/").content.decode()
    assert 'data-action="answer"' in page and 'data-action="to_case"' in page
    response = client.post(
        f"/consultations/{consultation.pk}/answer/", {"answer": "请准备知识产权证明和研发费用专项审计报告。"}
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.answered_by == steward and consultation.answered_at is not None
    notice = Notification.objects.get(recipient=people.member_a, kind="consultation.answered")
    assert notice.send_sms and notice.link == f"/consultations/{consultation.pk}/"
    page = login(client, people.member_a).get(f"/consultations/{consultation.pk}/").content.decode()
    assert "专项审计报告" in page and "马管家（宣城市经济和信息化局）" in page
    assert 'data-action="rate"' in page and 'data-action="answer"' not in page


def test_answering_twice_is_refused_clearly(client, people, steward, ask):
    consultation = ask()
    services.consultation_answer(consultation=consultation, actor=steward, answer="第一次答复")
    login(client, people.official)
    response = client.post(f"/consultations/{consultation.pk}/answer/", {"answer": "第二次答复"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "不能重复答复" in body and "第二次答复" in body  # what was typed stays on the page
    consultation.refresh_from_db()
    assert consultation.answer == "第一次答复"


def test_officials_may_always_answer_and_others_may_not(client, people, steward, ask):
    consultation = ask()
    url = f"/consultations/{consultation.pk}/answer/"
    other_steward = factories.user(roles.STEWARD, username="steward2")
    # Those who may not see it are told it does not exist; the asker's side may see it but not answer.
    for user in (people.member_b, people.handler_x, people.chief, other_steward):
        assert login(client, user).post(url, {"answer": "答复"}).status_code == 404, user
    assert login(client, people.member_a).post(url, {"answer": "答复"}).status_code == 403
    assert login(client, people.official).post(url, {"answer": "营商办答复"}).status_code == 302
    consultation.refresh_from_db()
    assert consultation.answered_by == people.official


# --- To a case ---------------------------------------------------------------------------------


def test_a_question_that_is_a_problem_becomes_a_case_keeping_the_link(client, people, steward, ask, category):
    consultation = ask(question="园区道路破损严重，货车无法通行，希望尽快修复。")
    login(client, steward)
    response = client.post(f"/consultations/{consultation.pk}/to-case/", {"category": category.pk})
    assert response.status_code == 302
    consultation.refresh_from_db()
    case = consultation.case
    assert case.channel == Channel.CONSULTATION and case.status == Status.ACCEPTED
    assert case.enterprise == people.enterprise_a and case.category == category
    assert case.complainant_name == people.member_a.get_full_name()
    assert case.title.startswith("园区道路破损严重") and "货车无法通行" in case.description
    assert case.events.filter(kind="accepted", note__contains="马管家").exists()
    assert Notification.objects.filter(recipient=people.member_a, kind="consultation.to_case").exists()

    # The asker follows the case; its page says where it came from, with a link back.
    page = login(client, people.member_a).get(f"/cases/{case.number}/").content.decode()
    assert "由咨询转入" in page and f'href="/consultations/{consultation.pk}/"' in page
    detail = client.get(f"/consultations/{consultation.pk}/").content.decode()
    assert f'href="/cases/{case.number}/"' in detail and "已转诉求" in detail

    # A second time, or an answer now, is refused: the case carries the question on.
    again = login(client, people.official).post(f"/consultations/{consultation.pk}/to-case/", {})
    assert again.status_code == 409 and case.number in again.content.decode()
    assert client.post(f"/consultations/{consultation.pk}/answer/", {"answer": "答复"}).status_code == 409
    assert Case.objects.filter(channel=Channel.CONSULTATION).count() == 1


def test_a_case_from_another_channel_says_nothing_of_consultations(client, people, case_at):
    case = case_at("accepted")
    page = login(client, people.member_a).get(f"/cases/{case.number}/").content.decode()
    assert "由咨询转入" not in page


def test_the_case_page_shows_the_origin_without_a_link_to_those_who_may_not_open_it(client, people, steward, ask):
    consultation = ask()
    case = services.consultation_to_case(consultation=consultation, actor=people.official)
    # The chief officer sees the case (all cases) but not the consultation.
    page = login(client, people.chief).get(f"/cases/{case.number}/").content.decode()
    assert "由咨询转入" in page and f"/consultations/{consultation.pk}/" not in page
    assert client.get(f"/consultations/{consultation.pk}/").status_code == 404


# --- Rating ---------------------------------------------------------------------------------


def test_the_enterprise_rates_the_answer_once(client, people, steward, ask):
    consultation = ask()
    login(client, people.member_a)
    early = client.post(f"/consultations/{consultation.pk}/rate/", {"rating": Rating.SATISFIED})
    assert early.status_code == 409 and "尚未答复" in early.content.decode()
    services.consultation_answer(consultation=consultation, actor=steward, answer="答复")
    assert (
        login(client, steward).post(f"/consultations/{consultation.pk}/rate/", {"rating": Rating.SATISFIED}).status_code
        == 403
    )
    login(client, people.member_a)
    response = client.post(
        f"/consultations/{consultation.pk}/rate/", {"rating": Rating.BASICALLY_SATISFIED, "comment": "答复及时"}
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert (consultation.rating, consultation.rating_comment) == (Rating.BASICALLY_SATISFIED, "答复及时")
    page = client.get(f"/consultations/{consultation.pk}/").content.decode()
    assert "基本满意" in page and 'data-action="rate"' not in page
    again = client.post(f"/consultations/{consultation.pk}/rate/", {"rating": Rating.UNSATISFIED})
    assert again.status_code == 409 and "只能评价一次" in again.content.decode()
    assert Notification.objects.filter(recipient=steward, kind="consultation.rated").count() == 1


# --- Lists, flags and filters -----------------------------------------------------------------


def test_each_side_lists_only_its_consultations(client, people, steward, ask):
    mine = ask(question="咨询甲：用地指标")
    theirs = services.consultation_ask(
        actor=people.member_b, enterprise=people.enterprise_b, question="咨询乙：人才公寓"
    )
    page = login(client, people.member_a).get("/consultations/").content.decode()
    assert "咨询甲" in page and "咨询乙" not in page and 'data-testid="ask"' in page
    assert client.get("/consultations/answers/").status_code == 403
    page = login(client, steward).get("/consultations/answers/").content.decode()
    assert "咨询甲" in page and "咨询乙" not in page
    page = login(client, people.official).get("/consultations/answers/").content.decode()
    assert "咨询甲" in page and "咨询乙" in page
    for user in (people.handler_x, people.chief):
        assert login(client, user).get("/consultations/answers/").status_code == 403
        assert "咨询甲" not in client.get("/consultations/").content.decode()
        assert client.get(f"/consultations/{mine.pk}/").status_code == 404
    assert login(client, people.member_b).get(f"/consultations/{mine.pk}/").status_code == 404
    assert login(client, steward).get(f"/consultations/{theirs.pk}/").status_code == 404


def test_flags_and_filters_as_cases_have_them(client, people, steward, ask):
    late = make_late(ask(question="超期的问题"))
    waiting = ask(question="在期限内的问题")
    answered = ask(question="已答复的问题")
    services.consultation_answer(consultation=answered, actor=steward, answer="答复")
    turned = ask(question="转为诉求的问题")
    services.consultation_to_case(consultation=turned, actor=steward)
    login(client, steward)
    page = client.get("/consultations/answers/").content.decode()
    assert f'data-consultation="{late.pk}"' in page
    row = page[page.index(f'data-consultation="{late.pk}"') :]
    assert 'data-flag="red"' in row[:3000] and "超期" in row[:3000]

    def listed(query):
        body = client.get(f"/consultations/answers/?{query}").content.decode()
        return {c.pk for c in (late, waiting, answered, turned) if f'data-consultation="{c.pk}"' in body}

    assert listed("overdue=true") == {late.pk}
    assert listed("overdue=false") == {waiting.pk, answered.pk, turned.pk}
    assert listed("status=pending") == {late.pk, waiting.pk}
    assert listed("status=answered") == {answered.pk}
    assert listed("status=to_case") == {turned.pk}
    assert listed("status=nonsense") == set()


@pytest.mark.parametrize("url", ["/consultations/", "/consultations/answers/"])
def test_the_lists_run_a_constant_number_of_queries(client, people, steward, ask, django_assert_num_queries, url):
    user = people.member_a if url == "/consultations/" else steward
    ask()
    login(client, user)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for index in range(6):
        consultation = ask(question=f"问题{index}")
        if index % 2:
            services.consultation_answer(consultation=consultation, actor=steward, answer="答复")
        if index == 4:
            services.consultation_to_case(consultation=consultation, actor=steward)
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(url).status_code == 200


# --- The overdue sweep ------------------------------------------------------------------------


def test_the_sweep_flags_a_late_question_once_and_tells_its_steward(people, steward, ask):
    late = make_late(ask(question="超期未答复的问题"))
    on_time = ask()
    answered = make_late(ask())
    services.consultation_answer(consultation=answered, actor=steward, answer="答复")

    assert sweep_overdue_consultations() == 1
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.overdue_at is not None and on_time.overdue_at is None
    notice = Notification.objects.get(recipient=steward, kind="consultation.overdue")
    assert "超期未答复的问题" in notice.title and notice.link == f"/consultations/{late.pk}/"
    assert Notification.objects.filter(recipient=people.official, kind="consultation.overdue.summary").count() == 1

    count = Notification.objects.count()
    assert sweep_overdue_consultations() == 0
    assert Notification.objects.count() == count


def test_the_sweep_is_scheduled_like_the_case_sweep(db):
    sync_schedules()
    schedule = Schedule.objects.get(func="complaints.tasks.sweep_overdue_consultations")
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 5


# --- Figures -------------------------------------------------------------------------------------


def test_consultation_figures_count_answers_on_time(people, steward, ask):
    on_time = ask()
    services.consultation_answer(consultation=on_time, actor=steward, answer="答复")
    services.consultation_rate(consultation=on_time, actor=people.member_a, rating=Rating.SATISFIED)
    late_answer = make_late(ask())
    services.consultation_answer(consultation=late_answer, actor=steward, answer="答复")
    services.consultation_rate(consultation=late_answer, actor=people.member_a, rating=Rating.UNSATISFIED)
    make_late(ask())  # still waiting, past its limit
    ask()  # waiting, in time
    services.consultation_to_case(consultation=ask(), actor=steward)

    figures = consultation_figures(Period.this_year())
    assert (figures.asked, figures.answered, figures.answered_on_time) == (5, 2, 1)
    assert (figures.overdue_unanswered, figures.to_case) == (1, 1)
    assert str(figures.on_time_rate) == "33.3%"  # 1 on time of 2 answered + 1 late
    assert str(figures.satisfaction_rate) == "50.0%"
    assert consultation_figures(Period(dt.date(2000, 1, 1), dt.date(2000, 12, 31))).asked == 0


def test_the_dashboard_shows_consultations_answered_on_time(client, people, steward, ask):
    consultation = ask()
    services.consultation_answer(consultation=consultation, actor=steward, answer="答复")
    page = login(client, people.official).get("/reports/dashboard/").content.decode()
    section = page[page.index('data-testid="consultation-figures"') :]
    assert "咨询按时答复" in section
    assert 'data-testid="consultations-asked">1<' in section
    assert 'data-testid="consultations-on-time-rate">100.0%<' in section


# --- Start page and admin ----------------------------------------------------------------------


def test_the_start_page_says_what_waits(client, people, steward, ask):
    consultation = ask()
    make_late(ask())
    page = login(client, steward).get("/").content.decode()
    assert "待答复的咨询" in page and "/consultations/answers/?status=pending" in page
    assert "超期未答复的咨询" in page
    services.consultation_answer(consultation=consultation, actor=steward, answer="答复")
    page = login(client, people.member_a).get("/").content.decode()
    assert "待评价的咨询答复" in page


def test_the_admin_lists_consultations_read_only(client, people, steward, ask):
    consultation = ask()
    make_late(ask(question="超期的问题"))
    login(client, people.official)
    listing = client.get("/admin/complaints/consultation/?overdue=yes")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "超期的问题" in body and QUESTION[:20] not in body
    assert client.get("/admin/complaints/consultation/?state=pending").status_code == 200
    change = client.get(f"/admin/complaints/consultation/{consultation.pk}/change/")
    assert change.status_code == 200 and 'name="question"' not in change.content.decode()
    assert client.get("/admin/complaints/consultation/add/").status_code == 403
    assert client.post(f"/admin/complaints/consultation/{consultation.pk}/delete/").status_code == 403


# --- Demo data ------------------------------------------------------------------------------------


def test_the_demo_shows_each_step_and_runs_twice(people, steward):
    from complaints.consultations import demo

    factories.enterprise_user(people.enterprise_a, username="enterprise", full_name="陈企业")
    factories.enterprise_user(people.enterprise_b, username="enterprise2", full_name="林企业")
    steward.username = "steward"
    demo.seed()
    demo.seed()
    consultations = Consultation.objects.filter(enterprise=people.enterprise_a)
    assert consultations.count() == len(demo.QUESTIONS)
    assert consultations.filter(answered_by=steward).count() == 2
    assert consultations.filter(answered_at__lte=models.F("answer_due_at")).count() == 2
    assert consultations.exclude(rating="").count() == 1
    assert consultations.filter(case__channel=Channel.CONSULTATION).count() == 1
    assert consultations.filter(overdue_at__isnull=False, answered_at__isnull=True).count() == 1
    assert Consultation.objects.get(enterprise=people.enterprise_b).answered_by == people.official
