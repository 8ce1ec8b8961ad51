"""The soak's load (`make soak`, started by bench/soak/run.py): the portal's real journeys.

- Visitor (anonymous): home, the policy catalogue, a policy, the public statistics; now and
  then files an appeal through the public form (the honeypot left empty), and a few times
  posts the same form twice, which must file one case.
- EnterpriseMember: signs in through the login form, reads its matched policies and the
  roundtables, signs its enterprises up.
- Handler: signs in, works the department's cases (those just assigned to it first): the
  workbench, a case, a comment, and moves cases on (明确措施 → 反馈企业 → 办结; the complainant
  is texted).
- Official: signs in, accepts and assigns the appeals the visitors filed (to a soak handler's
  department, whose handlers are then e-mailed and texted by the task cluster), reads the
  dashboard, the workbench and the case API.

Every request is written to SOAK_REQUEST_LOG (one JSON line: when it started and ended, the
journey, the status, which statuses were intended), and every acknowledged write to the
same file with what the portal answered (case number, registration id, the marker put in a
note), so run.py can prove afterwards, from the database, that each is there exactly once.
Accounts, sessions and ids come from SOAK_FIXTURES, written by run.py.

The portal is served as behind the TLS proxy (X-Forwarded-Proto: https), so its cookies are
Secure and its CSRF check wants a matching https Origin: the client here keeps the cookies
over the loopback's plain HTTP and sends that Origin.
"""

from __future__ import annotations

import collections
import datetime as dt
import itertools
import json
import os
import random
import re
import threading
import time
import uuid

from locust import HttpUser, between, task

with open(os.environ["SOAK_FIXTURES"], encoding="utf-8") as fixtures:
    FIXTURES = json.load(fixtures)
ORIGIN = FIXTURES["origin"]
PASSWORD = FIXTURES["password"]
_log = open(os.environ["SOAK_REQUEST_LOG"], "a", encoding="utf-8", buffering=1)  # noqa: SIM115
_log_lock = threading.Lock()

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
IDEMPOTENCY = re.compile(r'name="idempotency_key" value="([^"]*)"')
CASE_LINK = re.compile(r'href="/cases/(SQ\d{4}-\d+)/"')
POLICY_LINK = re.compile(r'href="/policies/(\d+)/"')
SUBMITTED = re.compile(r"/cases/submitted/([^/]+)/")
REGISTRATION = re.compile(r"#registration-(\d+)")

# Cases filed by visitors wait here for an official to accept and assign them to a soak
# handler's department; assigned ones wait for that department's handlers (one process:
# locust runs its users as greenlets).
FILED: collections.deque[str] = collections.deque(maxlen=500)
ASSIGNED: dict[int, collections.deque[str]] = collections.defaultdict(lambda: collections.deque(maxlen=200))


def record(entry: dict) -> None:
    with _log_lock:
        _log.write(json.dumps(entry, ensure_ascii=False) + "\n")


class PortalUser(HttpUser):
    abstract = True
    journey = ""

    def on_start(self):
        self.client.headers["Origin"] = ORIGIN

    def keep_cookies(self) -> None:
        """The portal's cookies are Secure (it believes it is behind TLS): kept for the
        loopback's plain HTTP, where the proxy's TLS is not."""
        for cookie in self.client.cookies:
            cookie.secure = False

    def call(self, method: str, path: str, *, step: str, intended=(200,), **kwargs):
        """One request, logged with whether its status was one this step intends."""
        kwargs.setdefault("allow_redirects", False)
        started = time.time()
        name = f"{self.journey}: {step}"
        with self.client.request(method, path, name=name, catch_response=True, **kwargs) as response:
            self.keep_cookies()
            status = response.status_code or 0
            error = None if response.error is None else type(response.error).__name__ + ": " + str(response.error)
            record(
                {
                    "type": "request",
                    "start": started,
                    "end": time.time(),
                    "journey": self.journey,
                    "step": step,
                    "method": method,
                    "path": path,
                    "status": status,
                    "intended": status in intended,
                    "error": error[:300] if error else None,
                    "ms": round((time.time() - started) * 1000, 1),
                }
            )
            if status in intended:
                response.success()
            else:
                response.failure(f"{status} not intended")
        return response

    def csrf_from(self, response) -> str | None:
        found = CSRF.search(response.text or "")
        return found.group(1) if found else None

    signed_in = False

    def sign_in(self) -> bool:
        """Through the login form; False while it fails (the database restarting: 503), and
        the next task tries again."""
        page = self.call("GET", "/accounts/login/", step="login form")
        token = self.csrf_from(page)
        if not token:
            return False
        answer = self.call(
            "POST",
            "/accounts/login/",
            step="login",
            intended=(302,),
            data={"csrfmiddlewaretoken": token, "username": self.account["username"], "password": PASSWORD},
        )
        self.signed_in = answer.status_code == 302
        return self.signed_in

    def ready(self) -> bool:
        return self.signed_in or self.sign_in()


# --- anonymous -------------------------------------------------------------------------------


