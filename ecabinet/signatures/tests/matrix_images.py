"""Permission rows for the signature-image and seal-image pages."""

from __future__ import annotations

from typing import Any

from ecabinet.core.testing.matrix import Case, everyone
from ecabinet.core.testing.personas import World


def _body(w: World) -> dict[str, Any]:
    return {"code": w.body.code}


# Only a body's managers keep its seal; members of the body get 403, others 404.
_SEAL = everyone(403, admin=200, outsider=404, anonymous=302)

CASES = [
    Case("signatures:signature_image", everyone(200, anonymous=302)),
    # Nobody has uploaded one in the matrix world: the own-image URL is 404 for everyone.
    Case("signatures:signature_image_png", everyone(404, anonymous=302)),
    Case("signatures:seal_image", _SEAL, kwargs=_body),
    Case("signatures:seal_image_png", {**_SEAL, "admin": 404}, kwargs=_body),
]
