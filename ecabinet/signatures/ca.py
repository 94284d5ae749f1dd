"""The internal certification authority and trust anchors (issue 4, embedded shape).

Hierarchy: a root CA (10 years) issues an issuing CA (5 years), which issues members'
signing certificates (2 years), and an internal time-stamping certificate (TSA, EKU
timeStamping, critical). CA keys are ECDSA P-256 in the software key store. External roots
(the Government CA of Decree 68/2024, a provincial CA) are imported as trust anchors.

Services follow the house style: permission, validation (DomainError), then the write and
its audit event in one transaction. Key generation and signing run before the transaction:
on SQLite every atomic block holds the write lock.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
    PublicKeyTypes,
)
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from pyhanko.sign.signers import Signer

from ecabinet.audit.services import audit_append
from ecabinet.bodies.models import Membership
from ecabinet.bodies.permissions import Perm, membership_permissions
from ecabinet.core.errors import DomainError
from ecabinet.signatures import keystores
from ecabinet.signatures.keystores import SoftwareKeyStore
from ecabinet.signatures.models import (
    CertificateAuthority,
    IssuedCertificate,
    KeyStoreKind,
    MemberCertificate,
    OrganisationCertificate,
    RevocationList,
    RevocationReason,
    TrustAnchor,
)
from ecabinet.signatures.permissions import (
    can_issue_certificate,
    can_manage_trust,
    can_revoke_certificate,
)

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.bodies.models import Body

ROOT_YEARS = 10
ISSUING_YEARS = 5
TSA_YEARS = 5
MEMBER_YEARS = 2
CRL_HOURS = 24
# RFC 9336 id-kp-documentSigning.
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
# Back-dating tolerates clocks a few minutes apart between servers and verifiers.
BACKDATE = timedelta(minutes=5)
_REASON_FLAGS: dict[str, x509.ReasonFlags] = {
    RevocationReason.KEY_COMPROMISE: x509.ReasonFlags.key_compromise,
    RevocationReason.AFFILIATION_CHANGED: x509.ReasonFlags.affiliation_changed,
    RevocationReason.SUPERSEDED: x509.ReasonFlags.superseded,
    RevocationReason.CESSATION_OF_OPERATION: x509.ReasonFlags.cessation_of_operation,
}


def _years(n: int) -> timedelta:
    return timedelta(days=365 * n + n // 4)


def _organisation() -> str:
    return str(getattr(settings, "ECABINET_CA_ORGANIZATION", "") or "eCabinet")


def _name(common_name: str, *, organisation: str, title: str = "") -> x509.Name:
    attrs = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
    ]
    if title:
        attrs.append(x509.NameAttribute(NameOID.TITLE, title[:64]))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]))
    return x509.Name(attrs)


def load_certificate(der: bytes | memoryview) -> x509.Certificate:
    return x509.load_der_x509_certificate(bytes(der))


def to_asn1(der: bytes | memoryview) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(bytes(der))


def _ca_key(ca: CertificateAuthority) -> CertificateIssuerPrivateKeyTypes:
    key = SoftwareKeyStore().private_key(ca.key_ref)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise DomainError(_("Khóa của tổ chức cấp chứng thư không hợp lệ."))
    return key


@dataclass(frozen=True)
class _Issuer:
    certificate: x509.Certificate
    key: CertificateIssuerPrivateKeyTypes


def _build(
    *,
    subject: x509.Name,
    public_key: PublicKeyTypes,
    issuer: _Issuer | None,
    self_key: CertificateIssuerPrivateKeyTypes | None,
    not_before: datetime,
    not_after: datetime,
    extensions: list[tuple[x509.ExtensionType, bool]],
) -> x509.Certificate:
    """A certificate signed by ``issuer`` (or self-signed with ``self_key``), ECDSA-SHA256."""
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise DomainError(_("Chỉ hỗ trợ khóa ECDSA P-256."))
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                issuer.certificate.extensions.get_extension_for_class(
                    x509.SubjectKeyIdentifier
                ).value
            ),
            critical=False,
        )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    signing_key = issuer.key if issuer else self_key
    assert signing_key is not None
    return builder.sign(signing_key, hashes.SHA256())


def _key_usage(
    *, cert_sign: bool = False, digital_signature: bool = False, non_repudiation: bool = False
) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=digital_signature,
        content_commitment=non_repudiation,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


# --- the internal CA -----------------------------------------------------------------------


def authority(role: str) -> CertificateAuthority | None:
    """The active root, issuing CA or TSA (None before ``ca_init``)."""
    return CertificateAuthority.objects.filter(role=role, active=True).first()


def _require(role: str) -> CertificateAuthority:
    ca = authority(role)
    if ca is None:
        raise DomainError(
            _("Chưa khởi tạo tổ chức cấp chứng thư nội bộ (chạy lệnh “ecabinet ca init”)."),
            code="ca_missing",
        )
    return ca


def authority_private_key(ca: CertificateAuthority) -> CertificateIssuerPrivateKeyTypes:
    """The CA's (or the TSA's) private key, for signing CRLs and time-stamp tokens."""
    return _ca_key(ca)


def ca_init() -> dict[str, CertificateAuthority]:
    """Create the root CA, issuing CA and TSA that are missing; idempotent.

    Returns the active authority of each role. Run by ``ecabinet ca init`` (the system, no
    actor): the audit event has no actor.
    """
    existing = {ca.role: ca for ca in CertificateAuthority.objects.filter(active=True)}
    roles = CertificateAuthority.Role
    if all(role in existing for role in roles.values):
        return existing
    store = SoftwareKeyStore()
    now = timezone.now() - BACKDATE
    organisation = _organisation()
    new: list[CertificateAuthority] = []

    root = existing.get(roles.ROOT)
    if root is None:
        key_ref, public = store.generate("ca-root")
        private = _ca_key(CertificateAuthority(key_ref=key_ref))
        name = f"{organisation} Root CA"
        cert = _build(
            subject=_name(name, organisation=organisation),
            public_key=public,
            issuer=None,
            self_key=private,
            not_before=now,
            not_after=now + _years(ROOT_YEARS),
            extensions=[
                (x509.BasicConstraints(ca=True, path_length=1), True),
                (_key_usage(cert_sign=True), True),
            ],
        )
        root = CertificateAuthority(
            role=roles.ROOT,
            name=name,
            key_ref=key_ref,
            certificate_der=cert.public_bytes(serialization.Encoding.DER),
        )
        new.append(root)
    root_issuer = _Issuer(load_certificate(root.certificate_der), _ca_key(root))

    if roles.ISSUING not in existing:
        key_ref, public = store.generate("ca-issuing")
        name = f"{organisation} Issuing CA"
        cert = _build(
            subject=_name(name, organisation=organisation),
            public_key=public,
            issuer=root_issuer,
            self_key=None,
            not_before=now,
            not_after=min(now + _years(ISSUING_YEARS), root_issuer.certificate.not_valid_after_utc),
            extensions=[
                (x509.BasicConstraints(ca=True, path_length=0), True),
                (_key_usage(cert_sign=True), True),
            ],
        )
        new.append(
            CertificateAuthority(
                role=roles.ISSUING,
                name=name,
                key_ref=key_ref,
                certificate_der=cert.public_bytes(serialization.Encoding.DER),
            )
        )

    if roles.TSA not in existing:
        key_ref, public = store.generate("ca-tsa")
        name = f"{organisation} Time-Stamping Authority"
        cert = _build(
            subject=_name(name, organisation=organisation),
            public_key=public,
            issuer=root_issuer,
            self_key=None,
            not_before=now,
            not_after=min(now + _years(TSA_YEARS), root_issuer.certificate.not_valid_after_utc),
            extensions=[
                (x509.BasicConstraints(ca=False, path_length=None), True),
                (_key_usage(digital_signature=True, non_repudiation=True), True),
                (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), True),
            ],
        )
        new.append(
            CertificateAuthority(
                role=roles.TSA,
                name=name,
                key_ref=key_ref,
                certificate_der=cert.public_bytes(serialization.Encoding.DER),
            )
        )

    try:
        with transaction.atomic():
            for ca in new:
                ca.save(force_insert=True)
                audit_append(
                    actor=None,
                    verb="signatures.ca_created",
                    obj=ca,
                    after={"role": ca.role, "name": ca.name, "subject": _subject_of(ca)},
                )
                if ca.role == roles.ISSUING:
                    crl_publish(ca)
    except IntegrityError:
        # Another process initialised the CA meanwhile (one active authority per role).
        pass
    return {ca.role: ca for ca in CertificateAuthority.objects.filter(active=True)}


def _subject_of(ca: CertificateAuthority) -> str:
    return load_certificate(ca.certificate_der).subject.rfc4514_string()


# --- members' certificates -----------------------------------------------------------------


def crl_url() -> str:
    """The CRL's absolute URL, or "" when the site's address (ECABINET_BASE_URL) is unset.

    A certificate names its CRL only by an absolute URI (RFC 5280 4.2.1.13): without the
    site's address, certificates are issued without a CRL distribution point, and a
    verifier uses the CRL it is given (the one exported with a statement, or downloaded
    from /chu-ky/crl.der). See docs/decisions/0604-organisation-certificates.md.
    """
    base = str(getattr(settings, "ECABINET_BASE_URL", "") or "").strip().rstrip("/")
    if not base.startswith(("https://", "http://")):
        return ""
    return f"{base}{reverse('signatures:crl')}"


def _signing_extensions(
    purposes: list[x509.ObjectIdentifier],
) -> list[tuple[x509.ExtensionType, bool]]:
    """End-entity signing extensions: digitalSignature + nonRepudiation (critical), the
    extended key usages ``purposes``, and the CRL distribution point when known."""
    extensions: list[tuple[x509.ExtensionType, bool]] = [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (_key_usage(digital_signature=True, non_repudiation=True), True),
        (x509.ExtendedKeyUsage(purposes), False),
    ]
    url = crl_url()
    if url:
        extensions.append(
            (
                x509.CRLDistributionPoints(
                    [
                        x509.DistributionPoint(
                            full_name=[x509.UniformResourceIdentifier(url)],
                            relative_name=None,
                            reasons=None,
                            crl_issuer=None,
                        )
                    ]
                ),
                False,
            )
        )
    return extensions


@dataclass(frozen=True)
class _Leaf:
    """A signing certificate just issued by the issuing CA, its key in a key store."""

    certificate: x509.Certificate
    issuing: CertificateAuthority
    key_store: str
    key_ref: str

    def fields(self) -> dict[str, Any]:
        """The columns a certificate row of either kind takes from it."""
        return {
            "ca": self.issuing,
            "serial": format(self.certificate.serial_number, "x"),
            "certificate_der": self.certificate.public_bytes(serialization.Encoding.DER),
            "not_before": self.certificate.not_valid_before_utc,
            "not_after": self.certificate.not_valid_after_utc,
            "key_store": self.key_store,
            "key_ref": self.key_ref,
        }


def _issue_leaf(
    *,
    subject: x509.Name,
    key_label: str,
    usages: list[x509.ObjectIdentifier],
    key_store: str | None,
) -> _Leaf:
    """A new key pair in the key store and its certificate from the issuing CA, valid for
    MEMBER_YEARS (never beyond the CA's own validity)."""
    issuing = _require(CertificateAuthority.Role.ISSUING)
    issuer = _Issuer(load_certificate(issuing.certificate_der), _ca_key(issuing))
    store = keystores.key_store(key_store)
    key_ref, public = store.generate(key_label)
    not_before = timezone.now() - BACKDATE
    not_after = min(not_before + _years(MEMBER_YEARS), issuer.certificate.not_valid_after_utc)
    cert = _build(
        subject=subject,
        public_key=public,
        issuer=issuer,
        self_key=None,
        not_before=not_before,
        not_after=not_after,
        extensions=_signing_extensions(usages),
    )
    return _Leaf(cert, issuing, store.kind, key_ref)


def _issued(
    record: MemberCertificate | OrganisationCertificate,
    leaf: _Leaf,
    *,
    actor: User,
    verb: str,
    after: dict[str, Any],
) -> None:
    """Save the new certificate row and its audit event together."""
    with transaction.atomic():
        record.save(force_insert=True)
        audit_append(
            actor=actor,
            verb=verb,
            obj=record,
            body=record.body_id,
            after={
                **after,
                "serial": record.serial,
                "subject": leaf.certificate.subject.rfc4514_string(),
                "not_after": record.not_after,
                "key_store": record.key_store,
            },
        )


def certificate_issue(
    *, actor: User, membership: Membership, key_store: str | None = None
) -> MemberCertificate:
    """Issue a signing certificate for a member of a body, with a new key pair.

    Subject: CN full name, title (the membership's title), O the body's name, C=VN. Key
    usage digitalSignature + nonRepudiation (critical); EKU documentSigning and
    emailProtection; the CRL distribution point is the public CRL when the site's address
    (ECABINET_BASE_URL) is known. Refused while the member holds a valid certificate.
    """
    body = membership.body
    if not can_issue_certificate(actor, body):
        raise PermissionDenied
    user = membership.user
    if not (membership.is_active and user.is_active and body.is_active):
        raise DomainError(_("Chỉ cấp chứng thư số cho thành viên đang hoạt động."))
    if Perm.SIGN not in membership_permissions(membership):
        raise DomainError(_("Vai trò của thành viên này không ký số, không cấp chứng thư số."))
    now = timezone.now()
    holds_valid = MemberCertificate.objects.filter(
        user=user, body=body, revoked_at__isnull=True, not_after__gt=now
    ).exists()
    if holds_valid:
        raise DomainError(
            _(
                "Thành viên đã có chứng thư số còn hiệu lực; "
                "thu hồi chứng thư đó trước khi cấp mới."
            ),
            code="duplicate",
        )
    title = membership.title.name if membership.title else ""
    full_name = user.full_name or user.username
    leaf = _issue_leaf(
        subject=_name(full_name, organisation=body.name, title=title),
        key_label=f"member-{user.pk}-{body.pk}",
        usages=[DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION],
        key_store=key_store,
    )
    record = MemberCertificate(
        user=user,
        body=body,
        subject_summary=", ".join(p for p in (full_name, title, body.name) if p)[:500],
        issued_by=actor,
        **leaf.fields(),
    )
    _issued(
        record, leaf, actor=actor, verb="signatures.certificate_issued", after={"user": user.pk}
    )
    return record


_Revocable = TypeVar("_Revocable", MemberCertificate, OrganisationCertificate)


def _revoke(*, actor: User, certificate: _Revocable, reason: str, verb: str) -> _Revocable:
    """Revoke a certificate of either kind from now on, publish the CRL, audit it."""
    if not can_revoke_certificate(actor, certificate):
        raise PermissionDenied
    if reason not in RevocationReason.values:
        raise DomainError(_("Lý do thu hồi không hợp lệ."))
    with transaction.atomic():
        locked = type(certificate).objects.select_for_update().get(pk=certificate.pk)
        if locked.revoked_at is not None:
            raise DomainError(_("Chứng thư số này đã bị thu hồi."), code="unchanged")
        locked.revoked_at = timezone.now()
        locked.revocation_reason = reason
        locked.save(update_fields=["revoked_at", "revocation_reason"])
        crl_publish(locked.ca if locked.ca.active else None)
        audit_append(
            actor=actor,
            verb=verb,
            obj=locked,
            body=locked.body_id,
            before={"revoked_at": None},
            after={"serial": locked.serial, "revoked_at": locked.revoked_at, "reason": reason},
        )
    return locked


def certificate_revoke(
    *, actor: User, certificate: MemberCertificate, reason: str
) -> MemberCertificate:
    """Revoke a certificate from now on; it is listed in the CRL and can no longer sign."""
    return _revoke(
        actor=actor, certificate=certificate, reason=reason, verb="signatures.certificate_revoked"
    )


# --- bodies' organisational certificates (the digital seal) ---------------------------------


def organisation_certificate_for(
    body: Body | int, *, at: datetime | None = None
) -> OrganisationCertificate | None:
    """The body's newest organisational certificate valid at ``at`` (default now)."""
    at = at or timezone.now()
    body_id = body if isinstance(body, int) else body.pk
    return (
        OrganisationCertificate.objects.filter(
            body_id=body_id, revoked_at__isnull=True, not_before__lte=at, not_after__gt=at
        )
        .select_related("ca", "body")
        .order_by("-created_at", "-pk")
        .first()
    )


def organisation_certificate_issue(
    *, actor: User, body: Body, key_store: str | None = None, common_name: str = ""
) -> OrganisationCertificate:
    """Issue the body's organisational signing certificate, with a new key pair.

    Subject: CN ``common_name`` (default the body's name), O the body's name, C=VN; key
    usage digitalSignature + nonRepudiation (critical), EKU documentSigning; the CRL
    distribution point as for members. The key goes to the configured key store (or
    ``key_store``). Refused while the body holds a valid one.
    """
    if not can_issue_certificate(actor, body):
        raise PermissionDenied
    if not body.is_active:
        raise DomainError(_("Chỉ cấp chứng thư số cho cơ quan đang hoạt động."))
    common_name = " ".join(common_name.split()) or body.name
    if organisation_certificate_for(body) is not None:
        raise DomainError(
            _("Cơ quan đã có chứng thư số còn hiệu lực; thu hồi chứng thư đó trước khi cấp mới."),
            code="duplicate",
        )
    leaf = _issue_leaf(
        subject=_name(common_name, organisation=body.name),
        key_label=f"body-{body.pk}",
        usages=[DOCUMENT_SIGNING],
        key_store=key_store,
    )
    record = OrganisationCertificate(
        body=body,
        subject_summary=", ".join(dict.fromkeys((common_name, body.name)))[:500],
        issued_by=actor,
        **leaf.fields(),
    )
    _issued(record, leaf, actor=actor, verb="signatures.organisation_certificate_issued", after={})
    return record


def organisation_certificate_revoke(
    *, actor: User, certificate: OrganisationCertificate, reason: str
) -> OrganisationCertificate:
    """Revoke a body's certificate from now on; listed in the CRL, it seals no more."""
    return _revoke(
        actor=actor,
        certificate=certificate,
        reason=reason,
        verb="signatures.organisation_certificate_revoked",
    )


def _crl_build(issuing: CertificateAuthority, now: datetime) -> tuple[int, bytes]:
    """Number and DER of a new CRL of ``issuing``, listing every certificate it revoked."""
    cert = load_certificate(issuing.certificate_der)
    number = int(now.timestamp() * 1_000_000)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(cert.subject)
        .last_update(now)
        .next_update(now + timedelta(hours=CRL_HOURS))
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
            ),
            critical=False,
        )
    )
    revoked = sorted(
        (
            row
            for model in (MemberCertificate, OrganisationCertificate)
            for row in model.objects.filter(ca=issuing, revoked_at__isnull=False).values_list(
                "serial", "revoked_at", "revocation_reason"
            )
        ),
        key=lambda row: (row[1], row[0]),
    )
    for serial, revoked_at, reason in revoked:
        assert revoked_at is not None
        entry = x509.RevokedCertificateBuilder().serial_number(int(serial, 16))
        entry = entry.revocation_date(revoked_at)
        flag = _REASON_FLAGS.get(reason)
        if flag is not None:
            entry = entry.add_extension(x509.CRLReason(flag), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    der = builder.sign(_ca_key(issuing), hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    return number, der


def crl_publish(issuing: CertificateAuthority | None = None) -> RevocationList:
    """Sign and store a new CRL; must run in the transaction of the change it reflects.

    ECDSA signing takes well under a millisecond, so it may run under the write lock.
    """
    issuing = issuing or _require(CertificateAuthority.Role.ISSUING)
    now = timezone.now()
    number, der = _crl_build(issuing, now)
    return RevocationList.objects.create(
        ca=issuing,
        number=number,
        this_update=now,
        next_update=now + timedelta(hours=CRL_HOURS),
        der=der,
    )


def crl_der() -> bytes:
    """The current CRL of the issuing CA, re-published when half its lifetime has passed."""
    issuing = _require(CertificateAuthority.Role.ISSUING)
    refresh_after = timezone.now() + timedelta(hours=CRL_HOURS / 2)
    latest = RevocationList.objects.filter(ca=issuing).order_by("-number").first()
    if latest is not None and latest.next_update > refresh_after:
        return bytes(latest.der)
    with transaction.atomic():
        return bytes(crl_publish(issuing).der)


# --- trust anchors -------------------------------------------------------------------------


def _parse_certificate(data: bytes) -> x509.Certificate:
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise DomainError(
            _("Tệp không phải là chứng thư số X.509 (định dạng PEM hoặc DER).")
        ) from exc


def trust_anchor_import(*, actor: User, data: bytes) -> TrustAnchor:
    """Trust an external root (PEM or DER); only CA certificates, only once each."""
    if not can_manage_trust(actor):
        raise PermissionDenied
    cert = _parse_certificate(data)
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        is_ca = constraints.ca
    except x509.ExtensionNotFound:
        is_ca = False
    if not is_ca:
        raise DomainError(
            _(
                "Chứng thư này không phải của tổ chức cấp chứng thư (CA) nên không thể dùng "
                "làm chứng thư gốc tin cậy."
            )
        )
    if cert.not_valid_after_utc <= timezone.now():
        raise DomainError(_("Chứng thư gốc này đã hết hạn."))
    der = cert.public_bytes(serialization.Encoding.DER)
    fingerprint = hashlib.sha256(der).hexdigest()
    if TrustAnchor.objects.filter(fingerprint_sha256=fingerprint).exists():
        raise DomainError(_("Chứng thư gốc này đã được nhập."), code="duplicate")
    anchor = TrustAnchor(
        subject=cert.subject.rfc4514_string()[:500],
        fingerprint_sha256=fingerprint,
        certificate_der=der,
        not_after=cert.not_valid_after_utc,
        imported_by=actor,
    )
    with transaction.atomic():
        anchor.save(force_insert=True)
        audit_append(
            actor=actor,
            verb="signatures.trust_anchor_imported",
            obj=anchor,
            after={"subject": anchor.subject, "fingerprint_sha256": fingerprint},
        )
    return anchor


def trust_roots() -> list[asn1_x509.Certificate]:
    """The internal root and every imported trust anchor."""
    roots = [
        to_asn1(der)
        for der in CertificateAuthority.objects.filter(
            role=CertificateAuthority.Role.ROOT
        ).values_list("certificate_der", flat=True)
    ]
    roots += [to_asn1(der) for der in TrustAnchor.objects.values_list("certificate_der", flat=True)]
    return roots


# --- signing -------------------------------------------------------------------------------


def chain_of(certificate: IssuedCertificate) -> list[asn1_x509.Certificate]:
    """The issuing CA's certificate and the root's, to embed next to the signer's."""
    chain = [to_asn1(certificate.ca.certificate_der)]
    root = authority(CertificateAuthority.Role.ROOT)
    if root is not None:
        chain.append(to_asn1(root.certificate_der))
    return chain


def has_non_repudiation(cert: x509.Certificate) -> bool:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return False
    return bool(usage.content_commitment)


def check_can_sign(certificate: IssuedCertificate, *, at: datetime | None = None) -> None:
    """DomainError unless the certificate may sign at ``at`` (default now)."""
    at = at or timezone.now()
    status = certificate.status_at(at)
    if status == IssuedCertificate.Status.REVOKED:
        raise DomainError(
            _("Chứng thư số đã bị thu hồi, không thể dùng để ký."), code="cert_revoked"
        )
    if status == IssuedCertificate.Status.EXPIRED:
        raise DomainError(_("Chứng thư số đã hết hạn, không thể dùng để ký."), code="cert_expired")
    if status == IssuedCertificate.Status.NOT_YET_VALID:
        raise DomainError(
            _("Chứng thư số chưa đến thời điểm có hiệu lực."), code="cert_not_yet_valid"
        )
    if not has_non_repudiation(load_certificate(certificate.certificate_der)):
        raise DomainError(
            _("Chứng thư số không có mục đích chống chối bỏ (non-repudiation), không dùng để ký."),
            code="cert_usage",
        )


# Signers of software keys, unsealed, kept for a few minutes (decision 1104): a member signs
# once per poll of a live session, and unsealing the key (a row read, an AES-GCM open, a key
# load) and reading the chain cost about 2 ms, two thirds of a vote's signature. The process
# holds the key-encryption key anyway; keys in an HSM (PKCS#11) are never cached.
SIGNER_SECONDS = 300
_SIGNERS_MAX = 2048
_signers: dict[tuple[Any, ...], tuple[float, Signer]] = {}
_signers_lock = threading.Lock()


def signer_for(certificate: IssuedCertificate, *, at: datetime | None = None) -> Signer:
    """A pyHanko signer for this certificate's key; refuses a certificate that may not sign
    (checked at every call, cached signer or not)."""
    check_can_sign(certificate, at=at)
    kind = certificate.key_store or KeyStoreKind.SOFTWARE
    store = keystores.key_store(kind)
    if kind != KeyStoreKind.SOFTWARE:
        return store.signer(
            certificate.key_ref, to_asn1(certificate.certificate_der), chain_of(certificate)
        )
    key = (
        certificate._meta.label,
        certificate.pk,
        certificate.serial,
        certificate.key_ref,
        certificate.ca_id,
        bytes(certificate.certificate_der),
    )
    now = time.monotonic()
    with _signers_lock:
        cached = _signers.get(key)
        if cached is not None and now - cached[0] < SIGNER_SECONDS:
            return cached[1]
    signer = store.signer(
        certificate.key_ref, to_asn1(certificate.certificate_der), chain_of(certificate)
    )
    with _signers_lock:
        for old in [k for k, (made, _s) in _signers.items() if now - made >= SIGNER_SECONDS]:
            del _signers[old]
        if len(_signers) >= _SIGNERS_MAX:
            _signers.clear()
        _signers[key] = (now, signer)
    return signer


def signers_forget() -> None:
    """Drop every cached signer (a key destroyed or re-generated, tests)."""
    with _signers_lock:
        _signers.clear()
