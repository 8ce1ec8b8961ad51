"""Lighthouse against the portal served as in production (`make lighthouse`).

Serves the portal with the production settings — DEBUG off, static files collected into
whitenoise's CompressedManifestStaticFilesStorage, gunicorn — on a free loopback port,
against the project's database (the demo data: loaded with seed_demo when it is missing;
the database must be migrated, which `make lighthouse` does first). Then runs Lighthouse
(npm, pinned in package.json and installed here into node_modules by this script) with
Debian's chromium on the pages below, for a phone (Lighthouse's default emulation) and a
desktop, keeps the JSON reports in bench/lighthouse/reports/ (git-ignored) and writes the
scores to bench/lighthouse/scores.md. Exits non-zero when any score is under 95.

Over plain HTTP on the loopback the one thing missing is the reverse proxy, which
terminates TLS and sets `X-Forwarded-Proto: https` (README, "Security"): gunicorn serves
the portal through behind_proxy.py, which sets that header on every request instead, so
the production defaults (HTTPS redirect, HSTS, secure cookies) stay as they are.

    .venv/bin/python bench/lighthouse/run.py [--port 8023] [--runs 1] [--mobile-only]

Each page is measured three times (--runs) and the run with the median performance score
is kept, as Lighthouse advises: on a busy machine the main thread's work, multiplied by the
phone emulation's CPU slowdown, can cost one run 15 points. scores.md shows every run's
performance score and Lighthouse's CPU benchmark index (lower: a slower or busier machine).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
REPORTS = HERE / "reports"
SCORES = HERE / "scores.md"
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
THRESHOLD = 95
ATTEMPTS = 3  # per measurement, when Lighthouse itself fails

PAGES = [
    ("home", "首页", "/"),
    ("catalogue", "惠企政策 (policy catalogue)", "/policies/"),
    ("appeal-form", "反映诉求 (appeal form, anonymous)", "/cases/new/"),
    ("statistics", "诉求办理统计 (public statistics)", "/reports/statistics/"),
]
CATEGORIES = [
    ("performance", "Performance"),
    ("accessibility", "Accessibility"),
    ("best-practices", "Best practices"),
    ("seo", "SEO"),
]
METRICS = [
    ("first-contentful-paint", "FCP"),
    ("largest-contentful-paint", "LCP"),
    ("total-blocking-time", "TBT"),
    ("cumulative-layout-shift", "CLS"),
]


def say(message: str) -> None:
    print(message, flush=True)


def production_environment() -> dict[str, str]:
    """The production configuration (README, "Configuration"), on this machine."""
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DEBUG": "false",
        # A throw-away key: sessions signed by this run mean nothing elsewhere.
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        # Collected apart from staticfiles/, so that a `make collectstatic` elsewhere in
        # the tree and this run do not write over each other.
        "STATIC_ROOT": str(ROOT / "var" / "lighthouse" / "static"),
        "LOG_LEVEL": "WARNING",
    }
    if not os.environ.get("DATABASE_URL"):
        # The project's own PostgreSQL, where `make run` keeps the demo data.
        environment["EMBEDDED_POSTGRES"] = "true"
    return environment


def manage(*arguments: str, environment: dict[str, str] | None = None, check: bool = True) -> int:
    return subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=ROOT, env=environment or os.environ, check=check
    ).returncode


def install_lighthouse() -> None:
    installed = HERE / "node_modules" / ".package-lock.json"
    lock = HERE / "package-lock.json"
    if LIGHTHOUSE.exists() and installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    say("Installing Lighthouse (npm ci) into bench/lighthouse/node_modules…")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True)


def ensure_demo_data() -> None:
    has_data = (
        "from policies.models import Policy; from complaints.models import Case; "
        "raise SystemExit(0 if Policy.objects.exists() and Case.objects.exists() else 1)"
    )
    if manage("shell", "-v0", "-c", has_data, check=False) != 0:
        say("No demo data in the database: loading it (seed_demo)…")
        manage("seed_demo", "--no-account-list")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def wait_until_serving(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped (exit {server.returncode}); see {REPORTS / 'gunicorn.log'}")
        try:
            if fetch(f"{base}/healthz") == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"The portal did not answer within 120 s; see {REPORTS / 'gunicorn.log'}")


def run_lighthouse(url: str, output: Path, *, desktop: bool) -> dict:
    command = [
        str(LIGHTHOUSE),
        url,
        f"--chrome-path={CHROMIUM}",
        "--chrome-flags=--headless=new --no-sandbox",
        "--only-categories=" + ",".join(key for key, _ in CATEGORIES),
        "--output=json",
        f"--output-path={output}",
        "--quiet",
    ]
    if desktop:
        command.append("--preset=desktop")
    # On a busy machine Lighthouse now and then fails to record the trace (NO_NAVSTART) and
    # asks to be run again: a failed measurement, not a score, so it is measured again.
    for attempt in range(1, ATTEMPTS + 1):
        if subprocess.run(command, check=False).returncode == 0:
            return json.loads(output.read_text(encoding="utf-8"))
        if attempt < ATTEMPTS:
            say(f"Lighthouse failed on {url}; running it again ({attempt + 1} of {ATTEMPTS}).")
    raise SystemExit(f"Lighthouse failed {ATTEMPTS} times on {url}.")


def scores_of(report: dict) -> dict[str, int]:
    # Lighthouse shows a category's score as round(score × 100).
    return {key: round((report["categories"][key]["score"] or 0) * 100) for key, _ in CATEGORIES}


def shortfalls(report: dict) -> list[str]:
    """The audits that cost points in a category under 100, for the console."""
    lines = []
    for key, _ in CATEGORIES:
        category = report["categories"][key]
        for ref in category["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                shown = audit.get("displayValue") or ""
                lines.append(f"    {key}: {audit['id']} ({audit['score']:.2f}) {audit['title']} {shown}".rstrip())
    return lines


def measure(base: str, slug: str, path: str, *, desktop: bool, runs: int) -> tuple[dict, list[dict]]:
    """The run with the median performance score (the lower middle one of an even count),
    and every run."""
    form_factor = "desktop" if desktop else "mobile"
    reports = []
    for attempt in range(1, runs + 1):
        suffix = f"-{attempt}" if runs > 1 else ""
        output = REPORTS / f"{slug}-{form_factor}{suffix}.report.json"
        reports.append(run_lighthouse(base + path, output, desktop=desktop))
    performance = [scores_of(report)["performance"] for report in reports]
    return reports[performance.index(statistics.median_low(performance))], reports


def metric(report: dict, audit_id: str) -> str:
    return report["audits"][audit_id].get("displayValue", "—").replace("\xa0", " ")


def write_scores(results: list[tuple[str, str, str, dict, list[dict]]], runs: int) -> None:
    first = results[0][3]
    benchmark = [report["environment"]["benchmarkIndex"] for *_, every in results for report in every]
    # "Chromium 156.0.8078.114 built on Debian …": headless Chrome's user agent hides the build.
    chromium = " ".join(subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout.split()[:2])
    lines = [
        "# Lighthouse scores",
        "",
        "Written by `bench/lighthouse/run.py` (`make lighthouse`); the JSON reports are in",
        "`bench/lighthouse/reports/` (git-ignored). Production settings (DEBUG off, collected",
        "static files, gunicorn) on the loopback, demo data; the proxy's `X-Forwarded-Proto: https`",
        "set by `behind_proxy.py`. Mobile is Lighthouse's default emulation (Moto G Power, slow 4G",
        "simulated), desktop its `--preset=desktop`. Performance varies with the machine's load",
        f"(each page was measured {runs} times and the run with the median performance kept;"
        if runs > 1 else "(each page was measured once;",
        "Lighthouse's CPU benchmark index says how busy the machine was: lower is slower or busier).",
        "",
        f"- Date: {datetime.now().astimezone():%Y-%m-%d %H:%M %z}",
        f"- Lighthouse {first['lighthouseVersion']}, {chromium}",
        f"- Goal: at least {THRESHOLD} in every category",
        f"- CPU benchmark index: {min(benchmark):,.0f} to {max(benchmark):,.0f} over the {len(benchmark)} runs",
        "",
        "| page | URL | device | " + " | ".join(label for _, label in CATEGORIES) + " | "
        + " | ".join(label for _, label in METRICS) + " | performance of each run |",
        "|---|---|---|" + "---:|" * (len(CATEGORIES) + len(METRICS) + 1),
    ]  # fmt: skip
    for title, path, form_factor, report, every in results:
        scores = scores_of(report)
        cells = [str(scores[key]) if scores[key] >= THRESHOLD else f"**{scores[key]}**" for key, _ in CATEGORIES]
        cells += [metric(report, audit_id) for audit_id, _ in METRICS]
        cells.append(" / ".join(str(scores_of(run)["performance"]) for run in every))
        lines.append(f"| {title} | `{path}` | {form_factor} | " + " | ".join(cells) + " |")
    SCORES.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("LIGHTHOUSE_PORT", "0")) or None)
    parser.add_argument("--runs", type=int, default=int(os.environ.get("LIGHTHOUSE_RUNS", "3")))
    parser.add_argument("--mobile-only", action="store_true", help="skip the desktop runs")
    options = parser.parse_args()
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} not found: `make browser` installs Debian's chromium.")

    install_lighthouse()
    ensure_demo_data()
    environment = production_environment()
    say("Collecting the static files (production storage)…")
    manage("collectstatic", "--noinput", "--clear", "-v0", environment=environment)

    REPORTS.mkdir(exist_ok=True)
    for stale in REPORTS.glob("*.report.json"):
        stale.unlink()
    port = options.port or free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = Path(sys.executable).parent / "gunicorn"
    with (REPORTS / "gunicorn.log").open("w") as log:
        server = subprocess.Popen(
            [str(gunicorn), "behind_proxy:application", "--pythonpath", str(HERE),
             "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "120"],
            cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        wait_until_serving(base, server)
        say(f"Serving the portal with the production settings at {base} (gunicorn, 2 workers).")
        for _, _, path in PAGES:  # warm both workers, and stop on an error page
            for _ in range(2):
                status = fetch(base + path)
                if status != 200:
                    raise SystemExit(f"{path} answered {status}; see {REPORTS / 'gunicorn.log'}")
        results = []
        failed = False
        for desktop in [False] if options.mobile_only else [False, True]:
            form_factor = "desktop" if desktop else "mobile"
            for slug, title, path in PAGES:
                report, every = measure(base, slug, path, desktop=desktop, runs=options.runs)
                scores = scores_of(report)
                each = " / ".join(str(scores_of(run)["performance"]) for run in every)
                say(
                    f"{path} ({form_factor}): "
                    + ", ".join(f"{key} {scores[key]}" for key, _ in CATEGORIES)
                    + (f" (performance of each run: {each})" if len(every) > 1 else "")
                )
                if min(scores.values()) < THRESHOLD:
                    failed = True
                    say("\n".join(shortfalls(report)))
                results.append((title, path, form_factor, report, every))
    finally:
        server.terminate()
        server.wait(timeout=30)
    write_scores(results, options.runs)
    say(f"Scores written to {SCORES.relative_to(ROOT)}" + (f"; some are under {THRESHOLD}." if failed else "."))
    return 1 if failed else 0


if __name__ == "__main__":
    if not shutil.which("npm"):
        raise SystemExit("npm not found: Lighthouse needs Node.js 18.16 or later with npm.")
    sys.exit(main())
