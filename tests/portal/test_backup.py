"""make backup / make restore round-trip a database: every table, every row, the same."""

import os
import subprocess
import uuid

import psycopg2
import pytest
from django.db import connection

from complaints import services as case_services
from complaints.models import ProblemCategory
from portal.embedded_db import binary
from portal.services import notification_send
from tests import factories
from tests.cluster import BASE_DIR, database_url_of_test_db

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _fingerprint(dsn: str) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row's text, per table of the public schema."""
    with psycopg2.connect(dsn) as db, db.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name"
        )
        tables = [row[0] for row in cursor.fetchall()]
        result = {}
        for table in tables:
            cursor.execute(
                f"SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM \"{table}\" t"  # noqa: S608
            )
            result[table] = cursor.fetchone()
    db.close()
    return result


def _make(target: str, database_url: str, **variables) -> None:
    # -o: the virtualenv is set up already; the test installs nothing.
    command = ["make", "-s", "-o", ".venv/.installed-stamp", target, *[f"{k}={v}" for k, v in variables.items()]]
    environment = {**os.environ, "DATABASE_URL": database_url, "PG_BINDIR": str(binary("pg_dump").parent)}
    subprocess.run(command, cwd=BASE_DIR, env=environment, check=True, capture_output=True, timeout=300)


def test_backup_and_restore_bring_back_every_row(tmp_path):
    member = factories.enterprise_user(factories.enterprise(name="宣城备份测试有限公司"))
    notification_send(recipient=member, kind="test", title="备份前的通知", dedup_key="backup-1")
    case_services.case_file(
        actor=member,
        channel="web",
        title="备份与恢复",
        description="含中文与特殊字符：'\"\\ 😀",
        category=ProblemCategory.objects.get(name="其他"),
        complainant_name="王备份",
    )
    source_url = database_url_of_test_db()
    source = _fingerprint(source_url)
    assert source["complaints_case"][0] == 1 and source["portal_notification"][0] >= 1

    dump = tmp_path / "qinqing.dump"
    _make("backup", source_url, BACKUP_FILE=dump)
    assert dump.stat().st_size > 0

    target_name = f"restore_check_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(source_url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{target_name}"')
    try:
        target_url = source_url.rsplit("/", 1)[0] + f"/{target_name}"
        _make("restore", target_url, BACKUP_FILE=dump, CONFIRM="yes")
        restored = _fingerprint(target_url)
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{target_name}" WITH (FORCE)')
        admin.close()

    assert restored == source
    assert connection.settings_dict["NAME"] != target_name
