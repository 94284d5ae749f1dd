"""Permission matrix of the accounts app: every URL, for every persona.

Personas are logged in with a verified authenticator (core.testing.auth.login_as), so the
login steps send them on (302) and only the anonymous visitor sees the login form.
"""

from __future__ import annotations

from ecabinet.core.testing.matrix import Case, everyone

SIGNED_IN_200 = everyone(200, anonymous=302)
SIGNED_IN_400 = everyone(400, anonymous=302)

CASES: list[Case] = [
    Case("accounts:login", everyone(302, anonymous=200)),
    Case(
        "accounts:login",
        everyone(302, anonymous=400),
        method="post",
        data=lambda w: {"username": "khong-ton-tai", "password": "sai"},
        note=" wrong password",
    ),
    Case("accounts:otp", everyone(302), note=" (already verified, or not logged in)"),
    Case("accounts:otp_setup", everyone(302), note=" (already enrolled, or not logged in)"),
    Case("accounts:recovery_codes", SIGNED_IN_200),
    Case(
        "accounts:recovery_codes",
        SIGNED_IN_400,
        method="post",
        data=lambda w: {"code": "abc"},
        note=" malformed code",
    ),
    Case("accounts:logout", everyone(405), note=" GET"),
    Case("accounts:logout", everyone(302), method="post"),
    Case("accounts:password_change", SIGNED_IN_200),
    Case(
        "accounts:password_change",
        SIGNED_IN_400,
        method="post",
        data=lambda w: {},
        note=" empty form",
    ),
    Case("accounts:security", SIGNED_IN_200),
    Case("accounts:set_language", everyone(405), note=" GET"),
    Case(
        "accounts:set_language",
        everyone(302),
        method="post",
        data=lambda w: {"language": "vi", "next": "/"},
    ),
    Case("accounts:login_log", everyone(403, admin=200, anonymous=302)),
]

# Step-up pages (their cases live next to their tests).
from ecabinet.accounts.tests.matrix_stepup import CASES as STEPUP_CASES  # noqa: E402

CASES += STEPUP_CASES
