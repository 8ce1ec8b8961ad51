"""The one way a stored upload is sent back: ``portal.uploads.protected_file_response``.
The views that call it, and who may download what, are tested in
tests/access/test_file_downloads.py."""

from __future__ import annotations

from urllib.parse import quote

from django.core.files.base import ContentFile

from portal.uploads import protected_file_response

PDF = b"%PDF-1.4\n%test\n"


def test_a_file_goes_out_as_a_download_with_the_given_type_and_nosniff():
    response = protected_file_response(
        file=ContentFile(PDF, name="stored-7f3a.bin"), filename='申请表“终稿”"v2".pdf', content_type="application/pdf"
    )
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    # Non-ASCII names use RFC 5987 encoding, so the quotes cannot end the header value.
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote('申请表“终稿”"v2".pdf')
    assert b"".join(response.streaming_content) == PDF


def test_quotes_in_an_ascii_name_are_escaped():
    response = protected_file_response(
        file=ContentFile(PDF), filename='report "final".pdf', content_type="application/pdf"
    )
    assert response["Content-Disposition"] == 'attachment; filename="report \\"final\\".pdf"'


def test_inline_shows_the_file_with_the_same_protections():
    response = protected_file_response(
        file=ContentFile(PDF), filename="现场.png", content_type="image/png", inline=True
    )
    assert response["Content-Disposition"] == "inline; filename*=utf-8''" + quote("现场.png")
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
