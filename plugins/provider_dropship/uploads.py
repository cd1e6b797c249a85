"""Checks on uploaded files (onboarding documents, listing images).

The type is read from the file's first bytes, never from its name or the
client's Content-Type; the size from the upload itself.
"""

from __future__ import annotations

import os
import uuid
from typing import Dict

from plugins.core.errors import ServiceRefusal

from .domain import sniff_content_type

EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}


class UploadError(ServiceRefusal):
    REQUIRED = "required"
    INVALID_FILE_TYPE = "invalid_file_type"
    FILE_TOO_LARGE = "file_too_large"


def checked_content_type(
    upload, allowed: Dict[str, str], max_bytes: int, field: str
) -> str:
    """The upload's real content type, or ``UploadError``."""
    if upload is None or not hasattr(upload, "read"):
        raise UploadError(UploadError.REQUIRED, "Attach a file.", field)
    size = getattr(upload, "size", None)
    if size is None:
        upload.seek(0, os.SEEK_END)
        size = upload.tell()
    if size > max_bytes:
        raise UploadError(
            UploadError.FILE_TOO_LARGE,
            f"The file is larger than {max_bytes // (1024 * 1024)} MB.",
            field,
        )
    if size == 0:
        raise UploadError(UploadError.REQUIRED, "The file is empty.", field)
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    content_type = sniff_content_type(head)
    if content_type not in allowed:
        raise UploadError(
            UploadError.INVALID_FILE_TYPE,
            "Accepted types: " + ", ".join(sorted(set(allowed.values()))) + ".",
            field,
        )
    return content_type


def stored_name(content_type: str) -> str:
    """A fresh file name: clients' names never reach the storage."""
    return f"{uuid.uuid4().hex}.{EXTENSIONS[content_type]}"