class Visitor(PortalUser):
    weight = 5
    wait_time = between(1, 4)
    journey = "anonymous"

    @task(3)
    def home(self):
        self.call("GET", "/", step="home")

    @task(3)
    def catalogue(self):
        page = self.call("GET", "/policies/", step="policy catalogue")
        ids = POLICY_LINK.findall(page.text or "")
        if ids:
            self.call("GET", f"/policies/{random.choice(ids)}/", step="policy page")

    @task(1)
    def policy_page(self):
        self.call("GET", f"/policies/{random.choice(FIXTURES['policies'])}/", step="policy page")

    @task(1)
    def statistics(self):
        self.call("GET", "/reports/statistics/", step="statistics")

    @task(2)
    def file_appeal(self):
        self.journey = "filing"
        try:
            self._file_appeal()
        finally:
            self.journey = "anonymous"

    def _file_appeal(self):
        form = self.call("GET", "/cases/new/", step="appeal form")
        token = self.csrf_from(form)
        key = IDEMPOTENCY.search(form.text or "")
        if not token or not key:
            return
        marker = uuid.uuid4().hex[:12]
        data = {
            "csrfmiddlewaretoken": token,
            "title": f"浸泡测试诉求 {marker}",
            "description": f"浸泡测试：办理许可证时材料被反复退回。标记 {marker}",
            "category": str(random.choice(FIXTURES["categories"])),
            "complainant_name": "测试群众",
            "complainant_phone": f"139{random.randint(0, 99_999_999):08d}",
            "complainant_email": "",
            "on_behalf_of_organisation": "",
            "idempotency_key": key.group(1),
            "privacy_consent": "on",
            "homepage": "",  # the honeypot: people leave it empty
        }
        answer = self.call("POST", "/cases/new/", step="file appeal", intended=(302,), data=data)
        number = SUBMITTED.search(answer.headers.get("Location", ""))
        if answer.status_code != 302 or not number:
            return
        record({"type": "write", "kind": "case", "number": number.group(1), "key": key.group(1), "marker": marker})
        FILED.append(number.group(1))
        # A double click, or a retry after a lost answer: the same form again files nothing new.
        if random.random() < 0.2:
            again = self.call("POST", "/cases/new/", step="file appeal again", intended=(302,), data=data)
            repeated = SUBMITTED.search(again.headers.get("Location", ""))
            if again.status_code == 302:
                record(
                    {
                        "type": "write",
                        "kind": "case-again",
                        "number": repeated.group(1) if repeated else None,
                        "first": number.group(1),
                        "key": key.group(1),
                    }
                )
        self.call("GET", f"/cases/submitted/{number.group(1)}/", step="appeal submitted")


# --- enterprises -----------------------------------------------------------------------------

_members = itertools.count()


class EnterpriseMember(PortalUser):
    weight = 3
    wait_time = between(1, 4)
    journey = "enterprise"

    def on_start(self):
        super().on_start()
        self.account = FIXTURES["members"][next(_members) % len(FIXTURES["members"])]
        self.sign_in()
        self.todo = [
            (session, enterprise) for session in FIXTURES["sessions"] for enterprise in self.account["enterprises"]
        ]
        random.shuffle(self.todo)

    @task(3)
    def matches(self):
        if not self.ready():
            return
        self.call("GET", "/policies/matches/", step="my matches")

    @task(2)
    def roundtables(self):
        if not self.ready():
            return
        self.call("GET", "/roundtables/", step="roundtable list")
        self.call("GET", "/roundtables/my/", step="my registrations")

    @task(3)
    def sign_up(self):
        if not self.ready():
            return
        if not self.todo:
            return
        session, enterprise = self.todo.pop()
        page = self.call("GET", f"/roundtables/{session}/", step="roundtable page")
        token = self.csrf_from(page)
        if not token:
            return
        mode = random.choice(["in_person", "written"])
        answer = self.call(
            "POST",
            f"/roundtables/{session}/signup/",
            step="sign up",
            intended=(302,),
            data={
                "csrfmiddlewaretoken": token,
                "enterprise": str(enterprise),
                "attendee_name": "测试参会人",
                "attendee_title": "总经理",
                "attendee_mobile": f"137{random.randint(0, 99_999_999):08d}",
                "mode": mode,
                "privacy_consent": "on",
                "homepage": "",
            },
        )
        found = REGISTRATION.search(answer.headers.get("Location", ""))
        if answer.status_code == 302 and found:
            record(
                {
                    "type": "write",
                    "kind": "registration",
                    "id": int(found.group(1)),
                    "session": session,
                    "enterprise": enterprise,
                }
            )


# --- handlers --------------------------------------------------------------------------------

_handlers = itertools.count()


