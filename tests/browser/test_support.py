"""The browser-test helpers themselves: they must catch what they claim to catch."""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.support import assert_accessible, record_problems, snap

BROKEN_PAGE = """<!doctype html><html><head><title>Hỏng</title></head><body><main>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="no-alt">
<button id="no-name"></button>
<p style="color:#ccc;background:#fff">Chữ mờ khó đọc</p>
</main></body></html>"""

TALL_PAGE = """<!doctype html><html lang="vi"><head><title>Dài</title>
<style>body,h1{margin:0}main{height:2000px;background:linear-gradient(#fff,#036)}</style>
</head><body><main><h1>Trang dài</h1></main></body></html>"""


@pytest.fixture
def blank_page(browser: Browser) -> Iterator[Page]:
    """A page with no server behind it, for content set by the test."""
    page = browser.new_page(viewport={"width": 800, "height": 600})
    yield page
    page.close()


def test_axe_check_fails_on_serious_and_critical_violations(
    blank_page: Page,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    monkeypatch.setenv("ECABINET_ARTIFACTS", str(tmp_path))
    blank_page.set_content(BROKEN_PAGE)

    with pytest.raises(AssertionError) as failure:
        assert_accessible(blank_page, "broken")

    message = str(failure.value)
    for rule, node in [
        ("html-has-lang", "html"),
        ("image-alt", "#no-alt"),
        ("button-name", "#no-name"),
        ("color-contrast", "p"),
    ]:
        assert f"] {rule}: " in message
        assert f"    {node}: " in message
    report = json.loads((tmp_path / "axe" / f"{request.node.name}-broken.json").read_text())
    assert {v["id"] for v in report["violations"]} >= {"image-alt", "button-name"}


def test_axe_check_passes_a_clean_page(
    blank_page: Page, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECABINET_ARTIFACTS", str(tmp_path))
    blank_page.set_content(TALL_PAGE)

    assert_accessible(blank_page, "clean")


def test_snap_saves_the_full_page_under_the_artifacts_directory(
    blank_page: Page,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> None:
    monkeypatch.setenv("ECABINET_ARTIFACTS", str(tmp_path / "out"))
    blank_page.set_content(TALL_PAGE)

    path = snap(blank_page, "tall")

    assert path == tmp_path / "out" / "screenshots" / f"{request.node.name}-tall.png"
    png = path.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
    assert (width, height) == (800, 2000)


@pytest.mark.parametrize(
    ("device", "width", "touch"), [("phone", 375, True), ("desktop", 1280, False)]
)
def test_contexts_are_vietnamese_at_each_device_size(
    page: Page, device: str, width: int, touch: bool
) -> None:
    # Pages declare a device-width viewport (base.html); without it a phone lays out at 980 px.
    page.set_content('<meta name="viewport" content="width=device-width, initial-scale=1">')

    seen = page.evaluate(
        """() => [navigator.language,
                  new Date("2026-01-01T00:00:00Z").toLocaleTimeString("en-GB"),
                  window.innerWidth, navigator.maxTouchPoints > 0]"""
    )

    # Chromium names the zone by its ICU alias (Asia/Saigon): compare the local time, UTC+7.
    assert seen == ["vi-VN", "07:00:00", width, touch]


def test_record_problems_lists_failed_requests_and_script_errors(blank_page: Page) -> None:
    problems = record_problems(blank_page)

    # Chromium refuses port 9 (discard) itself, so the request fails without any traffic.
    blank_page.set_content(
        '<img src="http://127.0.0.1:9/mat.png" alt=""><script>throw new Error("hỏng")</script>'
    )
    blank_page.wait_for_load_state("load")

    assert sorted(problems) == [
        "failed http://127.0.0.1:9/mat.png (net::ERR_UNSAFE_PORT)",
        "script error: hỏng",
    ]
