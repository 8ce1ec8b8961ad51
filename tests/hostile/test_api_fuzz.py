"""Schemathesis against the portal's own OpenAPI schema, as an outside tester runs it: the
schemathesis CLI, in a process of its own, over HTTP against the live server (pytest-django's,
on the test database), once per role: anonymous, an enterprise member, a handler and an
official. The schema is read from the server, so a new endpoint is covered without editing
this file (its path parameters need an entry in ``_real_path_parameters``; the run says so).

``--checks all`` with the examples and fuzzing phases, both generation modes, a fixed seed
and a bounded example count: every response is checked for a server error, a status code,
content type, headers or body the schema does not declare, schema-breaking input accepted,
schema-conforming input refused, a missing required header or an unsupported method not
refused, and authentication not enforced. Plus one check of the portal's own
(tests/hostile/schemathesis_hooks.py): an anonymous caller reaches nothing but the public reads.

Checks switched off, with the reason (``EXCLUDED``): none but the stateful ones, which need
the stateful phase this run does not have (they would report nothing). Checks relaxed for
some operations, with the reason (``RELAXED``): schema-valid writes may be refused with
400 by rules of the domain no schema states. Everything else the server may answer is in
the schema (portal.api.schema: 400/403/404/405/413/415 everywhere, 409 on state
transitions, 429 where a throttle applies).

Requests are real: a POST that succeeds changes the world, so later requests of the run
meet objects in other states (409 answers, documented in the schema). The world is rebuilt
for each role.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from portal.models import Industry

pytestmark = pytest.mark.schemathesis

ROLES = ["anonymous", "member", "handler", "official"]
SEED = 19
# Per operation and phase; fuzzing splits them between positive and negative input. An
# anonymous caller is refused before its input is read: fewer tell as much.
MAX_EXAMPLES = {"anonymous": 2, "member": 3, "handler": 3, "official": 3}
EXCLUDED: dict[str, str] = {
    # Stateful checks: they follow links between operations in the stateful phase, which
    # this bounded run leaves out (examples and fuzzing only).
    "use_after_free": "needs the stateful phase",
    "ensure_resource_availability": "needs the stateful phase",
    "object_level_authorization": "needs the stateful phase and two identities in one run",
}
# What an anonymous caller may do: read the public policy and roundtable catalogues and
# the published supervision (督办公示, 红黄黑榜), and exchange a username and password for a token.
PUBLIC = [
    "GET /api/v1/supervision/notices/",
    "GET /api/v1/supervision/rankings/",
    "GET /api/v1/policies/",
    "GET /api/v1/policies/{id}/",
    "GET /api/v1/roundtables/",
    "GET /api/v1/roundtables/{id}/",
    "POST /api/v1/auth/token/",
]
# Where a check cannot apply to some operations: which (schemathesis' operation filters),
# the statuses it also accepts there, and why. Nothing else is relaxed.
RELAXED: list[tuple[dict, str, list[str], str]] = [
    (
        {"include-method": ["POST", "PUT", "PATCH", "DELETE"]},
        "positive_data_acceptance",
        ["2xx", "3xx", "400", "401", "403", "404", "409", "429"],
        "a write is checked against the database and the rules of the domain, which no schema "
        "can state: an id must name an object the caller may use (编号不存在), a date must be a "
        "working day after today, a walkthrough must be complete to submit, a phone number must "
        "be a mobile number, text must not carry NUL. Those answer 400 with a message in the "
        "error shape (the schema documents 400 for every operation); reads stay strict",
    ),
    (
        {"include-method": "GET", "include-path": "/api/v1/reports/case-figures/"},
        "positive_data_acceptance",
        ["2xx", "400", "401", "403", "404"],
        "a period whose from is after its to, or outside 2000–2099, is refused with 400: "
        "OpenAPI 3.0 cannot relate two parameters or bound a date",
    ),
]
HOOKS = "tests.hostile.schemathesis_hooks"
BASE_DIR = Path(__file__).resolve().parents[2]

# Totals over the module, printed with each role's line (pytest -s, or the captured output).
FIGURES = {"requests": 0, "seconds": 0.0}


def _real_path_parameters(world) -> dict[str, dict]:
    """For each collection of the API, the path parameters of an object of the world."""
    return {
        "applications": {"id": world.application.pk, "department_id": world.x.pk},  # joint-opinions/{department_id}
        "cases": {"number": world.case.number},
        "consultations": {"id": world.consultation.pk},
        "departments": {"id": world.x.pk},
        "enterprises": {"id": world.enterprise_a.pk},
        "findings": {"id": world.finding.pk},
        "industries": {"id": Industry.objects.values_list("pk", flat=True).first() or 1},
        "policies": {"id": world.policy.pk},
        "regions": {"id": world.city.pk},
        "registrations": {"id": world.registration.pk},
        "roundtables": {"id": world.session.pk},
        "visits": {"id": world.visit.pk, "problem_id": world.visit_problem.pk},
        "walkthroughs": {"id": world.walkthrough.pk},
        "windows": {"id": world.window.pk},
        "window-cases": {"number": world.window_case.number},
    }


# Path parameters of objects the world does not have: always generated (mostly 404s).
GENERATED_ONLY = {
    "task_id": "the world's case has no measures, so no tasks",
    "file_pk": "the world's application has no files",
}


@pytest.mark.django_db
def test_every_collection_has_an_object_of_the_world(world):
    """The fuzz runs past the 404 only where it knows an object: a new collection or path
    parameter needs an entry in ``_real_path_parameters`` (or in ``GENERATED_ONLY``)."""
    schema = Client().get("/api/schema/?format=json").json()
    real = _real_path_parameters(world)
    missing = [
        f"{path}: {{{name}}} (collection {collection!r})"
        for path in schema["paths"]
        for collection in [path.removeprefix("/api/v1/").split("/")[0]]
        for name in re.findall(r"\{(\w+)\}", path)
        if name not in real.get(collection, {}) and name not in GENERATED_ONLY
    ]
    assert not missing, (
        "path parameters with no object of the world; add them to _real_path_parameters in "
        "tests/hostile/test_api_fuzz.py (an object of tests/hostile/conftest.py's world), or to "
        "GENERATED_ONLY with the reason:\n" + "\n".join(sorted(set(missing)))
    )


def _config(folder: Path) -> Path:
    """schemathesis.toml with the exceptions of ``RELAXED``."""
    lines = []
    for filters, check, statuses, _reason in RELAXED:
        lines.append("[[operations]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in filters.items()]
        lines.append(f"checks.{check}.expected-statuses = {json.dumps(statuses)}")
    config = folder / "schemathesis.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def _schemathesis(base_url: str, *, role: str, token: str | None, real: dict, folder: Path) -> tuple[int, str]:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        f"--config-file={_config(folder)}",
        "run",
        f"{base_url}/api/schema/?format=json",
        "--checks=all",
        *(f"--exclude-checks={name}" for name in EXCLUDED),
        "--phases=examples,fuzzing",
        f"--seed={SEED}",
        f"--max-examples={MAX_EXAMPLES[role]}",
        "--workers=1",
        "--no-shrink",
        "--continue-on-failure",
        "--suppress-health-check=all",
        "--request-timeout=30",
        "--output-truncate=false",
        "--report=ndjson",
        f"--report-ndjson-path={folder / 'events.ndjson'}",
        # The schema offers session and token authentication. Naming the session cookie
        # (with no session) tells schemathesis the credentials are the test's own: else it
        # takes a cookie it generated itself for the credentials, and the token's 200 for
        # "invalid authentication accepted".
        "-H",
        "Cookie: sessionid=none",
    ]
    if token:
        command += ["-H", f"Authorization: Token {token}"]
    environment = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": HOOKS,
        "QINQING_REAL_PATH_PARAMETERS": json.dumps(real),
        "NO_COLOR": "1",
        "COLUMNS": "160",
    }
    if role == "anonymous":
        environment["QINQING_PUBLIC_OPERATIONS"] = json.dumps(PUBLIC)
    # The server runs in this process's threads; the CLI in its own process, on the other core.
    done = subprocess.run(command, cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout + done.stderr


def _requests_sent(report: Path) -> int:
    if not report.exists():
        return 0
    text = report.read_text(encoding="utf-8")
    return len(re.findall(r'"status_code":\s*[0-9]', text))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize("role", ROLES)
def test_every_operation_agrees_with_the_schema(world, live_server, role, tmp_path, caplog):
    caplog.set_level(logging.CRITICAL, logger="django.request")  # hundreds of intended 4xx lines
    user = world.user(role)
    token = Token.objects.create(user=user).key if user else None
    started = time.monotonic()
    code, output = _schemathesis(
        live_server.url, role=role, token=token, real=_real_path_parameters(world), folder=tmp_path
    )
    elapsed = time.monotonic() - started
    sent = _requests_sent(tmp_path / "events.ndjson")
    FIGURES["requests"] += sent
    FIGURES["seconds"] += elapsed
    (tmp_path / "output.txt").write_text(output, encoding="utf-8")
    print(f"schemathesis {role}: {sent} requests, {elapsed:.1f}s; totals {FIGURES}")
    start = output.find("=== FAILURES")
    summary = output[start:] if start >= 0 else output[-20000:]
    assert code == 0, (
        f"schemathesis as {role} found failures (seed {SEED}, --max-examples {MAX_EXAMPLES[role]}; the whole "
        f"output is in {tmp_path / 'output.txt'}). Each comes with a curl line to reproduce it against "
        f"a running portal:\n\n{summary[:40000]}"
    )
