"""Permission matrix of core: the home page and the web app manifest."""

from __future__ import annotations

from ecabinet.core.testing.matrix import Case, everyone

CASES = [
    # Every signed-in user has a home page (a user with no body sees an empty state).
    Case("core:home", everyone(200, anonymous=302)),
    # Public: the browser fetches the manifest before anyone logs in.
    Case("core:manifest", everyone(200)),
]
