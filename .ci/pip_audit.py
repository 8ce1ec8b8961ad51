"""Known vulnerabilities in the pinned requirements (pip-audit), for .ci/run.

Audits exactly the versions pinned in requirements.txt and requirements-dev.txt (``--no-deps``:
every runtime and tool dependency the project names is pinned there) against the PyPI
advisory service, or OSV when PyPI's answers nothing. Exit status:

* 1 when a pinned version has a known vulnerability that ``.ci/pip-audit-ignore.txt`` does not
  list with a reason (one line each: the advisory id, then why it does not apply or what is
  done about it), or when that file lists an id without a reason;
* 0 otherwise — including when no advisory service can be reached from this machine (CI may
  run without internet): the step then says plainly that nothing was checked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ["requirements.txt", "requirements-dev.txt"]
IGNORE_FILE = ROOT / ".ci" / "pip-audit-ignore.txt"
SERVICES = ["pypi", "osv"]
UNREACHABLE_HINTS = (
    "ConnectionError",
    "Max retries exceeded",
    "Name or service not known",
    "Temporary failure in name resolution",
    "timed out",
    "Timeout",
    "Network is unreachable",
    "Connection refused",
    "HTTPError",
    "ServiceError",
)


def read_ignores() -> dict[str, str]:
    ignores = {}
    if not IGNORE_FILE.exists():
        return ignores
    for number, line in enumerate(IGNORE_FILE.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        vuln_id, _, reason = line.partition(" ")
        if not reason.strip():
            sys.exit(f"pip-audit: {IGNORE_FILE.name} line {number}: {vuln_id} has no reason; say why it is ignored.")
        ignores[vuln_id] = reason.strip()
    return ignores


def run(service: str, ignores: dict[str, str]) -> tuple[int, dict | None, str]:
    command = [sys.executable, "-m", "pip_audit", "--disable-pip", "--no-deps", "--progress-spinner", "off"]
    command += ["--vulnerability-service", service, "--format", "json", "--timeout", "20"]
    for requirements in REQUIREMENTS:
        command += ["-r", str(ROOT / requirements)]
    for vuln_id in ignores:
        command += ["--ignore-vuln", vuln_id]
    # The command is built here from fixed words and the ignore file's ids.
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)  # noqa: S603
    try:
        report = json.loads(result.stdout) if result.stdout.strip() else None
    except json.JSONDecodeError:
        report = None
    return result.returncode, report, result.stderr


def main() -> int:
    ignores = read_ignores()
    failures = []
    for service in SERVICES:
        code, report, stderr = run(service, ignores)
        if report is None:
            last = (stderr.strip().splitlines() or ["no output"])[-1]
            if not any(hint in stderr for hint in UNREACHABLE_HINTS):
                print(f"pip-audit ({service}) failed: {last}", file=sys.stderr)
                return 1
            failures.append(f"{service}: {last}")
            continue
        dependencies = report.get("dependencies", [])
        audited = [dep for dep in dependencies if "skip_reason" not in dep]
        if not audited:
            failures.append(f"{service}: answered for none of the {len(dependencies)} pinned packages")
            continue
        skipped = [dep["name"] for dep in dependencies if "skip_reason" in dep]
        vulnerable = [(dep, vuln) for dep in audited for vuln in dep.get("vulns", [])]
        print(f"pip-audit ({service}): {len(audited)} pinned packages checked", end="")
        print(f", {len(skipped)} not found: {', '.join(skipped)}" if skipped else "")
        for vuln_id, reason in ignores.items():
            print(f"  ignored {vuln_id}: {reason}")
        if vulnerable:
            for dep, vuln in vulnerable:
                fixes = ", ".join(vuln.get("fix_versions", [])) or "none yet"
                print(f"  {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
            print(
                "pip-audit: known vulnerabilities in pinned requirements. Upgrade the pin, or list the id in "
                ".ci/pip-audit-ignore.txt with the reason it does not apply."
            )
            return 1
        print("pip-audit: no known vulnerabilities in the pinned requirements.")
        return code if code not in (0, 1) else 0
    reasons = "; ".join(failures)
    print(f"pip-audit: NOT CHECKED — no advisory service could be reached from this machine ({reasons}).")
    print("pip-audit: the run goes on; audit the pinned requirements where the internet is reachable.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
