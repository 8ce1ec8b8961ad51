"""Races on cases, each racer in its own process or thread with its own connection:
case numbers stay unique and gapless, a form posted twice at once files one case,
and of two handlers acting on one case at once one wins and the other is told."""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from complaints import services
from complaints.models import Case, CaseEvent, EventKind, ProblemCategory, Status
from tests import factories
from tests.concurrency import pause_before_saving, run_at_once


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_filings_get_unique_consecutive_numbers():
    category = ProblemCategory.objects.get(name="其他")
    workers, per_worker = 8, 5
    barrier = threading.Barrier(workers)
    errors = []

    def file_cases(index):
        try:
            barrier.wait()
            for number in range(per_worker):
                services.case_file(
                    actor=None,
                    channel="hotline",
                    title=f"并发登记 {index}-{number}",
                    description="race",
                    category=category,
                    complainant_name="并发",
                )
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=file_cases, args=(index,)) for index in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    sequences = sorted(int(number[-6:]) for number in Case.objects.values_list("number", flat=True))
    assert sequences == list(range(1, workers * per_worker + 1))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_racing_posts_of_one_form_file_one_case():
    category = ProblemCategory.objects.get(name="其他")
    barrier = threading.Barrier(6)
    numbers, errors = [], []

    def post():
        try:
            barrier.wait()
            case = services.case_file(
                actor=None,
                channel="web",
                title="重复提交",
                description="double click",
                category=category,
                complainant_name="手快",
                idempotency_key="same-form",
            )
            numbers.append(case.number)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Case.objects.count() == 1
    assert set(numbers) == {Case.objects.get().number}


# --- Two handlers act on one case at the same moment --------------------------------------


def _racing_clients(users, client_class):
    clients = []
    for user in users:
        client = client_class()
        client.force_login(user)
        clients.append(client)
    return clients


def _status_changes(case, to_status):
    """History rows (pghistory) where the case entered ``to_status``, with the acting user."""
    rows = list(case.history.order_by("pgh_id").values("status", "pgh_context__metadata"))
    previous_statuses = [None] + [row["status"] for row in rows[:-1]]
    return [
        row
        for previous, row in zip(previous_statuses, rows, strict=True)
        if row["status"] == to_status and previous != to_status
    ]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_handlers_resolving_one_case_on_the_page_one_wins_the_other_is_told(people, case_at):
    from django.test import Client

    case = case_at("feedback_given")
    for task in case.tasks.filter(done_at__isnull=True):
        services.case_task_complete(case=case, task=task, actor=people.handler_x, note="已统一审查口径。")
    second_handler = factories.handler(people.x, username="handler_x2")
    clients = _racing_clients([people.handler_x, second_handler], Client)
    url = reverse("complaints:case_action", args=[case.number, "resolve"])

    def resolve(index):
        response = clients[index].post(url, {"resolution": f"办结意见 {index}"})
        return response.status_code, response.content.decode()

    answers = run_at_once(resolve, 2)

    codes = sorted(code for code, _ in answers)
    assert codes == [302, 409]
    refused = next(page for code, page in answers if code == 409)
    assert "状态已变化" in refused
    assert f"诉求件 {case.number} 当前状态为“已办结”，不能办结。" in refused
    case.refresh_from_db()
    assert case.status == Status.RESOLVED
    assert CaseEvent.objects.filter(case=case, kind=EventKind.RESOLVED).count() == 1
    winner = [people.handler_x, second_handler][next(i for i, (code, _) in enumerate(answers) if code == 302)]
    [change] = _status_changes(case, Status.RESOLVED)
    assert change["pgh_context__metadata"]["user"] == winner.pk


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_officials_accepting_one_case_through_the_api_one_gets_409(people, file_case):
    from rest_framework.test import APIClient

    case = file_case()
    second_official = factories.official(username="official2")
    clients = _racing_clients([people.official, second_official], APIClient)
    url = reverse("case-accept", kwargs={"number": case.number})

    def accept(index):
        response = clients[index].post(url, {"note": ""}, format="json")
        return response.status_code, response.json()

    answers = run_at_once(accept, 2)

    assert sorted(code for code, _ in answers) == [200, 409]
    conflict = next(body for code, body in answers if code == 409)
    assert conflict == {"errors": [{"field": None, "message": f"诉求件 {case.number} 当前状态为“已受理”，不能受理。"}]}
    assert CaseEvent.objects.filter(case=case, kind=EventKind.ACCEPTED).count() == 1
    winner = [people.official, second_official][next(i for i, (code, _) in enumerate(answers) if code == 200)]
    [change] = _status_changes(case, Status.ACCEPTED)
    assert change["pgh_context__metadata"]["user"] == winner.pk


# --- One form posted twice at the same moment ---------------------------------------------


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_complaint_form_posted_twice_at_once_files_one_case(category, monkeypatch):
    from django.test import Client

    pause_before_saving(monkeypatch, Case)
    clients = [Client(), Client()]
    form = {
        "title": "企业开办窗口要求重复提交材料",
        "description": "营业执照办理时被要求重复提交同一份章程。",
        "category": category.pk,
        "complainant_name": "王反映",
        "complainant_phone": "13800001111",
        "complainant_email": "",
        "on_behalf_of_organisation": "",
        "idempotency_key": "double-click-1",
        "privacy_consent": "on",
    }

    def post(index):
        response = clients[index].post(reverse("complaints:case_new"), form)
        return response.status_code, response.headers.get("Location")

    answers = run_at_once(post, 2)

    case = Case.objects.get()
    submitted = reverse("complaints:case_submitted", args=[case.number])
    assert answers == [(302, submitted), (302, submitted)]
    assert CaseEvent.objects.filter(case=case, kind=EventKind.RECEIVED).count() == 1


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_api_filing_posted_twice_at_once_with_one_key_files_one_case(people, monkeypatch):
    from rest_framework.test import APIClient

    pause_before_saving(monkeypatch, Case)
    clients = _racing_clients([people.member_a, people.member_a], APIClient)
    payload = {"title": "重复提交", "description": "d", "category": "用地", "complainant_name": "n"}

    def post(index):
        response = clients[index].post(reverse("case-list"), payload, format="json", HTTP_IDEMPOTENCY_KEY="api-form-1")
        return response.status_code, response.json()["number"]

    answers = run_at_once(post, 2)

    case = Case.objects.get()
    assert sorted(code for code, _ in answers) == [200, 201]
    assert {number for _, number in answers} == {case.number}
    assert CaseEvent.objects.filter(case=case, kind=EventKind.RECEIVED).count() == 1
