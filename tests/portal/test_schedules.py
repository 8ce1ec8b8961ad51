"""Recurring work is declared next to its task and registered by a command (and migrate)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from portal.schedules import Recurring, declared_schedules

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_migrate_left_every_declared_schedule_registered():
    registered = {schedule.name: schedule for schedule in Schedule.objects.all()}
    for recurring in declared_schedules():
        assert registered[recurring.name].func == recurring.func
    sweep = registered["诉求件超期巡查"]
    assert (sweep.schedule_type, sweep.minutes) == (Schedule.MINUTES, 5)
    assert registered["恳谈会前一天提醒"].schedule_type == Schedule.DAILY


def test_the_command_restores_a_lost_or_changed_schedule_and_is_idempotent(capsys):
    Schedule.objects.filter(name="政策到期处理").delete()
    Schedule.objects.filter(name="诉求件超期巡查").update(minutes=60)
    kept = Schedule.objects.get(name="恳谈会前一天提醒").next_run
    call_command("sync_schedules")
    assert "1 created, 1 updated" in capsys.readouterr().out
    assert Schedule.objects.get(name="诉求件超期巡查").minutes == 5
    assert Schedule.objects.get(name="政策到期处理").func == "policies.tasks.expire_policies"
    assert Schedule.objects.get(name="恳谈会前一天提醒").next_run == kept  # unchanged rule, same next run
    call_command("sync_schedules")
    assert "0 created, 0 updated" in capsys.readouterr().out


def test_a_daily_schedule_first_runs_at_its_next_time():
    eight = Recurring(name="x", func="x.y", daily_at=dt.time(8, 0))
    assert eight.next_run(dt.datetime(2026, 12, 6, 7, 0, tzinfo=SHANGHAI)) == dt.datetime(
        2026, 12, 6, 8, 0, tzinfo=SHANGHAI
    )
    assert eight.next_run(dt.datetime(2026, 12, 6, 9, 0, tzinfo=SHANGHAI)) == dt.datetime(
        2026, 12, 7, 8, 0, tzinfo=SHANGHAI
    )