class Handler(PortalUser):
    weight = 3
    wait_time = between(1, 4)
    journey = "handler"

    def on_start(self):
        super().on_start()
        self.account = FIXTURES["handlers"][next(_handlers) % len(FIXTURES["handlers"])]
        self.sign_in()
        self.cases: list[str] = []

    def _pick_case(self) -> str | None:
        waiting = ASSIGNED[self.account["department"]]
        if waiting and random.random() < 0.6:
            return random.choice(waiting)
        if not self.cases or random.random() < 0.3:
            page = self.call("GET", "/cases/", step="workbench")
            self.cases = CASE_LINK.findall(page.text or "")
        return random.choice(self.cases) if self.cases else None

    @task(2)
    def workbench(self):
        if not self.ready():
            return
        self.call("GET", "/cases/", step="workbench")

    @task(3)
    def comment(self):
        if not self.ready():
            return
        number = self._pick_case()
        if not number:
            return
        page = self.call("GET", f"/cases/{number}/", step="case page")
        token = self.csrf_from(page)
        if not token:
            return
        marker = f"soak-{uuid.uuid4().hex[:16]}"
        answer = self.call(
            "POST",
            f"/cases/{number}/comment/",
            step="comment",
            intended=(302,),
            data={"csrfmiddlewaretoken": token, "note": f"浸泡测试备注 {marker}"},
        )
        if answer.status_code == 302:
            record({"type": "write", "kind": "event", "action": "comment", "number": number, "marker": marker})

    @task(3)
    def move_on(self):
        """The next step the case page offers: measures, feedback or resolution. Another
        handler of the department may have taken it first: 409 (or 403 once the step is
        no longer theirs) is the intended answer then."""
        if not self.ready():
            return
        number = self._pick_case()
        if not number:
            return
        page = self.call("GET", f"/cases/{number}/", step="case page")
        token = self.csrf_from(page)
        text = page.text or ""
        if not token:
            return
        marker = f"soak-{uuid.uuid4().hex[:16]}"
        data = {"csrfmiddlewaretoken": token}
        if f'action="/cases/{number}/measures/"' in text:
            action = "measures"
            data.update(
                {
                    "tasks-TOTAL_FORMS": "1",
                    "tasks-INITIAL_FORMS": "0",
                    "tasks-MIN_NUM_FORMS": "1",
                    "tasks-MAX_NUM_FORMS": "20",
                    "tasks-0-task": "现场核实",
                    "tasks-0-measure": "约企业现场核实问题并提出解决方案",
                    "tasks-0-deadline": (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=20)).isoformat(),
                    "tasks-0-department": str(self.account["department"]),
                    "tasks-0-responsible_person": "张科长",
                    "note": f"措施 {marker}",
                }
            )
        elif f'action="/cases/{number}/feedback/"' in text:
            action = "feedback"
            data["feedback"] = f"已约企业核实，正在协调办理。{marker}"
        elif f'action="/cases/{number}/resolve/"' in text:
            action = "resolve"
            data.update({"resolution": f"问题已解决。{marker}", "open_tasks_reason": "任务已现场完成"})
        else:
            self.cases = [case for case in self.cases if case != number]
            waiting = ASSIGNED[self.account["department"]]
            if number in waiting:
                waiting.remove(number)
            return
        answer = self.call("POST", f"/cases/{number}/{action}/", step=action, intended=(302, 403, 409), data=data)
        if answer.status_code == 302:
            record({"type": "write", "kind": "event", "action": action, "number": number, "marker": marker})


# --- officials -------------------------------------------------------------------------------

_officials = itertools.count()


class Official(PortalUser):
    weight = 2
    wait_time = between(2, 6)
    journey = "official"

    def on_start(self):
        super().on_start()
        self.account = FIXTURES["officials"][next(_officials) % len(FIXTURES["officials"])]
        self.sign_in()

    @task(2)
    def dashboard(self):
        if not self.ready():
            return
        self.call("GET", "/reports/dashboard/", step="dashboard")

    @task(2)
    def workbench(self):
        if not self.ready():
            return
        self.call("GET", "/cases/", step="workbench")

    @task(1)
    def case_api(self):
        if not self.ready():
            return
        self.call("GET", "/api/v1/cases/", step="case API")

    @task(4)
    def triage(self):
        """受理 and 交办 an appeal a visitor filed, to a soak handler's department: the
        department's handlers are notified (e-mail and text: tasks for the cluster)."""
        if not self.ready() or not FILED:
            return
        number = FILED.popleft()
        page = self.call("GET", f"/cases/{number}/", step="case page")
        token = self.csrf_from(page)
        if not token:
            return
        marker = f"soak-{uuid.uuid4().hex[:16]}"
        answer = self.call(
            "POST",
            f"/cases/{number}/accept/",
            step="accept",
            intended=(302, 409),
            data={"csrfmiddlewaretoken": token, "note": f"受理 {marker}"},
        )
        if answer.status_code != 302:
            return
        record({"type": "write", "kind": "event", "action": "accept", "number": number, "marker": marker})
        department = random.choice(FIXTURES["handlers"])["department"]
        marker = f"soak-{uuid.uuid4().hex[:16]}"
        answer = self.call(
            "POST",
            f"/cases/{number}/assign/",
            step="assign",
            intended=(302, 409),
            data={
                "csrfmiddlewaretoken": token,
                "lead_department": str(department),
                "tier": "ordinary",
                "note": f"交办 {marker}",
            },
        )
        if answer.status_code == 302:
            record({"type": "write", "kind": "event", "action": "assign", "number": number, "marker": marker})
            ASSIGNED[department].append(number)
