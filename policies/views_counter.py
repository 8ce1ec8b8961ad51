"""Page views per policy (浏览量, seed 001: "企业浏览量超1526万次") without a write per view.

Each web process counts the views of published policies in memory, per policy and
local day, and adds its counts to ``PolicyViewDay`` in one statement when
``POLICY_VIEWS_FLUSH_EVERY`` views are pending, when ``POLICY_VIEWS_FLUSH_SECONDS``
have passed since the last flush (checked at the next view), and when the process
exits. The statement adds (``views = views + EXCLUDED.views``), so any number of
processes flushing the same policy and day at once sum up; PostgreSQL's
``ON CONFLICT`` makes the later one wait for the earlier row and add to it.

Only the web processes hold counts: the task cluster (``qcluster``) runs in other
processes and cannot see their memory, so there is no task to flush them; a process
flushes its own counts, at the latest at exit. A process killed outright (SIGKILL,
OOM) loses at most one batch: a page-view figure, not a record anyone relies on.

What counts: a GET of a published policy's page (or its API detail) by the public or
an enterprise. Search engines and scripts (a simple user-agent check) and government
staff (officials, handlers — anyone of a department, or with admin access) do not:
the figure is the reach among enterprises, and the issuing department checking its
own policy would inflate it.
"""

from __future__ import annotations

import atexit
import datetime as dt
import logging
import threading
import time
from collections import Counter

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

logger = logging.getLogger(__name__)

DEFAULT_FLUSH_EVERY = 50
DEFAULT_FLUSH_SECONDS = 30
# Counts kept across failed flushes are dropped beyond this many (policy, day) pairs,
# so a long database outage cannot grow a process's memory without bound.
MAX_PENDING_KEYS = 10_000
BOT_MARKERS = (
    "bot",
    "spider",
    "crawl",
    "slurp",
    "curl",
    "wget",
    "python-requests",
    "httpclient",
    "headless",
    "monitor",
    "preview",
)

_lock = threading.Lock()
_pending: Counter[tuple[int, dt.date]] = Counter()
_state = {"count": 0, "last_flush": time.monotonic(), "retry_after": 0.0}


def flush_every() -> int:
    return int(getattr(settings, "POLICY_VIEWS_FLUSH_EVERY", DEFAULT_FLUSH_EVERY))


def flush_seconds() -> float:
    return float(getattr(settings, "POLICY_VIEWS_FLUSH_SECONDS", DEFAULT_FLUSH_SECONDS))


def is_bot(user_agent: str) -> bool:
    agent = (user_agent or "").lower()
    return not agent or any(marker in agent for marker in BOT_MARKERS)


def is_staff_reader(user) -> bool:
    """Government staff reading a policy: their views are work, not reach."""
    return bool(
        user is not None
        and user.is_authenticated
        and (user.is_staff or user.is_superuser or getattr(user, "department_id", None))
    )


def record_page_view(request, policy) -> None:
    """Count one view of ``policy``'s page by this request, when it counts (see the
    module's docstring). Never raises and, below the thresholds, runs no query."""
    from policies.models import Policy

    try:
        if request.method != "GET" or policy.state != Policy.State.PUBLISHED:
            return
        if is_bot(request.META.get("HTTP_USER_AGENT", "")) or is_staff_reader(getattr(request, "user", None)):
            return
        record_view(policy.pk)
    except Exception:  # a counter must never break the page
        logger.exception("Counting a policy page view failed")


def record_view(policy_id: int, *, day: dt.date | None = None) -> None:
    """Add one view in memory; flush when enough are pending or enough time passed."""
    day = day or timezone.localdate()
    now = time.monotonic()
    with _lock:
        _pending[(policy_id, day)] += 1
        _state["count"] += 1
        due = now >= _state["retry_after"] and (
            _state["count"] >= flush_every() or now - _state["last_flush"] >= flush_seconds()
        )
    if due:
        flush_views()


def pending() -> dict[tuple[int, dt.date], int]:
    """The counts not yet written (for tests and diagnostics)."""
    with _lock:
        return dict(_pending)


def reset() -> None:
    """Forget the pending counts (tests: each starts with none)."""
    with _lock:
        _pending.clear()
        _state.update(count=0, last_flush=time.monotonic(), retry_after=0.0)


def flush_views() -> int:
    """Write the pending counts in one statement; the number of views written.

    On failure the counts go back into memory for the next try (views are a running
    total: dropping a batch would under-count for good, while keeping it costs a few
    bytes per policy and day), and no new try is made for ``POLICY_VIEWS_FLUSH_SECONDS``
    so a database outage is not hit on every page. Beyond ``MAX_PENDING_KEYS`` pairs
    the kept counts are dropped, with a warning. Never raises."""
    with _lock:
        if not _pending:
            _state["last_flush"] = time.monotonic()
            return 0
        batch = dict(_pending)
        _pending.clear()
        _state.update(count=0, last_flush=time.monotonic())
    try:
        _write(batch)
    except Exception:
        with _lock:
            _pending.update(batch)
            _state["count"] = sum(_pending.values())
            _state["retry_after"] = time.monotonic() + flush_seconds()
            if len(_pending) > MAX_PENDING_KEYS:
                logger.warning("Dropping %d unwritten policy page views", sum(_pending.values()))
                _pending.clear()
                _state["count"] = 0
        logger.warning("Writing policy page views failed; kept for the next try", exc_info=True)
        return 0
    return sum(batch.values())


def _write(batch: dict[tuple[int, dt.date], int]) -> None:
    """One INSERT … ON CONFLICT DO UPDATE adding the batch. Joined to the policies so a
    count for a policy that no longer exists is left out instead of failing the rest.
    In a savepoint when called inside a transaction, so a failure leaves the caller's
    transaction usable."""
    from policies.models import Policy, PolicyViewDay

    rows = sorted(batch.items())
    values = ", ".join(["(%s, %s::date, %s)"] * len(rows))
    params: list = []
    for (policy_id, day), views in rows:
        params += [policy_id, day, views]
    table = PolicyViewDay._meta.db_table
    # Only the model's own table names and placeholders go into the text; values are parameters.
    sql = (
        f"INSERT INTO {table} (policy_id, day, views) "  # noqa: S608
        f"SELECT v.policy_id, v.day, v.views FROM (VALUES {values}) AS v (policy_id, day, views) "
        f"JOIN {Policy._meta.db_table} p ON p.id = v.policy_id "
        f"ON CONFLICT (policy_id, day) DO UPDATE SET views = {table}.views + EXCLUDED.views"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


# At exit the process writes what it still holds (flush_views never raises).
atexit.register(flush_views)
