"""What browser tests share: browser settings, screenshots, the accessibility check, sign-in.

See docs/decisions/0500-browser-tests.md for why each choice was made.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.test import Client
from django_otp.oath import TOTP, totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import BrowserContext, Page, Response

from ecabinet.accounts.models import User
from ecabinet.core.testing.auth import login_as

# Debian's chromium package: the project never downloads a browser of its own.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# The sizes every page must work at (DESIGN.md: a phone and a desktop).
DEVICES: dict[str, dict[str, Any]] = {
    "phone": {"viewport": {"width": 375, "height": 812}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 800}},
}
CONTEXT_OPTIONS: dict[str, Any] = {"locale": "vi-VN", "timezone_id": "Asia/Ho_Chi_Minh"}

AXE_DIR = Path(__file__).resolve().parent / "vendor" / "axe-core"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Impacts that fail a test; "moderate" and "minor" ones are only written to the report file.
FAILING_IMPACTS = ("serious", "critical")

_current_test: str | None = None
_axe_source: str | None = None


def set_current_test(name: str | None) -> None:
    """Called by the autouse fixture in conftest.py so helpers can name their files."""
    global _current_test
    _current_test = name


def artifacts_dir() -> Path:
    """ECABINET_ARTIFACTS (default "artifacts", relative to the working directory)."""
    return Path(os.environ.get("ECABINET_ARTIFACTS") or "artifacts")


def artifact_path(kind: str, name: str, suffix: str) -> Path:
    """``<artifacts>/<kind>/<test name>-<name><suffix>``, its directory created."""
    if _current_test is None:
        raise RuntimeError("browser helpers only work inside a test of tests/browser")
    stem = _safe(f"{_current_test}-{name}")
    path = artifacts_dir() / kind / f"{stem}{suffix}"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _safe(name: str) -> str:
    # "test_login[phone]-form" -> "test_login-phone-form": no brackets or spaces in file names.
    return re.sub(r"[^A-Za-z0-9_.]+", "-", name).strip("-")


def snap(page: Page, name: str) -> Path:
    """Save a full-page PNG of ``page`` under <artifacts>/screenshots/ and return its path."""
    path = artifact_path("screenshots", name, ".png")
    page.screenshot(path=path, full_page=True)
    return path


def record_problems(page: Page) -> list[str]:
    """Start listing what a person would see broken on ``page``; returns the live list.

    Responses of 400 and above (a missing stylesheet, icon or script), requests that failed,
    and uncaught script errors. Call it before ``page.goto``.
    """
    problems: list[str] = []

    def on_response(response: Response) -> None:
        if response.status >= 400:
            problems.append(f"HTTP {response.status} {response.url}")

    page.on("response", on_response)
    page.on(
        "requestfailed",
        lambda request: problems.append(f"failed {request.url} ({request.failure})"),
    )
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    return problems


def _inject_axe(page: Page) -> None:
    global _axe_source
    if page.evaluate("() => typeof window.axe === 'object'"):
        return
    if _axe_source is None:
        _axe_source = (AXE_DIR / "axe.min.js").read_text(encoding="utf-8")
    # Evaluated through the DevTools protocol rather than added as a <script> element, so a
    # page's Content-Security-Policy cannot block it.
    page.evaluate("() => {\n" + _axe_source + "\n}")


_RUN_AXE = """
async (options) => {
  const results = await window.axe.run(document, options);
  const target = (t) => (Array.isArray(t) ? t.join(" >>> ") : String(t));
  return {
    version: results.testEngine.version,
    url: results.url,
    violations: results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({
        target: n.target.map(target).join(" "),
        summary: n.failureSummary || "",
      })),
    })),
  };
}
"""


def assert_accessible(page: Page, name: str) -> None:
    """Run axe (WCAG 2.0 and 2.1, levels A and AA) on ``page``; fail on serious or critical.

    Every violation, whatever its impact, is written to <artifacts>/axe/<test>-<name>.json.
    """
    _inject_axe(page)
    results = page.evaluate(
        _RUN_AXE, {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    )
    report = artifact_path("axe", name, ".json")
    report.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    failing = [v for v in results["violations"] if v["impact"] in FAILING_IMPACTS]
    if not failing:
        return
    lines = [
        f"{name}: {len(failing)} serious or critical accessibility violation(s) at "
        f"{results['url']} (axe-core {results['version']}; full report {report}):"
    ]
    for v in failing:
        lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"    {node['target']}: {summary}")
    raise AssertionError("\n".join(lines))


LOGIN_PATH = "/tai-khoan/dang-nhap/"
OTP_PATH = "/tai-khoan/xac-thuc/"
OTP_SETUP_PATH = "/tai-khoan/thiet-lap-xac-thuc/"


def totp_code(device: TOTPDevice) -> str:
    """The code an authenticator app would show for ``device``, for a step not yet used.

    django-otp refuses a time step it has already accepted (``last_t``) and accepts the steps
    next to the current one (``tolerance``), so a second login within the same 30 seconds
    gets the next step's code, as a user waiting for the next code would.
    """
    device.refresh_from_db()
    now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).t()
    for offset in range(device.tolerance + 1):
        if now + offset > device.last_t:
            code = totp(
                device.bin_key, device.step, device.t0, device.digits, device.drift + offset
            )
            return f"{code:0{device.digits}d}"
    raise AssertionError(f"TOTP device {device.pk} has used every step it would accept now")


def _submit(page: Page, field: str) -> None:
    """Click the submit button of the form holding ``field`` and wait for the next page."""
    with page.expect_navigation():
        page.locator(f'form:has([name="{field}"]) button[type="submit"]').click()


def _login_failure(page: Page, step: str, user: User) -> AssertionError:
    alert = page.locator('[role="alert"]')
    said = " ".join(alert.first.inner_text().split()) if alert.count() else "no error shown"
    return AssertionError(f"login of {user.username!r} stopped at the {step} step: {said}")


def login(page: Page, server_url: str, user: User, password: str) -> None:
    """Log ``user`` in through the real forms, as a person would.

    Password step at /tai-khoan/dang-nhap/ (fields ``username``, ``password``); then, for a
    user with a confirmed TOTPDevice, the code step at /tai-khoan/xac-thuc/ (field ``code``)
    with the code the device shows. Fails, quoting the page's error, if either step refuses.
    A user who must first enrol an authenticator ends up on the enrolment page: give such a
    user a device (``TOTPDevice.objects.create(user=u, name="test", confirmed=True)``).
    """
    page.goto(f"{server_url}{LOGIN_PATH}")
    page.locator('input[name="username"]').fill(user.username)
    page.locator('input[name="password"]').fill(password)
    _submit(page, "password")
    path = urlsplit(page.url).path
    if path == LOGIN_PATH:
        raise _login_failure(page, "password", user)
    if path == OTP_SETUP_PATH:
        raise AssertionError(f"{user.username!r} must enrol an authenticator first (no device)")
    if path != OTP_PATH:
        return
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        raise AssertionError(f"the site asks {user.username!r} for a code, but they have no device")
    page.locator('input[name="code"]').fill(totp_code(device))
    _submit(page, "code")
    if urlsplit(page.url).path == OTP_PATH:
        raise _login_failure(page, "TOTP code", user)


def log_in_as(context: BrowserContext, server_url: str, user: User) -> None:
    """Sign ``user`` into ``context`` as if password and second factor had been passed.

    For journeys that are not about logging in; the login journey itself goes through the forms.
    """
    client = login_as(Client(), user)
    name = settings.SESSION_COOKIE_NAME
    context.add_cookies(
        [
            {
                "name": name,
                "value": client.cookies[name].value,
                "url": server_url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )


_PROBE_WEBSOCKET = """
([path, wanted, timeoutMs]) => new Promise((resolve) => {
  const url = new URL(path, location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const result = { opened: false, code: null, messages: [] };
  const ws = new WebSocket(url);
  const timer = setTimeout(() => { ws.close(1000); resolve(result); }, timeoutMs);
  ws.onopen = () => {
    result.opened = true;
    if (wanted === 0) ws.close(1000);
  };
  ws.onmessage = (event) => {
    result.messages.push(JSON.parse(event.data));
    if (result.messages.length >= wanted) ws.close(1000);
  };
  ws.onclose = (event) => {
    clearTimeout(timer);
    result.code = event.code;
    resolve(result);
  };
})
"""


def probe_websocket(page: Page, path: str, *, messages: int = 0, timeout_ms: int = 5000) -> Any:
    """Open a WebSocket from ``page`` (its origin and cookies) and report what happened.

    Closes it after ``messages`` JSON messages (0: as soon as it opens), or after the timeout.
    Returns ``{"opened": bool, "code": close code or None, "messages": [...]}``; a handshake the
    server refused gives ``opened=False, code=1006``.
    """
    return page.evaluate(_PROBE_WEBSOCKET, [path, messages, timeout_ms])
