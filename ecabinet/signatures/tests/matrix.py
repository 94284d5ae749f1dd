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
