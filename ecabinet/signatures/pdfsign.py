"""Signing and sealing a Decree 30 PDF as services: who may, with which certificate, audited.

``pdf_sign`` makes the signer's signature (``pdf.pades.sign_as_signer``) with the signer's
own certificate; ``pdf_seal`` fills the number and date and applies the body's
organisational signature with its seal (``pdf.pades.seal_and_number``), made with the body's
organisational certificate when it has one (``ca.organisation_certificate_issue``), else with
the records clerk's own certificate.

Each signs only what its actor confirmed by step-up authentication, like ``statement_sign``:
the caller asks for and spends the challenge (``accounts.stepup``) over
:func:`pdf_sign_content` / :func:`pdf_seal_content` and passes the hash it was bound to. The
two contents differ, so a confirmation to sign cannot be spent on sealing, nor the reverse.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.sign.timestamps import TimeStamper

from ecabinet.audit.services import audit_append
from ecabinet.core.errors import DomainError
from ecabinet.signatures import tsa
from ecabinet.signatures.ca import check_can_sign, organisation_certificate_for, signer_for
from ecabinet.signatures.models import (
    IssuedCertificate,
    MemberCertificate,
    OrganisationCertificate,
    SealImage,
    SignatureImage,
)
from ecabinet.signatures.pdf.pades import seal_and_number, sign_as_signer
from ecabinet.signatures.permissions import can_apply_seal
from ecabinet.signatures.statements import canonical

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.bodies.models import Body


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pdf_sign_content(pdf: bytes) -> bytes:
    """What the signer confirms before signing ``pdf``: the action and the PDF's hash."""
    return canonical({"action": "pdf.sign", "pdf_sha256": _sha256(pdf)})


def pdf_seal_content(*, body: Body, pdf: bytes, number: str, date_text: str) -> bytes:
    """What the clerk confirms before sealing: the body, the PDF, its number and date."""
    return canonical(
        {
            "action": "pdf.seal",
            "body": body.code,
            "pdf_sha256": _sha256(pdf),
            "number": number.strip(),
            "date": date_text.strip(),
        }
    )


def _check_confirmed(content: bytes, confirmation_hash: str) -> None:
    if not secrets.compare_digest(_sha256(content), str(confirmation_hash)):
        raise DomainError(
            _("Nội dung cần ký khác với nội dung bạn đã xác nhận. Vui lòng xác nhận lại."),
            code="confirmation_mismatch",
        )


def _recheck(certificate: IssuedCertificate) -> None:
    """Revoked meanwhile? The row is re-read inside the caller's transaction."""
    fresh: IssuedCertificate
    if isinstance(certificate, OrganisationCertificate):
        fresh = OrganisationCertificate.objects.get(pk=certificate.pk)
    else:
        fresh = MemberCertificate.objects.get(pk=certificate.pk)
    check_can_sign(fresh)


def seal_certificate(*, actor: User, body: Body) -> IssuedCertificate:
    """The certificate ``actor`` applies ``body``'s seal with.

    The body's organisational certificate when it has a valid one; otherwise (a body whose
    organisational certificate is not issued yet) the records clerk's own valid certificate
    in that body. Only the body's records clerks apply the seal.
    """
    if not can_apply_seal(actor, body):
        raise PermissionDenied
    organisational = organisation_certificate_for(body)
    if organisational is not None:
        return organisational
    now = timezone.now()
    personal = (
        MemberCertificate.objects.filter(
            user=actor, body=body, revoked_at__isnull=True, not_before__lte=now, not_after__gt=now
        )
        .select_related("ca", "body")
        .order_by("-created_at", "-pk")
        .first()
    )
    if personal is None:
        raise DomainError(
            _("Cơ quan chưa có chứng thư số để đóng dấu, và bạn cũng chưa có chứng thư số."),
            code="no_certificate",
        )
    return personal


def pdf_sign(
    *,
    actor: User,
    certificate: MemberCertificate,
    pdf: bytes,
    confirmation_hash: str,
    timestamper: TimeStamper | None = None,
    signature_png: bytes | None = None,
    reason: str = "",
) -> bytes:
    """The signer's PAdES B-T signature on a Decree 30 PDF, with their signature image.

    ``confirmation_hash`` is the hash of :func:`pdf_sign_content` the signer confirmed by
    step-up authentication. The image is the signer's uploaded one unless given.
    """
    if certificate.user_id != actor.pk or not actor.is_active:
        raise PermissionDenied
    _check_confirmed(pdf_sign_content(pdf), confirmation_hash)
    if signature_png is None:
        image = SignatureImage.objects.filter(user=actor).first()
        if image is None:
            raise DomainError(
                _("Bạn chưa có ảnh chữ ký. Tải ảnh chữ ký lên trước khi ký văn bản."),
                code="no_signature_image",
            )
        signature_png = bytes(image.png)
    # Slow part first, outside the transaction: unseal the key, time-stamp and sign.
    signed = sign_as_signer(
        pdf,
        signer=signer_for(certificate),
        timestamper=timestamper or tsa.timestamper_for_settings(),
        signature_png=signature_png,
        reason=reason,
    )
    with transaction.atomic():
        _recheck(certificate)
        audit_append(
            actor=actor,
            verb="signatures.pdf_signed",
            body=certificate.body_id,
            object_type="pdf",
            object_id=_sha256(signed),
            after={
                "pdf_sha256": _sha256(pdf),
                "signed_sha256": _sha256(signed),
                "certificate_serial": certificate.serial,
            },
        )
    return signed


def pdf_seal(
    *,
    actor: User,
    body: Body,
    pdf: bytes,
    number: str,
    date_text: str,
    confirmation_hash: str,
    timestamper: TimeStamper | None = None,
    seal_png: bytes | None = None,
    reason: str = "",
) -> bytes:
    """Number, date and the body's organisational signature with its seal, in one revision.

    ``confirmation_hash`` is the hash of :func:`pdf_seal_content` the clerk confirmed by
    step-up authentication. The certificate is :func:`seal_certificate`'s; the image the
    body's uploaded seal unless given.
    """
    certificate = seal_certificate(actor=actor, body=body)
    _check_confirmed(
        pdf_seal_content(body=body, pdf=pdf, number=number, date_text=date_text),
        confirmation_hash,
    )
    if seal_png is None:
        image = SealImage.objects.filter(body=body).first()
        if image is None:
            raise DomainError(
                _("Cơ quan chưa có ảnh con dấu. Quản trị cơ quan cần tải ảnh con dấu lên."),
                code="no_seal_image",
            )
        seal_png = bytes(image.png)
    sealed = seal_and_number(
        pdf,
        org_signer=signer_for(certificate),
        timestamper=timestamper or tsa.timestamper_for_settings(),
        seal_png=seal_png,
        number=number,
        date_text=date_text,
        reason=reason,
    )
    with transaction.atomic():
        _recheck(certificate)
        audit_append(
            actor=actor,
            verb="signatures.pdf_sealed",
            body=body,
            object_type="pdf",
            object_id=_sha256(sealed),
            after={
                "pdf_sha256": _sha256(pdf),
                "sealed_sha256": _sha256(sealed),
                "number": number.strip(),
                "date": date_text.strip(),
                "certificate_serial": certificate.serial,
                "organisational": isinstance(certificate, OrganisationCertificate),
            },
        )
    return sealed
