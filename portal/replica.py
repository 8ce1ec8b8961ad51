"""Reports from a PostgreSQL streaming replica (issue #20).

With ``DATABASE_REPLICA_URL`` set, the reports, exports, the officials' dashboards and
the figures API (the views decorated with :func:`reports_from_replica`) read from a hot
standby kept by PostgreSQL's own streaming replication; everything else, and every write,
stays on the primary (``default``). The replica is used only while it is reachable and
at most ``DATABASE_REPLICA_MAX_LAG_SECONDS`` behind; otherwise those views read from the
primary, and staff see in the page footer which database served the page.

Without ``DATABASE_REPLICA_URL`` there is no ``replica`` alias and nothing here changes
anything: the router sends every read to ``default`` and the decorator calls the view as
it is, without a query.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.http import Http404
from django.utils.translation import gettext

REPLICA = "replica"
# How long one process trusts its verdict on the replica: a report page costs no health
# check (one query on each server) but every few seconds.
CHECK_SECONDS = 5.0

logger = logging.getLogger(__name__)

# The alias reads go to: "replica" inside reading_reports() while the replica is healthy.
_reads_from: contextvars.ContextVar[str | None] = contextvars.ContextVar("portal_replica_reads", default=None)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def max_lag() -> float:
    return float(settings.DATABASE_REPLICA_MAX_LAG_SECONDS)


# --- The replica's health, checked every few seconds per process -----------------


@dataclass(frozen=True)
class Health:
    available: bool
    # Seconds the replica is behind the primary: 0 when it has replayed all the primary had
    # written when asked, infinite when behind by an unknown amount.
    lag: float
    checked_at: float
    problem: str = ""


_health: Health | None = None
_health_lock = threading.Lock()


def _measure() -> Health:
    now = time.monotonic()
    # The primary's position first: a replica that has replayed up to it was not behind
    # when asked. Comparing with the primary (not only with what the replica received)
    # also catches a replica cut off from the primary, which believes itself up to date.
    primary_position = None
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            primary_position = cursor.fetchone()[0]
    except DatabaseError:
        pass  # Judge the replica by what it has received; the view will meet the outage itself.
    try:
        with connections[REPLICA].cursor() as cursor:
            # pg_last_xact_replay_timestamp() is the primary's time of the last replayed
            # commit: while WAL is pending, its age is how far behind the replica is. It keeps
            # growing while the primary is idle, so it counts only when WAL is pending.
            cursor.execute(
                """
                SELECT pg_is_in_recovery(),
                       COALESCE(pg_last_wal_replay_lsn() >= %s::pg_lsn,
                                pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn(),
                                false),
                       EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8
                """,
                [primary_position],
            )
            in_recovery, caught_up, replay_age = cursor.fetchone()
    except DatabaseError as error:
        return Health(available=False, lag=math.inf, checked_at=now, problem=f"unreachable: {error}".strip())
    if not in_recovery:
        # A promoted or mistaken server is no longer following the primary.
        return Health(available=False, lag=math.inf, checked_at=now, problem="not a standby (not in recovery)")
    if caught_up:
        return Health(available=True, lag=0.0, checked_at=now)
    lag = max(replay_age, 0.0) if replay_age is not None else math.inf
    return Health(available=True, lag=lag, checked_at=now)


def replica_health() -> Health:
    """The process's verdict on the replica, checked again when older than CHECK_SECONDS."""
    global _health
    with _health_lock:
        if _health is None or time.monotonic() - _health.checked_at >= CHECK_SECONDS:
            before, _health = _health, _measure()
            # Said once when it changes, not at every check of every process.
            if not _health.available and (before is None or before.available):
                logger.warning("Read replica %s; reports read from the primary", _health.problem)
            elif _health.available and before is not None and not before.available:
                logger.info("Read replica available again")
        return _health


def forget_health() -> None:
    """Check the replica again on the next report read (tests, and after a change)."""
    global _health
    with _health_lock:
        _health = None


def _replica_failed() -> None:
    """A query on the replica failed: read from the primary until the next check."""
    global _health
    with _health_lock:
        _health = Health(available=False, lag=math.inf, checked_at=time.monotonic())
    with contextlib.suppress(DatabaseError):
        connections[REPLICA].close()


