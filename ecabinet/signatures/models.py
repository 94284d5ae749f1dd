"""Certificates, keys and signed statements (docs/decisions/0600-signatures-keys.md).

The internal CA (root, issuing CA, TSA) and every member's certificate live here; private
keys live in a key store (``keystores.py``): sealed rows of ``SoftwareKey`` or objects on a
PKCS#11 token. A ``SignedStatement`` is written once and never changed.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class KeyStoreKind(models.TextChoices):
    SOFTWARE = "software", _("Khóa phần mềm (mã hóa khi lưu)")
    PKCS11 = "pkcs11", _("Thiết bị PKCS#11 (HSM, token)")


class SoftwareKey(models.Model):
    """A private key (PKCS#8 DER) sealed with the envelope; aad ``softwarekey:<id>``."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    label = models.CharField(max_length=200)
    algorithm = models.CharField(max_length=30)
    sealed = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("khóa phần mềm")
        verbose_name_plural = _("khóa phần mềm")

    def __str__(self) -> str:
        return f"{self.label} ({self.algorithm})"

    @property
    def aad(self) -> bytes:
        return b"softwarekey:" + str(self.id).encode("ascii")


class CertificateAuthority(models.Model):
    """One certificate of the internal hierarchy: root, issuing CA or time-stamping unit."""

    class Role(models.TextChoices):
        ROOT = "root", _("CA gốc")
        ISSUING = "issuing", _("CA cấp chứng thư")
        TSA = "tsa", _("Dịch vụ cấp dấu thời gian")

    role = models.CharField(_("vai trò"), max_length=10, choices=Role.choices)
    name = models.CharField(_("tên"), max_length=200)
    certificate_der = models.BinaryField()
    key_ref = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("tổ chức cấp chứng thư nội bộ")
        verbose_name_plural = _("tổ chức cấp chứng thư nội bộ")
        ordering = ["role", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["role"], condition=models.Q(active=True), name="ca_one_active_per_role"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class TrustAnchor(models.Model):
    """An external root certificate imported as trusted (e.g. the Government CA's root)."""

    subject = models.CharField(_("chủ thể"), max_length=500)
    fingerprint_sha256 = models.CharField(max_length=64, unique=True)
    certificate_der = models.BinaryField()
    not_after = models.DateTimeField()
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("chứng thư gốc tin cậy")
        verbose_name_plural = _("chứng thư gốc tin cậy")
        ordering = ["subject"]

    def __str__(self) -> str:
        return self.subject


class RevocationReason(models.TextChoices):
    """RFC 5280 reason codes a member's certificate may be revoked for."""

    UNSPECIFIED = "unspecified", _("Không nêu lý do")
    KEY_COMPROMISE = "key_compromise", _("Lộ khóa bí mật")
    AFFILIATION_CHANGED = "affiliation_changed", _("Thay đổi chức vụ, cơ quan")
    SUPERSEDED = "superseded", _("Được thay thế bằng chứng thư mới")
    CESSATION_OF_OPERATION = "cessation_of_operation", _("Thôi sử dụng")


class IssuedCertificate(models.Model):
    """What every certificate the internal issuing CA issues has: for a member or a body."""

    body = models.ForeignKey("bodies.Body", on_delete=models.PROTECT, related_name="+")
    ca = models.ForeignKey(CertificateAuthority, on_delete=models.PROTECT, related_name="+")
    # Hex, lower case: serials are up to 20 bytes, beyond any integer column.
    serial = models.CharField(_("số hiệu"), max_length=40)
    subject_summary = models.CharField(_("chủ thể"), max_length=500)
    certificate_der = models.BinaryField()
    not_before = models.DateTimeField(_("hiệu lực từ"))
    not_after = models.DateTimeField(_("hiệu lực đến"))
    key_store = models.CharField(max_length=10, choices=KeyStoreKind.choices)
    key_ref = models.CharField(max_length=100)
    revoked_at = models.DateTimeField(_("thu hồi lúc"), null=True, blank=True)
    revocation_reason = models.CharField(
        _("lý do thu hồi"), max_length=30, choices=RevocationReason.choices, blank=True
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.subject_summary} [{self.serial}]"

    class Status(models.TextChoices):
        VALID = "valid", _("Còn hiệu lực")
        REVOKED = "revoked", _("Đã thu hồi")
        EXPIRED = "expired", _("Đã hết hạn")
        NOT_YET_VALID = "not_yet_valid", _("Chưa đến hạn hiệu lực")

    def status_at(self, at: datetime) -> IssuedCertificate.Status:
        if self.revoked_at is not None and self.revoked_at <= at:
            return IssuedCertificate.Status.REVOKED
        if at < self.not_before:
            return IssuedCertificate.Status.NOT_YET_VALID
        if at >= self.not_after:
            return IssuedCertificate.Status.EXPIRED
        return IssuedCertificate.Status.VALID


def _certificate_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.UniqueConstraint(fields=["ca", "serial"], name=f"{prefix}_unique_serial"),
        models.CheckConstraint(
            condition=models.Q(not_after__gt=models.F("not_before")),
            name=f"{prefix}_valid_period",
        ),
        models.CheckConstraint(
            condition=(
                models.Q(revoked_at__isnull=True, revocation_reason="")
                | models.Q(revoked_at__isnull=False) & ~models.Q(revocation_reason="")
            ),
            name=f"{prefix}_revocation_has_reason",
        ),
    ]


class MemberCertificate(IssuedCertificate):
    """A member's signing certificate, issued by the internal issuing CA for one body."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates"
    )

    class Meta:
        verbose_name = _("chứng thư số")
        verbose_name_plural = _("chứng thư số")
        ordering = ["-created_at"]
        constraints = _certificate_constraints("membercert")
        indexes = [models.Index(fields=["user", "body"])]


class OrganisationCertificate(IssuedCertificate):
    """A body's own certificate, for its organisational signature: the digital seal.

    Subject O and CN are the body's name; it signs with the seal image on the documents the
    body issues (Decree 30), applied by the body's records clerk.
    """

    class Meta:
        verbose_name = _("chứng thư số của cơ quan")
        verbose_name_plural = _("chứng thư số của cơ quan")
        ordering = ["-created_at"]
        constraints = _certificate_constraints("orgcert")
        indexes = [models.Index(fields=["body", "not_after"], name="orgcert_body_not_after")]


class RevocationList(models.Model):
    """A published CRL of the issuing CA; the public endpoint serves the newest fresh one."""

    ca = models.ForeignKey(CertificateAuthority, on_delete=models.PROTECT, related_name="+")
    number = models.BigIntegerField()
    this_update = models.DateTimeField()
    next_update = models.DateTimeField()
    der = models.BinaryField()

    class Meta:
        verbose_name = _("danh sách chứng thư bị thu hồi")
        verbose_name_plural = _("danh sách chứng thư bị thu hồi")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["ca", "number"], name="crl_unique_number"),
            models.CheckConstraint(
                condition=models.Q(next_update__gt=models.F("this_update")),
                name="crl_next_after_this",
            ),
        ]

    def __str__(self) -> str:
        return f"CRL {self.number}"


class SignedStatement(models.Model):
    """What a member signed (canonical JSON), the detached CMS over it, and the certificate.

    Written once by ``statement_sign``; ``save`` refuses to change an existing row.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    body = models.ForeignKey("bodies.Body", on_delete=models.PROTECT, related_name="+")
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signed_statements"
    )
    certificate = models.ForeignKey(
        MemberCertificate, on_delete=models.PROTECT, related_name="statements"
    )
    on_behalf_of = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64)
    payload = models.JSONField()
    # The exact bytes that were signed (UTF-8 of the RFC 8785 form of ``payload``).
    payload_canonical = models.TextField()
    payload_sha256 = models.CharField(max_length=64)
    cms_der = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("văn bản ký số")
        verbose_name_plural = _("văn bản ký số")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(payload_sha256__regex=r"^[0-9a-f]{64}$"),
                name="statement_sha256_hex",
            )
        ]

    def __str__(self) -> str:
        return f"{self.object_type}:{self.object_id} ({self.signer})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise RuntimeError("a signed statement is never updated")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)


class SignatureImage(models.Model):
    """The image of a person's handwritten signature, drawn on the PDFs they sign.

    Decree 30 (Appendix I): blue, transparent PNG, centred between title and name. One per
    person, whatever body they sign for; replacing it keeps the old signed PDFs unchanged.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signature_image"
    )
    png = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ảnh chữ ký")
        verbose_name_plural = _("ảnh chữ ký")

    def __str__(self) -> str:
        return f"{self.user} ({self.width}×{self.height})"


class SealImage(models.Model):
    """The body's seal (red, transparent PNG at real size) for the organisation signature."""

    body = models.OneToOneField("bodies.Body", on_delete=models.CASCADE, related_name="seal_image")
    png = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ảnh con dấu")
        verbose_name_plural = _("ảnh con dấu")

    def __str__(self) -> str:
        return f"{self.body} ({self.width}×{self.height})"
