"""Checks on uploaded files: size, and type judged by content rather than by name."""

from __future__ import annotations

import filetype
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_UPLOAD_BYTES = 20 * 1024 * 1024

# Detected extension -> the content type the portal serves the file with.
ALLOWED_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "heic": "image/heic",
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
ALLOWED_DESCRIPTION = gettext_lazy(
    "图片（JPG、PNG、GIF、WebP、HEIC）、PDF 或办公文档（Word、Excel、PowerPoint、WPS/ODF）"
)


def check_upload(upload) -> str:
    """Return the content type to store for an acceptable file, or raise ValidationError."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("文件“%(name)s”为%(size)s，超过了%(limit)s的上限。")
            % {"name": upload.name, "size": filesizeformat(upload.size), "limit": filesizeformat(MAX_UPLOAD_BYTES)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.extension not in ALLOWED_TYPES:
        raise ValidationError(
            _("文件“%(name)s”的类型不受支持，请上传%(allowed)s。")
            % {"name": upload.name, "allowed": ALLOWED_DESCRIPTION},
            code="bad_type",
        )
    return ALLOWED_TYPES[kind.extension]


# Topic videos (专题片) of roundtables may be uploaded as files too.
VIDEO_TYPES = {"mp4": "video/mp4", "webm": "video/webm", "mov": "video/quicktime"}


def stored_content_type(stored_file, *, allowed=None) -> str:
    """The content type to serve a stored file with, judged from its first bytes;
    ``application/octet-stream`` for anything not on the allow-list, so a browser
    never renders what it is sent (for files whose type was not recorded at upload)."""
    allowed = ALLOWED_TYPES if allowed is None else allowed
    with stored_file.open("rb") as handle:
        kind = filetype.guess(handle.read(8192))
    if kind is None or kind.extension not in allowed:
        return "application/octet-stream"
    return allowed[kind.extension]
