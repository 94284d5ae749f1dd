"""A throwaway PKI for signature tests: root CA, signer, organisation and TSA certificates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from asn1crypto import keys as asn1_keys  # type: ignore[import-untyped]
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from ecabinet.signatures.tsa import InProcessTimeStamper, InternalTsa

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class Issued:
    certificate: x509.Certificate
    key: PrivateKey

    @property
    def asn1(self) -> asn1_x509.Certificate:
        return to_asn1(self.certificate)

    def pem_files(self, directory: str) -> tuple[str, str]:
        cert_path = f"{directory}/cert.pem"
        key_path = f"{directory}/key.pem"
        with open(cert_path, "wb") as fh:
            fh.write(self.certificate.public_bytes(serialization.Encoding.PEM))
        with open(key_path, "wb") as fh:
            fh.write(
                self.key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        return cert_path, key_path


def to_asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _name(cn: str, org: str = "Văn phòng Chính phủ (thử nghiệm)") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _key(kind: str) -> PrivateKey:
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_root(cn: str = "ecabinet Test Root CA") -> Issued:
    key = _key("ec")
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return Issued(cert, key)


def issue(
    ca: Issued,
    cn: str,
    *,
    key_kind: str = "ec",
    non_repudiation: bool = True,
    time_stamping: bool = False,
    org: str = "Văn phòng Chính phủ (thử nghiệm)",
) -> Issued:
    key = _key(key_kind)
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(cn, org))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=non_repudiation,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
            critical=False,
        )
    )
    if time_stamping:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    return Issued(builder.sign(ca.key, hashes.SHA256()), key)


def pyhanko_signer(issued: Issued, ca: Issued) -> SimpleSigner:
    """A pyHanko signer for ``issued`` (what keystores.signer_for gives in production)."""
    key_der = issued.key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return SimpleSigner(
        signing_cert=issued.asn1,
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([ca.asn1]),  # type: ignore[no-untyped-call]
    )


@dataclass(frozen=True)
class TestPki:
    __test__ = False  # not a pytest test class

    root: Issued
    signer: Issued
    org: Issued
    tsa: Issued

    def signer_signer(self) -> SimpleSigner:
        return pyhanko_signer(self.signer, self.root)

    def org_signer(self) -> SimpleSigner:
        return pyhanko_signer(self.org, self.root)

    def internal_tsa(self) -> InternalTsa:
        assert isinstance(self.tsa.key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey)
        return InternalTsa(self.tsa.certificate, self.tsa.key, [self.root.certificate])

    def timestamper(self) -> InProcessTimeStamper:
        return InProcessTimeStamper(self.internal_tsa())


def build_pki() -> TestPki:
    root = make_root()
    return TestPki(
        root=root,
        signer=issue(root, "Phạm Minh Chính"),
        org=issue(root, "Chính phủ", non_repudiation=True, org="Chính phủ"),
        tsa=issue(root, "ecabinet Test TSA", key_kind="rsa", time_stamping=True),
    )
