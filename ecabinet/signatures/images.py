"""Uploading the images drawn in visible signatures: a person's signature, a body's seal.

Decree 30 wants both as transparent PNGs (blue signature, red seal). Uploads are checked by
content, not by name: a PNG that Pillow can decode, with an alpha channel, within size limits.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from ecabinet.accounts.models import User
from ecabinet.audit.services import audit_append
from ecabinet.bodies.models import Body
from ecabinet.bodies.permissions import Perm, has_body_perm
from ecabinet.core.errors import DomainError
from ecabinet.signatures.models import SealImage, SignatureImage

MAX_BYTES = 1024 * 1024
MIN_SIDE = 40
MAX_SIDE = 4000


@dataclass(frozen=True)
class CheckedPng:
    data: bytes
    sha256: str
    width: int
    height: int


def check_png(data: bytes) -> CheckedPng:
    """The upload as a checked PNG, or a DomainError saying what is wrong with it."""
    if not data:
        raise DomainError(_("Tệp trống. Vui lòng chọn một ảnh PNG."), code="empty")
    if len(data) > MAX_BYTES:
        raise DomainError(_("Ảnh quá lớn: tối đa 1 MB."), code="too_large")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            kind, size, mode, info = image.format, image.size, image.mode, image.info
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise DomainError(_("Tệp không phải là ảnh PNG hợp lệ."), code="not_png") from None
    if kind != "PNG":
        raise DomainError(_("Chỉ nhận ảnh PNG (nền trong suốt)."), code="not_png")
    if mode not in {"RGBA", "LA"} and "transparency" not in info:
        raise DomainError(
            _("Ảnh cần có nền trong suốt (PNG có kênh alpha) theo Nghị định 30/2020/NĐ-CP."),
            code="opaque",
        )
    width, height = size
    if min(width, height) < MIN_SIDE or max(width, height) > MAX_SIDE:
        raise DomainError(
            _("Kích thước ảnh phải từ %(min)d đến %(max)d điểm ảnh mỗi chiều.")
            % {"min": MIN_SIDE, "max": MAX_SIDE},
            code="size",
        )
    return CheckedPng(data, hashlib.sha256(data).hexdigest(), width, height)


def can_upload_seal(user: User, body: Body) -> bool:
    """Body administrators and system administrators keep the seal image."""
    return has_body_perm(user, body, Perm.MEMBERS_MANAGE)


def signature_image_upload(*, actor: User, data: bytes) -> SignatureImage:
    """Set (or replace) the actor's own signature image."""
    png = check_png(data)
    with transaction.atomic():
        previous = SignatureImage.objects.filter(user=actor).values_list("sha256", flat=True)
        before = {"sha256": previous[0]} if previous else None
        image, _created = SignatureImage.objects.update_or_create(
            user=actor,
            defaults={
                "png": png.data,
                "sha256": png.sha256,
                "width": png.width,
                "height": png.height,
            },
        )
        audit_append(
            actor=actor,
            verb="signatures.signature_image_uploaded",
            obj=image,
            before=before,
            after={"sha256": png.sha256, "width": png.width, "height": png.height},
        )
    return image


def seal_image_upload(*, actor: User, body: Body, data: bytes) -> SealImage:
    """Set (or replace) the body's seal image."""
    if not can_upload_seal(actor, body):
        raise PermissionDenied
    png = check_png(data)
    with transaction.atomic():
        previous = SealImage.objects.filter(body=body).values_list("sha256", flat=True)
        before = {"sha256": previous[0]} if previous else None
        image, _created = SealImage.objects.update_or_create(
            body=body,
            defaults={
                "png": png.data,
                "sha256": png.sha256,
                "width": png.width,
                "height": png.height,
                "uploaded_by": actor,
            },
        )
        audit_append(
            actor=actor,
            verb="signatures.seal_image_uploaded",
            obj=image,
            body=body,
            before=before,
            after={"sha256": png.sha256, "width": png.width, "height": png.height},
        )
    return image
