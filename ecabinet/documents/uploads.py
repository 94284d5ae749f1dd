"""Receiving uploaded files: in memory only, with a hard size cap.

Django's default handlers spill files over 2.5 MB into a temporary file in plaintext; a
document must never touch the disk unencrypted, so every upload goes
through ``CappedMemoryUploadHandler`` instead (settings.FILE_UPLOAD_HANDLERS). A file
larger than the cap is not kept: the handler records it, and the view answers with a
clear message.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest

TOO_LARGE_ATTR = "_ecabinet_upload_too_large"


def hard_cap_bytes() -> int:
    """The largest upload any body may allow (its own limit is checked afterwards)."""
    return int(settings.ECABINET_MAX_UPLOAD_HARD_CAP_MB) * 1024 * 1024


class CappedMemoryUploadHandler(FileUploadHandler):
    """Keep each file in memory; skip (and flag) a file once it exceeds ``cap`` bytes."""

    def __init__(self, request: HttpRequest | None = None, cap: int | None = None) -> None:
        super().__init__(request)
        self.cap = cap if cap is not None else hard_cap_bytes()
        self.buffer = BytesIO()
        self.size = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = BytesIO()
        self.size = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.size += len(raw_data)
        if self.size > self.cap:
            if self.request is not None:
                setattr(self.request, TOO_LARGE_ATTR, True)
            raise SkipFile
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def upload_was_too_large(request: HttpRequest) -> bool:
    return bool(getattr(request, TOO_LARGE_ATTR, False))
