"""Encrypted storage: key rotation re-wraps document keys, and the old key can go."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from ecabinet.core import envelope
from ecabinet.core.testing.personas import World
from ecabinet.documents import services
from ecabinet.documents.models import Document, DocumentVersion
from ecabinet.documents.storage import store_encrypted
from ecabinet.documents.tests.files import pdf_bytes

pytestmark = pytest.mark.django_db


def test_rotation_rewraps_every_document_key_and_the_old_kek_can_be_removed(
    world: World, upload: Callable[..., Document]
) -> None:
    documents = [upload(data=pdf_bytes(f"Văn bản số {i}"), filename=f"{i}.pdf") for i in range(3)]
    # One version also has a converted rendition: both keys move.
    first = documents[0].versions.get()
    name, wrapped = store_encrypted(b"%PDF-rendition", version_id=first.pk, slot="pdf")
    DocumentVersion.objects.filter(pk=first.pk).update(pdf_blob_name=name, pdf_wrapped_key=wrapped)
    old = envelope.current_kek_id()
    out = StringIO()
    call_command("keys", "rotate", stdout=out)
    new = envelope.current_kek_id()
    assert new != old
    assert "3 rewrapped" in out.getvalue()
    (Path(settings.ECABINET_KEY_DIR) / f"{old}.kek").unlink()
    failures = 0
    for version in DocumentVersion.objects.all():
        assert envelope.kek_id_of(bytes(version.wrapped_key)) == new
        try:
            services.version_bytes(actor=None, version=version)
        except services.DocumentUnreadable:
            failures += 1
    assert failures == 0
    first.refresh_from_db()
    assert services.version_bytes(actor=None, version=first, slot="pdf") == b"%PDF-rendition"
    out = StringIO()
    call_command("keys", "rewrap", stdout=out)
    assert "0 rewrapped" in out.getvalue()


def test_a_missing_kek_is_an_error_never_a_fallback(
    world: World, upload: Callable[..., Document]
) -> None:
    version = upload().versions.get()
    for path in Path(settings.ECABINET_KEY_DIR).glob("*.kek"):
        path.unlink()
    with pytest.raises(services.DocumentUnreadable):
        services.version_bytes(actor=None, version=version)
