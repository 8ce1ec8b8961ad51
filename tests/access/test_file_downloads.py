"""Uploaded files leave the portal only through views that check who may see them,
as downloads (``Content-Disposition: attachment``) with a content type the server
judged from the bytes, never from the file's name or the uploader's say-so. Nothing
is served from MEDIA_URL.

Policy documents and roundtable materials are public while their policy or
session is (published): the catalogue is public information. Drafts' files answer
404 to everyone but their managers."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.models import Case
from roundtables.models import SessionAttachment
from tests.complaints.test_views import PNG

pytestmark = pytest.mark.django_db


def _downloads(world):
    """(kind, url, who may download, a stored file) for every kind of upload."""
    return [
        (
            "case attachment",
            f"/cases/{world.case.number}/attachments/{world.attachment.pk}/",
            "member_a",
            world.attachment.file,
        ),
        (
            "application file",
            f"/policies/applications/{world.application.pk}/files/{world.application_file.pk}/",
            "member_a",
            world.application_file.file,
        ),
        ("walkthrough photo", f"/walkthroughs/photos/{world.photo.pk}/", "officer", world.photo.file),
        (
            "policy attachment",
            f"/policies/{world.policy.pk}/attachments/{world.policy_attachment.pk}/",
            "anonymous",
            world.policy_attachment.file,
        ),
        (
            "roundtable material",
            f"/roundtables/{world.session.pk}/attachments/{world.session_attachment.pk}/",
            "anonymous",
            world.session_attachment.file,
        ),
    ]


EXPECTED_TYPES = {
    "case attachment": "image/png",
    "application file": "application/pdf",
    "walkthrough photo": "image/png",
    "policy attachment": "application/pdf",
    "roundtable material": "application/pdf",
}


def test_every_kind_of_upload_is_a_download_with_the_servers_content_type(world):
    for kind, url, role, _file in _downloads(world):
        response = world.clients[role].get(url)
        assert response.status_code == 200, kind
        assert response["Content-Disposition"].startswith("attachment;"), kind
        assert response["Content-Type"] == EXPECTED_TYPES[kind], kind
        assert response["X-Content-Type-Options"] == "nosniff", kind


def test_nothing_is_served_from_the_media_url(world):
    assert settings.MEDIA_URL.strip("/") not in {"", "static"}
    for kind, _url, _role, stored in _downloads(world):
        media_url = "/" + settings.MEDIA_URL.strip("/") + "/" + stored.name
        for role in ["anonymous", "member_a", "official"]:
            assert world.clients[role].get(media_url).status_code == 404, (kind, role)
    # Stored names are the server's, not the uploader's (no path or name from the user).
    assert "材料" not in world.attachment.file.name
    assert "现场" not in world.photo.file.name


def test_a_file_named_as_a_web_page_is_still_served_as_what_it_is(world):
    """A PNG uploaded as “page.html” with text/html: stored and served as image/png,
    a download; the name the user gave is only the download's suggested name."""
    member_a = world.users["member_a"]
    client = world.clients["member_a"]
    response = client.post(
        "/cases/new/",
        {
            "title": "附件测试",
            "description": "说明",
            "category": world.case.category_id,
            "enterprise": world.enterprise_a.pk,
            "complainant_name": "张保密",
            "complainant_phone": "13912345678",
            "privacy_consent": "on",
            "attachments": [SimpleUploadedFile("page.html", PNG, content_type="text/html")],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    case = Case.objects.filter(filed_by=member_a).latest("id")
    attachment = case.attachments.get()
    assert attachment.content_type == "image/png"
    assert not attachment.file.name.endswith(".html")
    download = client.get(f"/cases/{case.number}/attachments/{attachment.pk}/")
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment;")


def test_a_roundtable_file_of_an_unknown_kind_is_served_as_bytes(world):
    """Materials are uploaded in the admin by staff; whatever they hold, the browser
    is told to save them, and anything not on the allow-list is plain bytes."""
    html = SessionAttachment.objects.create(
        session=world.session, title="议程", file=ContentFile(b"<script>alert(1)</script>", name="议程.html")
    )
    response = world.clients["anonymous"].get(f"/roundtables/{world.session.pk}/attachments/{html.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert ".html" not in response["Content-Disposition"]
    link_only = SessionAttachment.objects.create(session=world.session, title="专题片", link="https://example.com/v")
    assert (
        world.clients["anonymous"].get(f"/roundtables/{world.session.pk}/attachments/{link_only.pk}/").status_code
        == 404
    )


def test_the_session_page_links_materials_through_the_checked_view(world):
    page = world.clients["anonymous"].get(f"/roundtables/{world.session.pk}/").content.decode()
    assert f"/roundtables/{world.session.pk}/attachments/{world.session_attachment.pk}/" in page
    assert world.session_attachment.file.name not in page


def test_files_of_draft_policies_and_sessions_are_for_their_managers(world):
    draft_policy = f"/policies/{world.draft_policy.pk}/attachments/{world.draft_attachment.pk}/"
    draft_session = f"/roundtables/{world.draft_session.pk}/attachments/{world.draft_session_attachment.pk}/"
    for role in ["anonymous", "member_a", "member_b", "handler_x", "handler_y", "chief", "officer"]:
        assert world.clients[role].get(draft_policy).status_code == 404, role
        assert world.clients[role].get(draft_session).status_code == 404, role
    assert world.clients["official"].get(draft_policy).status_code == 200
    assert world.clients["official"].get(draft_session).status_code == 200
