"""Schemathesis against the portal's own OpenAPI schema (/api/schema/), once per role.

Every operation of the schema gets generated requests, both ones that fit the schema
(positive) and ones that break it (negative), with its path parameters sometimes
pointing at real objects of the world (so the handlers run past the 404) and sometimes
generated. Each request runs inside a savepoint that is rolled back, so the world stays
as it was and one request cannot spoil the next. The checks: no 5xx; status code,
content type and body conform to the schema; data that breaks the schema is refused;
and an anonymous caller reaches nothing but the public reads.

Bounded in examples and in time: requests go out in rounds, each round sending
``EXAMPLES_PER_ROUND`` requests to every operation in every mode (each round with its
own fixed seed, so a run is repeatable); the first round always completes, and further
rounds, up to ``MAX_ROUNDS``, start only while the role's ``BUDGET_SECONDS`` last. No
shrinking: failures are collected and reported together, each with a curl line.
"""

from __future__ import annotations

import logging
import time
import traceback

import pytest
import schemathesis
from django.core.signals import got_request_exception
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from portal.models import Industry

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]

EXAMPLES_PER_ROUND = 1
MAX_ROUNDS = 3
BUDGET_SECONDS = 20
ROLES = ["anonymous", "member", "handler", "official"]
# What an anonymous caller may do: read the public policy and roundtable catalogues and
# the published supervision (督办公示, 红黄黑榜), and exchange a username and password for a token.
PUBLIC = {
    ("GET", "/api/v1/supervision/notices/"),
    ("GET", "/api/v1/supervision/rankings/"),
    ("GET", "/api/v1/policies/"),
    ("GET", "/api/v1/policies/{id}/"),
    ("GET", "/api/v1/roundtables/"),
    ("GET", "/api/v1/roundtables/{id}/"),
    ("POST", "/api/v1/auth/token/"),
}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# Totals over the module, printed at the end (pytest -s, or the report's captured output).
FIGURES = {"examples": 0, "seconds": 0.0}


def _real_path_parameters(world) -> dict[str, dict]:
    """For each collection of the API, the path parameters of an object of the world."""
    return {
        "applications": {"id": world.application.pk},
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


def _strategy(operation, mode: GenerationMode, real: dict[str, dict]):
    generated = operation.as_strategy(generation_mode=mode)
    if "{" not in operation.path:
        return generated
    collection = operation.path.removeprefix("/api/v1/").split("/")[0]
    return st.one_of(generated, operation.as_strategy(generation_mode=mode, path_parameters=real[collection]))


def _fuzz(
    operation, mode: GenerationMode, *, round_: int, role: str, headers: dict, real: dict, public: bool
) -> tuple[int, list]:
    """Send one round of generated requests to one operation; the count and the failures."""
    label = f"{operation.method.upper()} {operation.path}"
    failures: list[str] = []
    sent = 0
    checks = CHECKS + ([negative_data_rejection] if mode is GenerationMode.NEGATIVE else [])
    caught: list[str] = []

    def record(sender, request=None, **kwargs):
        caught.append(traceback.format_exc())

    @seed(round_)
    @settings(
        max_examples=EXAMPLES_PER_ROUND,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(operation, mode, real))
    def run(case):
        nonlocal sent
        sent += 1
        caught.clear()
        with transaction.atomic():
            response = case.call(headers=headers)
            transaction.set_rollback(True)
        problems = []
        if role == "anonymous" and not public and response.status_code not in (401, 403):
            problems.append(f"anonymous caller answered {response.status_code}, not 401/403")
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except FailureGroup as error:  # every check that failed, with a curl line to reproduce
            problems.append(str(error)[:1500])
        if problems:
            heading = f"[{role}] {label} ({mode.value}) -> {response.status_code}"
            failures.append("\n".join([heading, *problems, *caught]))

    got_request_exception.connect(record, weak=False)
    try:
        run()
    except Unsatisfiable:
        pass  # nothing can break this operation's schema in that mode (e.g. no parameters at all)
    finally:
        got_request_exception.disconnect(record)
    return sent, failures


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_survives_generated_requests(world, role, wsgi_app, caplog):
    caplog.set_level(logging.CRITICAL, logger="django.request")  # thousands of expected 4xx lines
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    user = world.user(role)
    headers = {"Authorization": f"Token {Token.objects.create(user=user).key}"} if user else {}
    real = _real_path_parameters(world)
    failures: list[str] = []
    examples = 0
    started = time.monotonic()

    operations = [result.ok() for result in schema.get_all_operations()]
    both = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    rounds = 0
    while rounds < MAX_ROUNDS and (rounds == 0 or time.monotonic() - started < BUDGET_SECONDS):
        for operation in operations:
            public = (operation.method.upper(), operation.path) in PUBLIC
            # Anonymous callers are refused before their input is read, and an operation that
            # takes nothing but its path is already fed invalid paths by the positive mode:
            # for both, schema-breaking input teaches nothing more (and is slow to generate).
            takes_input = len(operation.query) > 0 or len(operation.body) > 0
            modes = both if user is not None and takes_input else both[:1]
            for mode in modes:
                sent, failed = _fuzz(
                    operation, mode, round_=rounds, role=role, headers=headers, real=real, public=public
                )
                examples += sent
                failures += failed
        rounds += 1

    elapsed = time.monotonic() - started
    FIGURES["examples"] += examples
    FIGURES["seconds"] += elapsed
    print(f"schemathesis {role}: {examples} requests in {rounds} rounds, {elapsed:.1f}s; totals {FIGURES}")
    assert not failures, f"{len(failures)} of {examples} requests failed:\n\n" + "\n\n".join(failures[:40])
