"""Stored files (Django's storage API) sent to a signed-in browser: the
console's application documents and listing assets, the portal's assets.
Each view checks who may see the file first; the files are never public."""

from __future__ import annotations

import mimetypes

from django.http import FileResponse


def stream_file(field_file) -> FileResponse:
    """A stored file as an inline download with a type from its name, which
    the browser may not second-guess (uploads were type-checked on the way in)."""
    name = field_file.name.rsplit("/", 1)[-1]
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(field_file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
