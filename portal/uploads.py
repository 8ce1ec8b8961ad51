"""Uploaded files on their way in and out: the checks on size and on type, judged by
content rather than by name, and ``protected_file_response``, the one way a stored file
is sent back after a view has checked who may see it.

Office documents (docx/xlsx/pptx and the ODF ones) are zip containers, and are allowed
all the same: policy applications ask for the application form in Word and financial
statements in Excel, and enterprises' complaints attach the same kind of papers. They
are stored under generated names, never opened or unpacked by the portal, and served
only as downloads (``Content-Disposition: attachment``) with the type set here. Plain
archives (zip, rar, 7z, gzip, tar …) are refused with their own message: their content
cannot be checked, and a reviewer would have to unpack unknown files.
"""

from __future__ import annotations

import posixpath
import unicodedata

import filetype
from django.core.exceptions import ValidationError
from django.http import FileResponse
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
ARCHIVES = {"zip", "tar", "rar", "gz", "bz2", "7z", "xz", "lz", "lzo", "zst", "Z", "cab", "ar", "rpm", "deb", "br"}
ALLOWED_DESCRIPTION = gettext_lazy(
    "图片（JPG、PNG、GIF、WebP、HEIC）、PDF 或办公文档（Word、Excel、PowerPoint、WPS/ODF）"
)


def check_upload(upload) -> str:
    """Return the content type to store for an acceptable file, or raise ValidationError."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("文件“%(name)s”为%(size)s，超过了%(limit)s的上限。")
            % {
                "name": display_name(upload.name),
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(MAX_UPLOAD_BYTES),
            },
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is not None and kind.extension in ARCHIVES:
        raise ValidationError(
            _("文件“%(name)s”是压缩包，平台不接收压缩包，请把其中的文件逐个上传。")
            % {"name": display_name(upload.name)},
            code="archive",
        )
    if kind is None or kind.extension not in ALLOWED_TYPES:
        raise ValidationError(
            _("文件“%(name)s”的类型不受支持，请上传%(allowed)s。")
            % {"name": display_name(upload.name), "allowed": ALLOWED_DESCRIPTION},
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


def display_name(name: str, limit: int = 200) -> str:
    """The uploaded file's name as shown to people: its last path segment, without control
    or format characters (a right-to-left override can make "cod.exe" read as "exe.doc"),
    whitespace collapsed, at most ``limit`` characters. Only ever displayed: files are
    stored under generated names."""
    name = posixpath.basename((name or "").replace("\\", "/"))
    cleaned = "".join(" " if unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") else char for char in name)
    cleaned = " ".join(cleaned.split())
    return cleaned[:limit] or _("未命名文件")


def protected_file_response(*, file, filename: str, content_type: str, inline: bool = False) -> FileResponse:
    """Send a stored file to someone the calling view has already checked may see it.

    ``file`` is the stored file (a model's ``FieldFile``), opened here and closed with the
    response. It goes out as a download (``Content-Disposition: attachment``), or shown
    in the browser with ``inline``, suggested under ``filename`` (any characters; Django
    encodes it for the header), with ``content_type`` as given — the type the server
    judged from the bytes, never the uploader's say-so — and ``nosniff``, so the browser
    does not guess another type from the content."""
    response = FileResponse(file.open("rb"), as_attachment=not inline, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
