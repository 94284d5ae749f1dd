"""The internal RFC 3161 TSA, its HTTP view and the timestamper chosen from settings."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest
from asn1crypto import algos, cms, tsp
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.test import RequestFactory
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext

from ecabinet.signatures import tsa as tsa_module
from ecabinet.signatures.tests.pki import TestPki, build_pki, issue
from ecabinet.signatures.tsa import (
    TIMESTAMP_QUERY,
    TIMESTAMP_REPLY,
    InProcessTimeStamper,
    InternalTsa,
    TimeStampResponse,
    TsaConfigurationError,
    timestamper_for_settings,
)
from ecabinet.signatures.tsa_views import timestamp as timestamp_view


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return build_pki()


def _request(
    digest: bytes = b"", *, algorithm: str = "sha256", nonce: int = 42
) -> tsp.TimeStampReq:
    return tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {
                "hash_algorithm": algos.DigestAlgorithm({"algorithm": algorithm}),
                "hashed_message": digest or hashlib.sha256(b"nghi quyet").digest(),
            },
            "nonce": nonce,
            "cert_req": True,
        }
    )


def test_granted_token_verifies(pki: TestPki) -> None:
    digest = hashlib.sha256("Nghị quyết".encode()).digest()
    response = TimeStampResponse.load(pki.internal_tsa().respond(_request(digest).dump()))
    assert response["status"]["status"].native == "granted"
    token = response["time_stamp_token"]
    signed_data = token["content"]
    info = signed_data["encap_content_info"]["content"].parsed
    assert info["message_imprint"]["hashed_message"].native == digest
    assert info["nonce"].native == 42
    assert info["policy"].dotted == tsa_module.DEFAULT_POLICY_OID
    # The signature over the signed attributes verifies with the TSA certificate (RSA).
    signer_info = signed_data["signer_infos"][0]
    pki.tsa.certificate.public_key().verify(  # type: ignore[union-attr,call-arg]
        signer_info["signature"].native,
        signer_info["signed_attrs"].untag().dump(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    # And pyHanko accepts it as a trusted timestamp token.
    context = ValidationContext(trust_roots=[pki.root.asn1], allow_fetching=False)
    status = asyncio.run(validate_tst_signed_data(signed_data, context, lambda _alg: digest))
    assert status["intact"]
    assert status["valid"]
    assert status["trust_problem_indic"] is None


def test_ec_key_tsa_works(pki: TestPki) -> None:
    ec_tsa = issue(pki.root, "EC TSA", key_kind="ec", time_stamping=True)
    tsa = InternalTsa(ec_tsa.certificate, ec_tsa.key)  # type: ignore[arg-type]
    response = TimeStampResponse.load(tsa.respond(_request().dump()))
    assert response["status"]["status"].native == "granted"


@pytest.mark.parametrize(
    ("request_der", "fail_info"),
    [
        (b"\x30\x03\x02\x01", "bad_data_format"),
        (b"garbage", "bad_data_format"),
        (b"", "bad_data_format"),
    ],
)
def test_malformed_request_is_rejected(pki: TestPki, request_der: bytes, fail_info: str) -> None:
    response = TimeStampResponse.load(pki.internal_tsa().respond(request_der))
    assert response["status"]["status"].native == "rejection"
    assert fail_info in response["status"]["fail_info"].native


def test_wrong_digest_length_and_algorithm_are_rejected(pki: TestPki) -> None:
    tsa = pki.internal_tsa()
    short = TimeStampResponse.load(tsa.respond(_request(b"\x01" * 20).dump()))
    assert short["status"]["status"].native == "rejection"
    md5 = TimeStampResponse.load(tsa.respond(_request(b"\x01" * 16, algorithm="md5").dump()))
    assert "bad_alg" in md5["status"]["fail_info"].native


def test_certificate_without_timestamping_eku_is_refused(pki: TestPki) -> None:
    with pytest.raises(TsaConfigurationError):
        InternalTsa(pki.signer.certificate, pki.signer.key)  # type: ignore[arg-type]


def test_view_grants_a_proper_request(pki: TestPki, settings: object, tmp_path: Path) -> None:
    _configure(pki, settings, tmp_path)
    rf = RequestFactory()
    response = timestamp_view(
        rf.post("/tsa/", data=_request().dump(), content_type=TIMESTAMP_QUERY)
    )
    assert response.status_code == 200
    assert response["Content-Type"] == TIMESTAMP_REPLY
    assert TimeStampResponse.load(response.content)["status"]["status"].native == "granted"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"not der", TIMESTAMP_QUERY), (b"", TIMESTAMP_QUERY), (b"x", "application/json")],
)
def test_view_rejects_bad_requests_with_400(
    pki: TestPki, settings: object, tmp_path: Path, body: bytes, content_type: str
) -> None:
    _configure(pki, settings, tmp_path)
    response = timestamp_view(RequestFactory().post("/tsa/", data=body, content_type=content_type))
    assert response.status_code == 400
    assert response["Content-Type"] == TIMESTAMP_REPLY
    assert TimeStampResponse.load(response.content)["status"]["status"].native == "rejection"


def test_view_refuses_get() -> None:
    assert timestamp_view(RequestFactory().get("/tsa/")).status_code == 405


def test_view_without_configuration_is_503(settings: object, db: None) -> None:
    # No TSA files and no internal CA yet (`ecabinet ca init` not run).
    settings.ECABINET_TSA_CERT_FILE = ""  # type: ignore[attr-defined]
    response = timestamp_view(
        RequestFactory().post("/tsa/", data=_request().dump(), content_type=TIMESTAMP_QUERY)
    )
    assert response.status_code == 503
    assert TimeStampResponse.load(response.content)["status"]["status"].native == "rejection"


def _configure(pki: TestPki, settings: object, tmp_path: Path) -> None:
    cert, key = pki.tsa.pem_files(str(tmp_path))
    settings.ECABINET_TSA_CERT_FILE = cert  # type: ignore[attr-defined]
    settings.ECABINET_TSA_KEY_FILE = key  # type: ignore[attr-defined]
    settings.ECABINET_TSA_URL = ""  # type: ignore[attr-defined]


def test_timestamper_for_settings(pki: TestPki, settings: object, tmp_path: Path) -> None:
    _configure(pki, settings, tmp_path)
    local = timestamper_for_settings()
    assert isinstance(local, InProcessTimeStamper)
    token = asyncio.run(local.async_timestamp(hashlib.sha256(b"x").digest(), "sha256"))
    assert token["content_type"].native == "signed_data"
    settings.ECABINET_TSA_URL = "https://tsa.example.gov.vn/"  # type: ignore[attr-defined]
    remote = timestamper_for_settings()
    assert isinstance(remote, HTTPTimeStamper)
    assert remote.url == "https://tsa.example.gov.vn/"


def test_in_process_timestamper_returns_a_token(pki: TestPki) -> None:
    stamper = pki.timestamper()
    digest = hashlib.sha256(b"x").digest()
    token = asyncio.run(stamper.async_timestamp(digest, "sha256"))
    assert isinstance(token, cms.ContentInfo)
    assert token["content_type"].native == "signed_data"


def test_rejection_reaches_the_client_as_timestamp_error() -> None:
    from pyhanko.sign.timestamps import TimestampRequestError

    from ecabinet.signatures.tsa import _load_response, rejection

    with pytest.raises(TimestampRequestError, match="bad_alg"):
        _load_response(rejection("bad_alg", "no").dump())
    with pytest.raises(TimestampRequestError):
        _load_response(b"\x00garbage")
