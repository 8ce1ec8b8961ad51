"""Object-level and field-level access: enterprise B never reads enterprise A's
cases, applications, registrations or files (404, so existence does not leak);
department Y never reads department X's cases; a confidential complainant reaches
no one without the identity permission on any surface: pages, the admin, the
xlsx export, notifications (inbox, e-mail, text message), the API and its errors."""

from __future__ import annotations

import io
import json

import pytest
from django.contrib.auth.models import Permission
from django.http import HttpResponse
from openpyxl import load_workbook

from complaints.models import Case
from portal import services as portal_services
from portal.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

# What identifies the complainant of the world's confidential case. member_a, who
# filed it, is called 张保密 too, so their name as an actor on the timeline counts.
IDENTITY = ["张保密", "13912345678", "secret-zhang@example.com", "宣城甲企业有限公司"]


def _leaks(text: str) -> list[str]:
    return [value for value in IDENTITY if value in text]


def _text(response) -> str:
    return response.content.decode()


# --- Object level: B and Y -------------------------------------------------------------


def test_b_reads_none_of_as_objects_and_learns_nothing_of_them(world):
    client = world.clients["member_b"]
    case, application, registration = world.case, world.application, world.registration
    urls = [
        f"/cases/{case.number}/",
        f"/cases/{case.number}/attachments/{world.attachment.pk}/",
        f"/policies/applications/{application.pk}/",
        f"/policies/applications/{application.pk}/files/{world.application_file.pk}/",
        f"/enterprises/{world.enterprise_a.pk}/",
        f"/api/v1/cases/{case.number}/",
        f"/api/v1/cases/{case.number}/events/",
        f"/api/v1/applications/{application.pk}/",
        f"/api/v1/registrations/{registration.pk}/",
        f"/api/v1/enterprises/{world.enterprise_a.pk}/",
        f"/api/v1/enterprises/{world.enterprise_a.pk}/matches/",
        f"/walkthroughs/photos/{world.photo.pk}/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 404, url
        assert case.title not in _text(response) and "宣城甲企业" not in _text(response), url
    for url in [
        f"/roundtables/registrations/{registration.pk}/cancel/",
        f"/api/v1/registrations/{registration.pk}/cancel/",
    ]:
        assert client.post(url).status_code == 404, url
    registration.refresh_from_db()
    assert registration.status != "cancelled"
    # Not in B's lists either, whatever B filters by.
    for url in [
        "/api/v1/cases/",
        f"/api/v1/cases/?q={case.number}",
        "/api/v1/applications/",
        "/api/v1/registrations/",
    ]:
        body = client.get(url).json()
        assert body["count"] == 0, (url, body)
    assert [e["id"] for e in client.get("/api/v1/enterprises/").json()["results"]] == [world.enterprise_b.pk]
    for url in ["/cases/", f"/cases/?q={case.number}", "/policies/applications/", "/roundtables/my/"]:
        page = _text(client.get(url))
        assert case.title not in page and "宣城甲企业" not in page, url


def test_a_file_is_reached_only_through_its_own_parent(world):
    """An attachment id of A's case under a case B may see, or a file of A's
    application under B's own application, is 404: ids are never looked up alone."""
    member_b = world.users["member_b"]
    client = world.clients["member_b"]
    from complaints import services as case_services

    own_case = case_services.case_file(
        actor=member_b,
        channel="web",
        title="乙企业的诉求",
        description="说明",
        category=world.case.category,
        enterprise=world.enterprise_b,
        complainant_name="乙",
    )
    assert client.get(f"/cases/{own_case.number}/").status_code == 200
    assert client.get(f"/cases/{own_case.number}/attachments/{world.attachment.pk}/").status_code == 404
    from policies.applications import services as policy_services

    own_application = policy_services.application_start(
        policy=world.policy, enterprise=world.enterprise_b, actor=member_b
    )
    assert client.get(f"/policies/applications/{own_application.pk}/").status_code == 200
    url = f"/policies/applications/{own_application.pk}/files/{world.application_file.pk}/"
    assert client.get(url).status_code == 404
    # A draft policy's document is not reached through a published policy either.
    assert client.get(f"/policies/{world.policy.pk}/attachments/{world.draft_attachment.pk}/").status_code == 404
    assert client.get(f"/policies/{world.draft_policy.pk}/attachments/{world.draft_attachment.pk}/").status_code == 404
    url = f"/roundtables/{world.session.pk}/attachments/{world.draft_session_attachment.pk}/"
    assert client.get(url).status_code == 404
    url = f"/roundtables/{world.draft_session.pk}/attachments/{world.draft_session_attachment.pk}/"
    assert client.get(url).status_code == 404


def test_y_never_reads_xs_cases(world):
    client = world.clients["handler_y"]
    case = world.case
    for url in [
        f"/cases/{case.number}/",
        f"/cases/{case.number}/attachments/{world.attachment.pk}/",
        f"/api/v1/cases/{case.number}/",
        f"/api/v1/cases/{case.number}/events/",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(f"/cases/{case.number}/comment/", {"note": "看看"}).status_code == 404
    assert client.post(f"/api/v1/cases/{case.number}/feedback/", {}, content_type="application/json").status_code == 404
    assert client.get("/api/v1/cases/").json()["count"] == 0
    assert client.get(f"/api/v1/cases/?department={world.x.pk}").json()["count"] == 0
    assert case.number not in _text(client.get("/cases/?open=false"))
    assert client.get("/reports/export.xlsx").status_code == 403
    # X's handler, for contrast, reads it.
    assert world.clients["handler_x"].get(f"/cases/{case.number}/").status_code == 200


def test_a_reviewer_sees_applications_only_once_submitted(world):
    """A draft is the enterprise's own until it is submitted: X's reviewer gets 404."""
    from policies.applications import services as policy_services
    from policies.models import Policy

    other_policy = Policy.objects.create(
        title="另一项政策",
        issuer=world.x,
        level="municipal",
        region=world.city,
        category=world.policy.category,
        summary="摘要",
        support_type="cash",
        application_method="online",
        state=Policy.State.PUBLISHED,
    )
    draft = policy_services.application_start(
        policy=other_policy, enterprise=world.enterprise_a, actor=world.users["member_a"]
    )
    reviewer = world.clients["handler_x"]
    assert reviewer.get(f"/policies/applications/{draft.pk}/").status_code == 404
    assert reviewer.get(f"/api/v1/applications/{draft.pk}/").status_code == 404
    assert reviewer.get(f"/policies/applications/{world.application.pk}/").status_code == 200
    assert world.clients["member_a"].get(f"/policies/applications/{draft.pk}/").status_code == 200


# --- Field level: the confidential complainant ------------------------------------------


def _case_surfaces(world, role):
    client = world.clients[role]
    number = world.case.number
    responses = {
        "workbench": client.get("/cases/"),
        "workbench search": client.get("/cases/?q=材料"),
        "case page": client.get(f"/cases/{number}/"),
        "case page after a bad post": client.post(f"/cases/{number}/comment/", {"note": ""}),
        "inbox": client.get("/notifications/"),
        "api list": client.get("/api/v1/cases/"),
        "api detail": client.get(f"/api/v1/cases/{number}/"),
        "api detail, browsable": client.get(f"/api/v1/cases/{number}/", HTTP_ACCEPT="text/html"),
        "api events, browsable": client.get(f"/api/v1/cases/{number}/events/", HTTP_ACCEPT="text/html"),
        "api events": client.get(f"/api/v1/cases/{number}/events/"),
        "api error": client.post(
            f"/api/v1/cases/{number}/set-measures/", {"tasks": [{"task": ""}]}, content_type="application/json"
        ),
        "api refused": client.post(f"/api/v1/cases/{number}/accept/", {}, content_type="application/json"),
    }
    # Other cases (the roundtable appeal's, not confidential) may name enterprise A:
    # from the API list, only the confidential case's entry counts.
    entries = [entry for entry in responses["api list"].json()["results"] if entry["number"] == number]
    assert entries
    responses["api list"] = HttpResponse(json.dumps(entries, ensure_ascii=False))
    return responses


def test_the_handler_never_sees_the_confidential_complainant(world):
    responses = _case_surfaces(world, "handler_x")
    assert responses["case page"].status_code == 200
    assert responses["api detail"].status_code == 200
    assert responses["api error"].status_code == 400
    assert responses["api refused"].status_code == 403
    leaks = {name: _leaks(_text(response)) for name, response in responses.items()}
    assert not any(leaks.values()), leaks
    assert responses["api detail"].json()["complainant_name"] == "（保密）"
    assert responses["api detail"].json()["enterprise"] is None
    # Searching by the complainant finds nothing, so the name cannot be confirmed either.
    client = world.clients["handler_x"]
    for url in ["/api/v1/cases/?q=张保密", "/api/v1/cases/?q=13912345678", "/api/v1/cases/?ordering=complainant_name"]:
        body = client.get(url).json()
        assert not _leaks(str(body)), url
    assert client.get("/api/v1/cases/?q=张保密").json()["count"] == 0


def test_the_chief_officer_without_the_permission_does_not_see_them_either(world):
    """首席问题官 read every case but hold no identity permission: masked everywhere,
    the admin included (its timeline shows the complainant's account as actor)."""
    responses = _case_surfaces(world, "chief")
    client = world.clients["chief"]
    responses["admin changelist"] = client.get("/admin/complaints/case/")
    responses["admin change"] = client.get(f"/admin/complaints/case/{world.case.pk}/change/")
    assert responses["admin change"].status_code == 200
    leaks = {name: _leaks(_text(response)) for name, response in responses.items()}
    assert not any(leaks.values()), leaks
    # The admin's search box echoes what was typed; what matters is that it finds nothing.
    assert world.case.number not in _text(client.get("/admin/complaints/case/?q=张保密"))


def test_the_official_and_the_complainant_do_see_them(world):
    """The control: the same surfaces show the identity to those who may see it."""
    for role in ["official", "member_a"]:
        page = _text(world.clients[role].get(f"/cases/{world.case.number}/"))
        assert "张保密" in page and "13912345678" in page, role
        assert world.clients[role].get(f"/api/v1/cases/{world.case.number}/").json()["complainant_name"] == "张保密"
    page = _text(world.clients["official"].get(f"/admin/complaints/case/{world.case.pk}/change/"))
    assert "张保密" in page


def _cells(response) -> str:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return " ".join(str(cell) for sheet in workbook for row in sheet.iter_rows(values_only=True) for cell in row)


def test_the_export_masks_them_for_an_exporter_without_the_permission(world):
    handler = world.users["handler_x"]
    handler.user_permissions.add(Permission.objects.get(codename="export_cases"))
    response = world.clients["handler_x"].get("/reports/export.xlsx")
    assert response.status_code == 200
    cells = _cells(response)
    assert world.case.number in cells and "（保密）" in cells
    assert not _leaks(cells)
    official = _cells(world.clients["official"].get("/reports/export.xlsx"))
    assert "张保密" in official


def test_notifications_to_the_departments_say_nothing_of_the_complainant(world, mailoutbox, sms_outbox):
    for notification in Notification.objects.exclude(recipient=world.users["member_a"]):
        portal_services.notification_deliver(notification_id=notification.pk)
    sent = Notification.objects.filter(recipient=world.users["handler_x"])
    assert sent.exists()
    texts = [f"{n.title} {n.body} {n.link}" for n in sent]
    texts += [f"{m.subject} {m.body}" for m in mailoutbox if world.users["handler_x"].email in m.to]
    texts += [message["text"] for message in sms_outbox]
    assert not _leaks(" ".join(texts)), texts
    # And no notification about the case to anyone but its complainant's side names them.
    others = Notification.objects.exclude(recipient__memberships__enterprise=world.enterprise_a)
    assert not _leaks(" ".join(f"{n.title} {n.body}" for n in others))


def test_a_case_confidential_from_a_roundtable_appeal_is_masked_too(world):
    """Appeals raised at a roundtable become cases; a confidential one stays masked."""
    case = Case.objects.get(roundtable_appeal=world.appeal)
    case.is_confidential = True
    case.save(update_fields=["is_confidential"])
    from complaints import services as case_services

    official = world.users["official"]
    case_services.case_assign(case=case, actor=official, lead_department=world.x, tier="ordinary")
    client = world.clients["handler_x"]
    assert client.get(f"/cases/{case.number}/").status_code == 200
    assert not _leaks(_text(client.get(f"/cases/{case.number}/")))
    assert not _leaks(_text(client.get(f"/api/v1/cases/{case.number}/")))


def test_identity_is_never_shown_to_a_user_granted_only_view_all(world):
    """Reading every case is not reading identities: a fresh user with view_all_cases only."""
    reader = factories.user(username="auditor")
    reader.user_permissions.add(Permission.objects.get(codename="view_all_cases"))
    from django.test import Client

    client = Client()
    client.force_login(reader)
    assert client.get(f"/cases/{world.case.number}/").status_code == 200
    assert not _leaks(_text(client.get(f"/cases/{world.case.number}/")))
    assert not _leaks(_text(client.get(f"/api/v1/cases/{world.case.number}/")))
    assert not _leaks(_text(client.get(f"/api/v1/cases/{world.case.number}/events/")))


def test_b_cannot_touch_as_notifications(world):
    """Marking read takes ids, and only the user's own are marked; B's inbox never lists A's."""
    notification = world.notification
    client = world.clients["member_b"]
    assert client.post("/notifications/read/", {"id": [notification.pk]}).status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is None
    assert notification.title not in _text(client.get("/notifications/"))
    assert notification.title in _text(world.clients["member_a"].get("/notifications/"))


def test_drafts_answer_404_to_all_but_their_managers(world):
    """A draft policy or session, or an unpublished typical case, does not exist for
    the public, on pages, the API or the calendar files."""
    typical = world.typical
    typical.is_published = False
    typical.save(update_fields=["is_published"])
    urls = [
        f"/policies/{world.draft_policy.pk}/",
        f"/api/v1/policies/{world.draft_policy.pk}/",
        f"/roundtables/{world.draft_session.pk}/",
        f"/api/v1/roundtables/{world.draft_session.pk}/",
        f"/roundtables/{world.draft_session.pk}/calendar.ics",
        f"/reports/typical-cases/{typical.pk}/",
    ]
    for role in ["anonymous", "member_a", "handler_x", "chief", "officer"]:
        for url in urls:
            response = world.clients[role].get(url)
            assert response.status_code == 404, (role, url)
            assert "尚未发布" not in _text(response), (role, url)
    official = world.clients["official"]
    assert official.get(f"/policies/{world.draft_policy.pk}/").status_code == 200
    assert official.get(f"/roundtables/{world.draft_session.pk}/").status_code == 200


def test_claiming_an_enterprise_is_not_representing_it(world):
    """A user whose claim on enterprise A is pending (or was rejected) reads nothing of A's."""
    from django.test import Client

    from portal.models import EnterpriseMembership

    for status in [EnterpriseMembership.Status.PENDING, EnterpriseMembership.Status.REJECTED]:
        claimant = factories.user(username=f"claimant_{status}")
        EnterpriseMembership.objects.create(user=claimant, enterprise=world.enterprise_a, status=status)
        client = Client()
        client.force_login(claimant)
        for url in [
            f"/cases/{world.case.number}/",
            f"/policies/applications/{world.application.pk}/",
            f"/enterprises/{world.enterprise_a.pk}/",
            f"/api/v1/cases/{world.case.number}/",
            f"/api/v1/applications/{world.application.pk}/",
            f"/api/v1/registrations/{world.registration.pk}/",
        ]:
            assert client.get(url).status_code == 404, (status, url)
