"""The overdue sweep: one set-based statement, idempotent, one event per case and stage."""

import datetime as dt
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.models import Schedule

from complaints import services
from complaints.models import Case, CaseEvent, EventKind, Stage
from complaints.tasks import sweep_overdue_cases
from portal.models import Notification
from tests.cluster import run_cluster_until

pytestmark = pytest.mark.django_db


def _make_late(case, hours=1):
    Case.objects.filter(pk=case.pk).update(stage_due_at=timezone.now() - dt.timedelta(hours=hours))
    return Case.objects.get(pk=case.pk)


def test_sweep_flags_records_and_notifies_once(people, case_at):
    people.x.lead = people.official.__class__.objects.create_user("lead_x", password="x")
    people.x.save()
    late = _make_late(case_at("assigned"))
    on_time = case_at("assigned")

    assert sweep_overdue_cases() == 1
    late.refresh_from_db()
    on_time.refresh_from_db()
    assert late.stage_overdue_at is not None
    assert on_time.stage_overdue_at is None
    event = CaseEvent.objects.get(case=late, kind=EventKind.OVERDUE)
    assert (event.stage, event.round, event.is_public) == (Stage.MEASURES, 1, False)
    handler_note = Notification.objects.get(recipient=people.handler_x, kind="case.overdue")
    assert late.number in handler_note.title
    assert Notification.objects.filter(recipient=people.x.lead, kind="case.overdue").count() == 1
    assert Notification.objects.filter(recipient=people.official, kind="case.overdue.summary").count() == 1
    assert not Notification.objects.filter(recipient=people.handler_y, kind="case.overdue").exists()

    # A second run finds nothing new and writes nothing.
    counts = (CaseEvent.objects.count(), Notification.objects.count())
    assert sweep_overdue_cases() == 0
    assert (CaseEvent.objects.count(), Notification.objects.count()) == counts


def test_the_next_stage_is_escalated_separately(people, case_at):
    case = _make_late(case_at("assigned"))
    sweep_overdue_cases()
    case = services.case_set_measures(
        case=case,
        actor=people.handler_x,
        tasks=[
            {
                "task": "t",
                "measure": "m",
                "deadline": dt.date.today(),
                "department": people.x,
                "responsible_person": "r",
            }
        ],
    )
    assert case.stage_overdue_at is None
    _make_late(case)
    assert sweep_overdue_cases() == 1
    stages = sorted(CaseEvent.objects.filter(case=case, kind=EventKind.OVERDUE).values_list("stage", flat=True))
    assert stages == [Stage.FEEDBACK, Stage.MEASURES]


def test_suspended_and_finished_cases_are_left_alone(people, case_at):
    suspended = services.case_suspend(case=case_at("assigned"), actor=people.handler_x, reason="等待材料")
    _make_late(suspended)
    resolved = case_at("resolved")
    Case.objects.filter(pk=resolved.pk).update(stage_due_at=timezone.now() - dt.timedelta(days=3))
    assert sweep_overdue_cases() == 0


def test_the_sweep_runs_a_constant_number_of_queries(people, case_at):
    def late_cases(count):
        for _ in range(count):
            _make_late(case_at("accepted"))

    late_cases(2)
    with CaptureQueriesContext(connection) as few:
        assert sweep_overdue_cases() == 2
    late_cases(12)
    with CaptureQueriesContext(connection) as many:
        assert sweep_overdue_cases() == 12
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_sweep_is_scheduled():
    schedule = Schedule.objects.get(func="complaints.tasks.sweep_overdue_cases")
    assert schedule.schedule_type == Schedule.MINUTES
    assert schedule.minutes == 5


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_cluster_runs_the_scheduled_sweep(people, case_at):
    case = _make_late(case_at("assigned"))
    Schedule.objects.filter(func="complaints.tasks.sweep_overdue_cases").update(
        next_run=timezone.now() - dt.timedelta(minutes=1)
    )

    def swept():
        case.refresh_from_db()
        return case.stage_overdue_at is not None

    done, output = run_cluster_until(swept, timeout=90)
    assert done, output
    assert CaseEvent.objects.filter(case=case, kind=EventKind.OVERDUE).count() == 1


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_sweep_cancelled_midway_and_run_again_escalates_each_stage_once(people, case_at):
    import threading

    import psycopg2

    from tests.cluster import database_url_of_test_db

    late = [_make_late(case_at("assigned")) for _ in range(12)]
    # Another session holds one late case's row: the sweep's UPDATE flags the rows it
    # reaches first, then waits on this one — it is stopped in the middle of its work.
    blocker = psycopg2.connect(database_url_of_test_db())
    with blocker.cursor() as cursor:
        cursor.execute("SELECT id FROM complaints_case WHERE id = %s FOR UPDATE", [late[6].pk])
    outcome = {}

    def sweep():
        try:
            outcome["count"] = sweep_overdue_cases()
        except Exception as error:
            outcome["error"] = error
        finally:
            connection.close()

    sweeper = threading.Thread(target=sweep)
    watcher = psycopg2.connect(database_url_of_test_db())
    watcher.autocommit = True
    try:
        sweeper.start()
        with watcher.cursor() as cursor:
            waiting = None
            for _ in range(300):
                cursor.execute(
                    # This test's database only: another pytest-xdist worker may run a sweep of its own.
                    "SELECT pid FROM pg_stat_activity"
                    " WHERE datname = current_database() AND query LIKE %s AND wait_event_type = 'Lock'",
                    ["%WITH candidates AS%"],
                )
                waiting = cursor.fetchone()
                if waiting:
                    break
                time.sleep(0.1)
            assert waiting, "the sweep never reached the held row"
            cursor.execute("SELECT pg_cancel_backend(%s)", waiting)
    finally:
        blocker.rollback()
        blocker.close()
        watcher.close()
        sweeper.join(timeout=30)

    assert "canceling statement" in str(outcome.get("error")), outcome
    # The interrupted sweep left nothing half-done: no flag, no event, no message.
    assert not Case.objects.filter(stage_overdue_at__isnull=False).exists()
    assert not CaseEvent.objects.filter(kind=EventKind.OVERDUE).exists()
    assert not Notification.objects.filter(kind__startswith="case.overdue").exists()

    assert sweep_overdue_cases() == 12
    assert sweep_overdue_cases() == 0
    for case in late:
        assert CaseEvent.objects.filter(case=case, kind=EventKind.OVERDUE).count() == 1
        assert (
            Notification.objects.filter(
                recipient=people.handler_x, kind="case.overdue", title__contains=case.number
            ).count()
            == 1
        )
    assert Notification.objects.filter(recipient=people.official, kind="case.overdue.summary").count() == 1
