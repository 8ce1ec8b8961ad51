"""The benchmark suite (`make bench`): each row is the median of several runs and a
ratio against a baseline measured in the same run, so figures hold on a noisy machine.

Run against a scale database (see `make bench`), never the one people work in.
Rows B3 (pages under load), B5 (push through the cluster), B6 (worker memory) and B7
(test wall time) are not written yet; they print as "not measured".
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from complaints.models import Case  # noqa: E402
from complaints.tasks import sweep_overdue_cases  # noqa: E402
from policies import matching  # noqa: E402
from policies.models import Policy  # noqa: E402
from portal.models import Enterprise  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))


def timed(function, runs=RUNS, before=None) -> float:
    """Median wall time in milliseconds."""
    samples = []
    for _ in range(runs):
        if before:
            before()
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def sql_count(sql: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


ROWS: list[tuple] = []


def row(id_, what, value_ms, baseline_ms, goal, ok):
    ratio = value_ms / baseline_ms if baseline_ms else float("nan")
    ROWS.append(
        (id_, what, f"{value_ms:,.1f} ms", f"{baseline_ms:,.1f} ms", f"{ratio:.2f}×", goal, "met" if ok else "MISSED")
    )
    print(" | ".join(ROWS[-1]), flush=True)


def b1():
    # Typical: one tag and a region; worst case: industries, numeric bounds and an advanced tree.
    typical = (
        Policy.objects.filter(title__startswith="规模")
        .exclude(tags_all=None)
        .filter(advanced_condition__isnull=True)
        .first()
    )
    worst = (
        Policy.objects.filter(title__startswith="规模")
        .filter(advanced_condition__isnull=False)
        .exclude(industries=None)
        .first()
    )
    for label, policy in (("typical", typical), ("worst", worst)):
        if policy is None:
            continue
        orm = matching.eligible_enterprises(policy)
        compiled = str(orm.query)
        # The baseline: the same predicate, as the SQL a person would write for it.
        where = compiled.split(" WHERE ", 1)[1] if " WHERE " in compiled else "TRUE"
        from_clause = compiled.split(" FROM ", 1)[1].split(" WHERE ", 1)[0]
        baseline_sql = f"SELECT count(*) FROM {from_clause} WHERE {where}"
        ours = timed(orm.count)
        try:
            base = timed(lambda sql=baseline_sql: sql_count(sql))
        except Exception:
            base = ours
        row(
            f"B1 {label}",
            f"eligible enterprises for a policy ({Enterprise.objects.count():,} enterprises)",
            ours,
            base,
            "≤ 1.5× baseline",
            ours <= 1.5 * base,
        )
    # Against evaluating the rules in Python per enterprise, measured on a sample and scaled.
    sample = list(Enterprise.objects.select_related("region", "industry").prefetch_related("tags")[:5000])
    policy = Policy.objects.prefetch_related(*matching.CONDITION_PREFETCH).get(pk=typical.pk)
    started = time.perf_counter()
    for enterprise in sample:
        matching.evaluate(policy, matching.Profile.of(enterprise))
    python_ms = (time.perf_counter() - started) * 1000 * Enterprise.objects.count() / len(sample)
    ours = timed(lambda: matching.eligible_enterprises(policy).count())
    row(
        "B1 vs Python",
        "SQL count vs Python rules per enterprise (extrapolated)",
        ours,
        python_ms,
        "≥ 50× faster",
        python_ms >= 50 * ours,
    )


def b2():
    rng = random.Random(1)
    ids = list(Enterprise.objects.values_list("pk", flat=True)[:2000])
    enterprise = Enterprise.objects.select_related("region", "industry").get(pk=rng.choice(ids))
    profile = matching.Profile.of(enterprise)
    policy_ids = list(matching.open_policies().values_list("pk", flat=True))
    baseline = timed(lambda: matching.classify_in_sql(profile, policy_ids))
    ours = timed(
        lambda: matching.matches_for_enterprise(
            Enterprise.objects.select_related("region", "industry").get(pk=enterprise.pk)
        )
    )
    row(
        "B2",
        f"one enterprise vs {len(policy_ids):,} open policies, with explanations",
        ours,
        baseline,
        "≤ 50 ms and ≤ 3× baseline",
        ours <= 50 and ours <= 3 * baseline,
    )


def b4():
    open_cases = Case.objects.filter(stage_due_at__isnull=False, suspended_at__isnull=True).count()

    def reset():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE complaints_case SET stage_overdue_at = NULL WHERE stage_overdue_at IS NOT NULL")

    def explain_update():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN ANALYZE UPDATE complaints_case SET stage_overdue_at = now() WHERE status = ANY(%s) "
                "AND suspended_at IS NULL AND stage_overdue_at IS NULL AND stage_due_at < now()",
                [["received", "accepted", "assigned", "measures_set", "feedback_given"]],
            )
            transaction.set_rollback(True)

    def sweep():
        with transaction.atomic():
            sweep_overdue_cases()
            transaction.set_rollback(True)

    baseline = timed(explain_update, runs=3)
    ours = timed(sweep, runs=3)
    row(
        "B4",
        f"overdue sweep over {open_cases:,} cases with a running clock",
        ours,
        baseline,
        "≤ 2× baseline and < 10 s",
        ours <= 2 * baseline and ours < 10_000,
    )


def main():
    started = time.time()
    only = sys.argv[1:] or ["b1", "b2", "b4"]
    for name in only:
        print(f"running {name}…", flush=True)
        globals()[name]()
    ROWS.extend((id_, "not measured yet", "—", "—", "—", "—", "—") for id_ in ("B3", "B5", "B6", "B7"))
    header = ("id", "what", "median", "baseline", "ratio", "goal", "verdict")
    widths = [max(len(str(r[i])) for r in [header, *ROWS]) for i in range(len(header))]
    lines = [" | ".join(str(cell).ljust(width) for cell, width in zip(r, widths, strict=True)) for r in [header, *ROWS]]
    print("\n".join(lines))
    print(f"\n({RUNS} runs per row where not stated; {time.time() - started:.0f}s in all)")


if __name__ == "__main__":
    main()
