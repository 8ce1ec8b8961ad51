"""Hooks for the schemathesis CLI that tests/hostile/test_api_fuzz.py runs against the live
server (loaded through ``SCHEMATHESIS_HOOKS``; no Django here, the CLI is its own process).

- Path parameters: half the generated requests of an operation with ``{id}`` in its path
  use an object of the test's world instead (``QINQING_REAL_PATH_PARAMETERS``: JSON, per
  collection), so the handlers run past their 404. A collection missing there, or a path
  parameter it does not name (a task of a case), stays generated.
- ``anonymous_reaches_only_public``: with ``QINQING_PUBLIC_OPERATIONS`` set (the anonymous
  run), any operation not listed there must refuse the caller with 403.
"""

from __future__ import annotations

import json
import os

import schemathesis
from hypothesis import strategies as st

API_PREFIX = "/api/v1/"
REAL = json.loads(os.environ.get("QINQING_REAL_PATH_PARAMETERS") or "{}")
PUBLIC = os.environ.get("QINQING_PUBLIC_OPERATIONS")


def _collection(path: str) -> str:
    return path.removeprefix(API_PREFIX).split("/")[0]


@schemathesis.hook
def before_generate_path_parameters(context, strategy):
    operation = context.operation
    if operation is None or "{" not in operation.path:
        return strategy
    real = REAL.get(_collection(operation.path))
    if real is None:
        return strategy
    names = {parameter.name for parameter in operation.path_parameters}
    known = {name: real[name] for name in names & real.keys()}
    if not known:
        return strategy
    if known.keys() == names:
        return st.one_of(strategy, st.just(known))
    # Some of the path's objects are not in the world (a task, a file): those stay generated.
    return st.one_of(strategy, strategy.map(lambda generated: _merged(generated, known)))


def _merged(generated, known: dict):
    if isinstance(generated, dict):
        return {**generated, **known}
    return generated  # a negative value (schemathesis' own wrapper): left as it is


if PUBLIC is not None:
    _public = set(json.loads(PUBLIC))

    @schemathesis.check
    def anonymous_reaches_only_public(ctx, response, case):
        """An anonymous caller reaches nothing but the public reads."""
        label = f"{case.operation.method.upper()} {case.operation.path}"
        if label in _public or response.status_code in (403, 404, 405):
            return True
        # 400 before 403 would tell an anonymous caller which input an endpoint accepts.
        raise AssertionError(
            f"anonymous caller answered {response.status_code} by {label}, "
            "which is not public: expected 403 (or 404/405 for a path or method that does not exist)"
        )
