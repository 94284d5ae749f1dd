"""Certification paths validated once per certificate set; time and revocation on every call.

pyhanko-certvalidator's path building and PKIX validation cost milliseconds per signature,
and a member signs hundreds of statements with the same certificate. Everything that
validation decides apart from the validity periods and revocation depends only on three
inputs: the signer's certificate, the other certificates offered for path building, and the
trust roots. That part (names chaining, each certificate's signature by its issuer, basic
constraints, CA key usage, path length, name constraints, policies, unknown critical
extensions, and the signer's key usage: non-repudiation) is cached per exact set of those
three inputs in a small bounded in-process cache (see docs/decisions/0603-statement-verify.md).

What is never cached: on every call, every certificate of the path (below the trust anchor)
must be within its validity period at the signing time, and none may be revoked at or before
it according to the CRLs given to that call.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from asn1crypto import x509 as asn1_x509  # type: ignore[import-untyped]
from pyhanko.sign.validation.status import StandardCMSSignatureStatus
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.errors import PathError, ValidationError
from pyhanko_certvalidator.path import ValidationPath
from pyhanko_certvalidator.validate import async_validate_path

from ecabinet.signatures.aio import run_sync
from ecabinet.signatures.memo import BoundedCache

# pyhanko-certvalidator's default tolerance for validity periods (ValidationContext).
TIME_TOLERANCE = timedelta(seconds=1)
CACHE_SIZE = 512


@dataclass(frozen=True)
class PathCertificate:
    """What the per-call checks need of one certificate of a validated path."""

    issuer: bytes  # DER of the issuer name, the key of CRL entries with the serial
    serial: int
    not_before: datetime
    not_after: datetime

    def in_period(self, moment: datetime) -> bool:
        return (
            self.not_before <= moment + TIME_TOLERANCE and moment - TIME_TOLERANCE <= self.not_after
        )


@dataclass(frozen=True)
class CertifiedPath:
    """A path from a trust root to the signer, valid in everything but time and revocation.

    ``certificates`` are those below the trust anchor, the signer's last. As in RFC 5280
    (and pyhanko-certvalidator), the trust anchor's own validity period is not checked.
    """

    certificates: tuple[PathCertificate, ...]

    def trusted_at(
        self, moment: datetime, revocations: Mapping[tuple[bytes, int], datetime]
    ) -> bool:
        """Every certificate in its period at ``moment`` and none revoked by then."""
        for cert in self.certificates:
            if not cert.in_period(moment):
                return False
            revoked_at = revocations.get((cert.issuer, cert.serial))
            if revoked_at is not None and revoked_at <= moment:
                return False
        return True


def trusted_at(
    paths: Sequence[CertifiedPath],
    moment: datetime,
    revocations: Mapping[tuple[bytes, int], datetime],
) -> bool:
    """Whether one of the signer's certified paths holds at ``moment``."""
    return any(path.trusted_at(moment, revocations) for path in paths)


def _path_certificate(cert: asn1_x509.Certificate) -> PathCertificate:
    return PathCertificate(
        issuer=cert.issuer.dump(),
        serial=int(cert.serial_number),
        not_before=cert.not_valid_before,
        not_after=cert.not_valid_after,
    )


def _context(
    roots: list[asn1_x509.Certificate],
    others: list[asn1_x509.Certificate],
    moment: datetime | None = None,
) -> ValidationContext:
    # No CRLs and soft-fail: revocation is the per-call check's business, never cached.
    return ValidationContext(
        trust_roots=roots,
        other_certs=others,
        moment=moment,
        allow_fetching=False,
        revocation_mode="soft-fail",
        time_tolerance=TIME_TOLERANCE,
    )


async def _certify(
    signer: asn1_x509.Certificate,
    others: list[asn1_x509.Certificate],
    roots: list[asn1_x509.Certificate],
) -> tuple[CertifiedPath, ...]:
    """Build every candidate path and keep those pyHanko validates at some moment.

    A path is validated at the latest ``not_before`` of its certificates: if the periods
    overlap, that moment lies in all of them, and nothing else pyHanko checks depends on
    the time (the default algorithm policy has no dates). If they do not overlap, no
    signing time can make the path valid, and it is dropped.
    """
    try:
        candidates: list[ValidationPath] = await _context(
            roots, others
        ).path_builder.async_build_paths(signer)
    except PathError:
        return ()
    usage = StandardCMSSignatureStatus.default_usage_constraints()
    certified: list[CertifiedPath] = []
    for path in candidates:
        certs = list(path.iter_certs(include_root=False))
        if not certs:  # the signer is itself a trust root: nothing below the anchor
            certified.append(CertifiedPath(certificates=()))
            continue
        latest_start = max(c.not_valid_before for c in certs)
        if latest_start - TIME_TOLERANCE > min(c.not_valid_after for c in certs):
            continue
        try:
            await async_validate_path(_context(roots, others, latest_start), path)
            if path.pkix_len > 0:
                usage.validate(signer)
        except (ValidationError, PathError, ValueError):
            continue
        certified.append(CertifiedPath(certificates=tuple(_path_certificate(c) for c in certs)))
    return tuple(certified)


_Key = tuple[bytes, frozenset[bytes], frozenset[bytes]]
PATHS: BoundedCache[_Key, tuple[CertifiedPath, ...]] = BoundedCache(CACHE_SIZE)


def certified_paths(
    signer: bytes, others: Iterable[bytes], roots: Iterable[bytes]
) -> tuple[CertifiedPath, ...]:
    """The certified paths of the signer's certificate (DER), once per exact input.

    The key is the exact bytes of the signer's certificate, of the other certificates
    offered for path building and of the trust roots: the same signer with other trust
    roots, or with other certificates to build from, is another entry.
    """
    key: _Key = (signer, frozenset(others), frozenset(roots))

    def certify() -> tuple[CertifiedPath, ...]:
        def load(ders: Iterable[bytes]) -> list[asn1_x509.Certificate]:
            return [asn1_x509.Certificate.load(der) for der in sorted(ders)]

        return run_sync(_certify, asn1_x509.Certificate.load(signer), load(key[1]), load(key[2]))

    return PATHS.get_or_compute(key, certify)
