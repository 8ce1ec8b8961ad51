"""What operators rely on: the health check, demo data, deployment settings."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from portal.models import Department, Enterprise, EnterpriseMembership, Region, User

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_answers_200_with_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_healthz_answers_503_without_the_database(client):
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["HOST"] = "/nonexistent-socket-dir"
    connection.settings_dict["PORT"] = "1"
    try:
        response = client.get("/healthz")
    finally:
        connection.close()
        connection.settings_dict.update(original)
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


@pytest.mark.django_db
def test_seed_demo_is_idempotent():
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    counts = (Region.objects.count(), Department.objects.count(), Enterprise.objects.count(), User.objects.count())
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert counts == (
        Region.objects.count(),
        Department.objects.count(),
        Enterprise.objects.count(),
        User.objects.count(),
    )
    assert counts[2] == 300
    assert 15 <= counts[1] <= 20
    assert Region.objects.get(code="341800").name == "宣城市"
    for username in ["official", "chief", "handler", "handler2", "enterprise", "enterprise2", "officer"]:
        assert User.objects.get(username=username).check_password("qinqing-demo")
    assert User.objects.get(username="handler").department.short_name == "发改委"
    assert User.objects.get(username="handler2").department.short_name == "自然资源和规划局"
    first = EnterpriseMembership.objects.get(user__username="enterprise").enterprise
    second = EnterpriseMembership.objects.get(user__username="enterprise2").enterprise
    assert first != second
    # Every generated credit code passes validation.
    for enterprise in Enterprise.objects.all():
        enterprise.full_clean()

    # Messages about cases go to the complainant's side, never to the official who
    # typed the cases in; and the figures own up to the late stages.
    from complaints.reporting import selectors as reports
    from portal.models import Notification

    official = User.objects.get(username="official")
    complainant_kinds = ["case.not_accepted", "case.feedback", "case.resolved"]
    assert not Notification.objects.filter(recipient=official, kind__in=complainant_kinds).exists()
    assert Notification.objects.filter(recipient__username="enterprise", kind__in=complainant_kinds).exists()
    summary = reports.dashboard().summary
    assert summary.overdue_open > 0
    assert summary.on_time_rate.fraction < 1
    assert 0 < summary.return_visits < summary.resolved
    # Deadlines the portal would have given: on working days, at the end of office hours.
    from django.utils import timezone

    from complaints.models import Case
    from portal.workdays import WorkCalendar

    calendar = WorkCalendar()
    for due in Case.objects.filter(stage_due_at__isnull=False).values_list("stage_due_at", flat=True):
        local = timezone.localtime(due)
        assert calendar.is_working_day(local.date()) and local.strftime("%H:%M") == "17:30", local


def test_deploy_check_is_clean_with_production_settings():
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "a-real-secret-" + "x" * 50,
        "ALLOWED_HOSTS": "portal.example.gov.cn",
        "DATABASE_URL": "postgres://qinqing@db.invalid:5432/qinqing",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_static_files_are_compressed_and_cache_busted(tmp_path):
    """With DEBUG off, collectstatic (the deploy step) writes each file under a name
    carrying a hash of its content, with a gzip copy, and the manifest pages link by."""
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "a-real-secret-" + "x" * 50,
        "ALLOWED_HOSTS": "portal.example.gov.cn",
        "DATABASE_URL": "postgres://qinqing@db.invalid:5432/qinqing",
        "STATIC_ROOT": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    paths = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in ["portal/portal.css", "vendor/bootstrap/js/bootstrap.bundle.min.js", "portal/favicon.svg"]:
        stem, extension = name.rsplit(".", 1)
        assert re.fullmatch(rf"{re.escape(stem)}\.[0-9a-f]{{12}}\.{extension}", paths[name]), paths[name]
        assert (tmp_path / f"{paths[name]}.gz").is_file()
    # Development and the tests use the files as they are: no collectstatic needed.
    assert settings.STORAGES["staticfiles"]["BACKEND"] == "django.contrib.staticfiles.storage.StaticFilesStorage"


def test_production_refuses_the_development_secret():
    env = {**os.environ, "DEBUG": "0", "DATABASE_URL": "postgres://qinqing@db.invalid:5432/qinqing"}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
