"""Permission matrix of the signatures app."""

from __future__ import annotations

import tempfile
from typing import Any

from django.test import override_settings

from ecabinet.core.testing.matrix import Case, everyone
from ecabinet.core.testing.personas import World
from ecabinet.signatures.ca import ca_init


def _with_ca(w: World) -> dict[str, Any]:
    """Initialise the CA with a throwaway KEK; the CRL endpoint serves the stored CRL."""
    with (
        tempfile.TemporaryDirectory() as keys,
        override_settings(ECABINET_KEY_DIR=keys, ECABINET_KEK_AUTOCREATE=True),
    ):
        ca_init()
    return {}


CASES = [
    # The CRL is public: relying parties fetch it without an account.
    Case("signatures:crl", everyone(200), kwargs=_with_ca),
    Case("signatures:my_certificates", everyone(200, anonymous=302)),
    # The time-stamping endpoint is public and POST-only; a malformed query gets a rejection.
    Case("signatures:tsa", everyone(405)),
    Case("signatures:tsa", everyone(400), method="post", data=lambda w: {}, note=":malformed"),
]

# Signature and seal image pages.
from ecabinet.signatures.tests.matrix_images import CASES as _IMAGE_CASES  # noqa: E402

CASES += _IMAGE_CASES

# Checking a signed file: any signed-in user; an empty submission is refused (400).
CASES += [
    Case("signatures:verify", everyone(200, anonymous=302)),
    Case("signatures:verify", everyone(400, anonymous=302), method="post", note=":empty"),
]

# Practice signing: only roles that sign (Perm.SIGN). Without a certificate the start is
# refused (400); a result URL of a practice this session never started is refused (400).
_PRACTISING = {"chair": 200, "member": 200, "substitute": 200, "outsider": 200, "anonymous": 302}


def _refused_practice(status: int) -> dict[str, int]:
    return everyone(403, **{p: (302 if p == "anonymous" else status) for p in _PRACTISING})


CASES += [
    Case("signatures:practice", everyone(403, **_PRACTISING)),
    Case("signatures:practice", _refused_practice(400), method="post", note=":no-certificate"),
    Case(
        "signatures:practice_result",
        _refused_practice(400),
        kwargs=lambda w: {"challenge_id": 999999},
    ),
    Case("signatures:practice_receipt", everyone(403, **_PRACTISING)),
    Case("signatures:practice_download", _refused_practice(404)),
]
