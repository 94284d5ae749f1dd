"""Signature and seal images: checked by content, audited, scoped to the body's managers."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from ecabinet.audit.models import AuditEvent
from ecabinet.core.errors import DomainError
from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.personas import World
from ecabinet.signatures import images
from ecabinet.signatures.models import SealImage, SignatureImage
from ecabinet.signatures.pdf import images as demo_images


def _png(mode: str = "RGBA", size: tuple[int, int] = (200, 80), fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (20, 40, 160, 0) if mode == "RGBA" else (255, 255, 255)).save(
        out, format=fmt
    )
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n not really", "not_png"),
        (b"%PDF-1.7 pretending", "not_png"),
        (_png(mode="RGB"), "opaque"),
        (_png(mode="RGB", fmt="JPEG"), "not_png"),
        (_png(size=(10, 10)), "size"),
        (b"\x00" * (images.MAX_BYTES + 1), "too_large"),
    ],
)
def test_bad_uploads_are_refused_with_a_reason(data: bytes, code: str) -> None:
    with pytest.raises(DomainError) as refused:
        images.check_png(data)
    assert refused.value.code == code


def test_generated_demo_images_are_accepted() -> None:
    assert images.check_png(demo_images.signature_png("Nguyễn Văn Mẫu")).width > 0
    assert images.check_png(demo_images.seal_png("CHÍNH PHỦ")).height > 0


def test_member_uploads_and_replaces_own_signature_image(world: World) -> None:
    member = world.user("member")
    assert member is not None
    first = images.signature_image_upload(actor=member, data=_png())
    second = images.signature_image_upload(actor=member, data=_png(size=(300, 100)))

    assert first.pk == second.pk
    assert SignatureImage.objects.get(user=member).width == 300
    events = AuditEvent.objects.filter(verb="signatures.signature_image_uploaded")
    assert events.count() == 2
    assert events.order_by("seq").last().before == {"sha256": first.sha256}  # type: ignore[union-attr]


def test_refused_upload_changes_nothing(world: World) -> None:
    member = world.user("member")
    assert member is not None
    with pytest.raises(DomainError):
        images.signature_image_upload(actor=member, data=_png(mode="RGB"))
    assert not SignatureImage.objects.exists()
    assert not AuditEvent.objects.filter(verb__startswith="signatures.signature_image").exists()


def test_page_shows_a_clear_message_for_a_wrong_file(world: World, client: Client) -> None:
    login_as(client, world.user("member"))
    upload = SimpleUploadedFile("chu-ky.png", b"GIF89a not png", content_type="image/png")

    response = client.post("/chu-ky/anh-chu-ky/", {"image": upload})

    assert response.status_code == 400
    assert "không phải là ảnh PNG" in response.content.decode()


def test_page_upload_then_image_served_to_its_owner_only(world: World, client: Client) -> None:
    login_as(client, world.user("member"))
    upload = SimpleUploadedFile("chu-ky.png", _png(), content_type="image/png")
    assert client.post("/chu-ky/anh-chu-ky/", {"image": upload}).status_code == 302
    own = client.get("/chu-ky/anh-chu-ky/anh.png")
    assert own.status_code == 200
    assert own["Content-Type"] == "image/png"

    login_as(client, world.user("chair"))
    assert client.get("/chu-ky/anh-chu-ky/anh.png").status_code == 404


def test_seal_upload_needs_a_body_manager(world: World, client: Client) -> None:
    admin, chair = world.user("admin"), world.user("chair")
    assert admin is not None
    assert chair is not None
    with pytest.raises(PermissionDenied):
        images.seal_image_upload(actor=chair, body=world.body, data=_png())
    images.seal_image_upload(actor=admin, body=world.body, data=_png())
    assert SealImage.objects.get(body=world.body).uploaded_by == admin
    event = AuditEvent.objects.get(verb="signatures.seal_image_uploaded")
    assert event.body_id == world.body.pk
