"""From a version to the Decree 30 PDF: the data the layout gets, and one real rendering."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from ecabinet.resolutions import selectors
from ecabinet.resolutions.printing import pdf_content, render_version_pdf
from ecabinet.resolutions.tests.conftest import Desk

pytestmark = pytest.mark.django_db


def test_the_layout_gets_the_frozen_version(desk: Desk) -> None:
    resolution = desk.submit(desk.draft())
    version = selectors.version_to_sign(resolution)
    content = selectors.content_of(version)
    data = pdf_content(desk.fresh(resolution), version)
    assert (data.body_name, data.notation, data.title, data.place) == (
        "CHÍNH PHỦ (THỬ)",
        "NQ-CP",
        "NGHỊ QUYẾT",
        "Hà Nội",
    )
    assert data.summary == content.summary
    assert [s.heading for s in data.sections] == [s.heading for s in content.sections]
    assert tuple(data.preamble) == content.preamble
    assert (data.signer_competence, data.signer_position, data.signer_name) == (
        "TM. CHÍNH PHỦ (THỬ)",
        "THỦ TƯỚNG",
        desk.user("chair").full_name,
    )
    assert list(data.recipients) == [r.name for r in content.recipients]


def test_a_version_of_another_resolution_is_refused(desk: Desk) -> None:
    first = desk.fresh(desk.draft())
    second = desk.fresh(desk.draft(desk.closed_meeting(title="Phiên họp chuyên đề")))
    assert second.current_version is not None
    with pytest.raises(ValueError, match="another resolution"):
        pdf_content(first, second.current_version)


def test_the_pdf_prints_the_version(desk: Desk) -> None:
    resolution = desk.fresh(desk.draft())
    assert resolution.current_version is not None
    pdf = render_version_pdf(resolution, resolution.current_version)
    text = " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages
    )
    assert "NGHỊ QUYẾT" in text
    assert "Về dự án Luật Thử nghiệm" in text
    assert "QUYẾT NGHỊ" in text