# --- Where a report read goes -----------------------------------------------------

# ReportSource.state
FROM_REPLICA = "replica"
UNAVAILABLE = "unavailable"  # unreachable, not a standby, or failed during the request
LAGGING = "lagging"  # more than DATABASE_REPLICA_MAX_LAG_SECONDS behind
FROM_PRIMARY = "primary"  # asked again on the primary (the replica lacked the record)
NOT_CONFIGURED = "not_configured"  # no DATABASE_REPLICA_URL


@dataclass(frozen=True)
class ReportSource:
    """Which database a report read from, and why."""

    state: str
    lag: float = 0.0

    @property
    def alias(self) -> str:
        return REPLICA if self.state == FROM_REPLICA else DEFAULT_DB_ALIAS

    @property
    def from_replica(self) -> bool:
        return self.state == FROM_REPLICA

    def note(self) -> str:
        """The footer's line for staff, in the reader's language."""
        if self.state == FROM_REPLICA:
            return gettext("报表数据来自只读副本（延迟 %(seconds)s 秒）") % {"seconds": round(self.lag)}
        if self.state == UNAVAILABLE:
            return gettext("只读副本不可用，已从主库读取")
        if self.state == LAGGING:
            return gettext("只读副本延迟超过 %(limit)s 秒，已从主库读取") % {"limit": f"{max_lag():g}"}
        if self.state == FROM_PRIMARY:
            return gettext("报表数据来自主库")
        return ""


def current_source() -> ReportSource:
    if not replica_configured():
        return ReportSource(NOT_CONFIGURED)
    health = replica_health()
    if not health.available:
        return ReportSource(UNAVAILABLE)
    if health.lag > max_lag():
        return ReportSource(LAGGING, lag=health.lag)
    return ReportSource(FROM_REPLICA, lag=health.lag)


@contextmanager
def _reads(alias: str | None) -> Iterator[None]:
    token = _reads_from.set(alias)
    try:
        yield
    finally:
        _reads_from.reset(token)


@contextmanager
def reading_reports() -> Iterator[ReportSource]:
    """Reads inside the block go to the replica when it is healthy; writes never do."""
    source = current_source()
    with _reads(REPLICA if source.from_replica else None):
        yield source


class ReplicaRouter:
    """DATABASE_ROUTERS: reads go to the replica only inside reading_reports(); every
    write, and every read outside it, goes to the primary."""

    def db_for_read(self, model, **hints) -> str:
        alias = _reads_from.get()
        # Inside a transaction on the primary, reads stay with it: they may need its writes.
        if alias is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            # Explicitly the primary, not None: Django would otherwise follow an instance
            # read from the replica back to it, outside any report.
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # One database and its copy.

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool | None:
        return False if db == REPLICA else None


# --- The report views ---------------------------------------------------------------


def reports_from_replica(view: Callable) -> Callable:
    """A report view (GET) reads from the replica when it is healthy, and says so in
    ``request.report_source`` (the footer's line for staff). Innermost of the view's
    decorators: the login and permission checks read the session and the user from the
    primary. On a class-based view's method: ``method_decorator(reports_from_replica)``."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not replica_configured() or request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        with reading_reports() as source:
            request.report_source = source
            if not source.from_replica:
                return view(request, *args, **kwargs)
            try:
                return view(request, *args, **kwargs)
            except (OperationalError, InterfaceError) as error:
                if not connections[REPLICA].errors_occurred:
                    raise  # The primary's: the portal's 503.
                # The replica stopped since the last check, or cancelled a query that
                # conflicted with replay: the same (read-only) view again on the primary.
                logger.warning("Report %s failed on the replica, reading from the primary: %s", request.path, error)
                _replica_failed()
                retry = ReportSource(UNAVAILABLE)
            except Http404:
                # Perhaps created on the primary a moment ago (a report just issued).
                retry = ReportSource(FROM_PRIMARY)
        request.report_source = retry
        with _reads(None):
            return view(request, *args, **kwargs)

    return wrapper
