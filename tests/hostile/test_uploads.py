"""Every upload surface refuses what it must: files judged by their content, not their
name (an HTML page or a program called .pdf or .jpg), archives (zip, rar, 7z, gzip),
and files over the size limit; and what it accepts is stored under a generated name,
the uploaded name kept only for display, without its path or control characters.

Surfaces: the public case intake page, the application page and the applications API
(enterprise member), a walkthrough finding's photos (experience officer's edit page),
and a policy's attachments (officials, through the model's validation the admin runs).
"""

from __future__ import annotations

import io
import itertools
import zipfile
from pathlib import PurePosixPath

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from complaints.models import Case, FindingPhoto, ProblemCategory
from policies.models import ApplicationFile, PolicyAttachment
from portal import uploads
from tests.complaints.test_walkthroughs import _post_data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
_keys = itertools.count()


def _zip(**entries) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buffer.getvalue()


DOCX = _zip(**{"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})
REFUSED = {
    "html-named-pdf": ("申请表.pdf", b"<html><script>alert(1)</script></html>"),
    "program-named-jpg": ("现场.jpg", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
    "svg-with-script": ("图.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    "zip": ("材料.pdf", _zip(**{"a.txt": "x"})),
    "rar": ("材料.rar", b"Rar!\x1a\x07\x01\x00" + b"\x00" * 32),
    "7z": ("材料.7z", b"7z\xbc\xaf\x27\x1c" + b"\x00" * 32),
    "gzip": ("材料.pdf.gz", b"\x1f\x8b\x08\x00" + b"\x00" * 32),
}


def _case_intake(world, client, name, content):
    before = Case.objects.count()
    client.post(
        "/cases/new/",
        {
            "title": "审批材料反复退回",
            "description": "同一份材料被要求修改三次。",
            "category": ProblemCategory.objects.get(name="审批服务").pk,
            "complainant_name": "王反映",
            "complainant_phone": "13800001111",
            "idempotency_key": f"upload-{next(_keys)}",
            "privacy_consent": "on",
            "attachments": [SimpleUploadedFile(name, content)],
        },
    )
    if Case.objects.count() == before:
        return None
    return Case.objects.order_by("-pk").first().attachments.get()


def _application_page(world, client, name, content):
    client.force_login(world.member_a)
    material = world.policy.materials.get()
    before = set(ApplicationFile.objects.values_list("pk", flat=True))
    client.post(
        f"/policies/applications/{world.application.pk}/",
        {"action": "upload", "material": material.pk, "file": SimpleUploadedFile(name, content)},
    )
    return ApplicationFile.objects.exclude(pk__in=before).first()


def _application_api(world, client, name, content):
    client.force_login(world.member_a)
    material = world.policy.materials.get()
    before = set(ApplicationFile.objects.values_list("pk", flat=True))
    response = client.post(
        f"/api/v1/applications/{world.application.pk}/files/",
        {"material": material.pk, "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code < 500
    if response.status_code >= 400:
        assert response.json()["errors"][0]["message"]
    return ApplicationFile.objects.exclude(pk__in=before).first()


def _finding_photo(world, client, name, content):
    client.force_login(world.officer)
    data = _post_data(world.walkthrough)
    data["findings-0-id"] = world.finding.pk
    data["findings-0-photos"] = [SimpleUploadedFile(name, content)]
    before = set(FindingPhoto.objects.values_list("pk", flat=True))
    client.post(f"/walkthroughs/{world.walkthrough.pk}/edit/", {**data, "save": "1"})
    return FindingPhoto.objects.exclude(pk__in=before).first()


def _policy_attachment(world, client, name, content):
    attachment = PolicyAttachment(policy=world.policy, title="政策原文", file=SimpleUploadedFile(name, content))
    try:
        attachment.full_clean()
    except ValidationError:
        return None
    attachment.save()
    return attachment


SURFACES = {
    "case-intake": _case_intake,
    "application-page": _application_page,
    "application-api": _application_api,
    "finding-photo": _finding_photo,
    "policy-attachment": _policy_attachment,
}
# A finding's photos must be pictures; everywhere else documents are welcome too.
ACCEPTED = {"finding-photo": ("现场.png", PNG)}


@pytest.mark.parametrize("surface", SURFACES)
@pytest.mark.parametrize("kind", REFUSED)
def test_files_are_judged_by_content_and_archives_are_refused(world, client, surface, kind):
    name, content = REFUSED[kind]
    assert SURFACES[surface](world, client, name, content) is None


@pytest.mark.parametrize("surface", SURFACES)
def test_a_file_over_the_limit_is_refused(world, client, surface, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UPLOAD_BYTES", 1024)
    name, content = ACCEPTED.get(surface, ("大文件.pdf", PDF))
    assert SURFACES[surface](world, client, name, content + b"\x00" * 2048) is None


@pytest.mark.parametrize("surface", SURFACES)
def test_the_uploaded_name_is_never_a_path(world, client, surface):
    name, content = ACCEPTED.get(surface, ("x.pdf", PDF))
    hostile_name = "../../../etc/\u202egpj." + name.rsplit(".", 1)[1] + "\x07"
    stored = SURFACES[surface](world, client, hostile_name, content)
    assert stored is not None, "a good file must be accepted, or the test proves nothing"
    path = PurePosixPath(stored.file.name)
    assert ".." not in path.parts and "etc" not in path.parts and "gpj" not in path.name
    if hasattr(stored, "original_name"):
        assert "/" not in stored.original_name and "\u202e" not in stored.original_name
        assert "\x07" not in stored.original_name and stored.original_name.startswith("gpj.")


def test_office_documents_are_accepted_where_policies_ask_for_them(world, client):
    """docx/xlsx are zip containers, and allowed: application forms come in Word and
    financial statements in Excel (see portal/uploads.py)."""
    stored = _application_api(world, client, "申请表.docx", DOCX)
    assert stored is not None and stored.content_type.endswith("wordprocessingml.document")


def test_an_archive_is_refused_with_its_own_message(world, client):
    client.force_login(world.member_a)
    response = client.post(
        f"/api/v1/applications/{world.application.pk}/files/",
        {"material": world.policy.materials.get().pk, "file": SimpleUploadedFile("材料.zip", REFUSED["zip"][1])},
    )
    assert response.status_code == 400
    assert "压缩包" in response.json()["errors"][0]["message"]
