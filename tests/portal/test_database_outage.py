"""PostgreSQL stops while the portal serves: pages answer a Chinese 503 page and the API
a 503 in its error shape, never a traceback; when PostgreSQL is back the same portal
process answers 200 again, without a restart.

The portal runs as gunicorn (one sync worker, so its persistent connection is the one
that broke) against a throwaway server, so the suite's test database is left alone."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from django.db import connection

from tests.throwaway_postgres import BASE_DIR, ThrowawayPostgres, pg_binary

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

# A page read from the database each time (the catalogue is kept in the cache: portal/pagecache.py).
PAGE, API = "/roundtables/", "/api/v1/policies/"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(base: str, path: str) -> tuple[int, str, dict]:
    try:
        with urllib.request.urlopen(base + path, timeout=30) as response:  # noqa: S310 (our own server)
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


@pytest.fixture
def throwaway():
    server = ThrowawayPostgres().start()
    yield server
    server.discard()


def _copy_schema(server: ThrowawayPostgres, name: str) -> None:
    """The portal's tables on the throwaway server: the test database's schema, copied."""
    params = connection.settings_dict
    server.create_database(name)
    dump = subprocess.run(
        [
            pg_binary("pg_dump"),
            "--schema-only",
            "--no-owner",
            "-h",
            params["HOST"],
            "-p",
            str(params["PORT"]),
            "-U",
            params["USER"],
            params["NAME"],
        ],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(
        [
            pg_binary("psql"),
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            server.socket_dir,
            "-p",
            server.port,
            "-U",
            "postgres",
            name,
        ],
        input=dump,
        check=True,
        capture_output=True,
    )


def test_the_portal_answers_503_while_postgres_is_down_and_recovers_without_restart(throwaway):
    _copy_schema(throwaway, "outage")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    portal = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "60",
        ],
        cwd=BASE_DIR,
        env={**os.environ, "DATABASE_URL": throwaway.url("outage"), "CONN_MAX_AGE": "600"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(base, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline and portal.poll() is None, "the portal did not start"
            time.sleep(0.5)
        assert _get(base, PAGE)[0] == 200
        assert _get(base, API)[0] == 200

        throwaway.stop()

        status, page, headers = _get(base, PAGE)
        assert status == 503
        assert "服务暂时不可用" in page and "数据库暂时无法访问，请稍后再试。" in page
        assert "Traceback" not in page and "OperationalError" not in page
        assert headers["Retry-After"] == "30"
        status, body, headers = _get(base, API)
        assert status == 503 and headers["Content-Type"] == "application/json"
        assert json.loads(body) == {"errors": [{"field": None, "message": "数据库暂时无法访问，请稍后再试。"}]}
        assert _get(base, "/healthz")[0] == 503

        throwaway.start()

        # The same gunicorn worker, not restarted, serves again on the first try.
        assert _get(base, PAGE)[0] == 200
        assert _get(base, API)[0] == 200
        assert portal.poll() is None
    finally:
        portal.terminate()
        output, _ = portal.communicate(timeout=30)
    assert "Traceback" not in output, output


def test_a_database_error_outside_the_views_also_answers_503(rf):
    from django.db import OperationalError

    from portal.views import server_error

    for path, content_type in [("/cases/", "text/html; charset=utf-8"), ("/api/v1/cases/", "application/json")]:
        try:
            raise OperationalError("connection refused")
        except OperationalError:
            response = server_error(rf.get(path))
        assert response.status_code == 503
        assert response["Content-Type"] == content_type
        assert "数据库暂时无法访问" in response.content.decode()
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(rf.get("/")).status_code == 500
