"""From a version's content to the Decree 30 PDF (``pdf.py``): what the chair is shown and
signs. The signing step renders ``selectors.version_to_sign(resolution)`` with
``render_version_pdf``; the same version always gives the same printed text.
"""

from __future__ import annotations

from ecabinet.resolutions.content import one_line
from ecabinet.resolutions.models import Resolution, ResolutionVersion
from ecabinet.resolutions.pdf import ResolutionContent, ResolutionSection, render_resolution_pdf
from ecabinet.resolutions.selectors import content_of


def notation_of(resolution: Resolution) -> str:
    """What follows the number: "NQ-CP" (the type's abbreviation, the body's notation)."""
    abbreviation = resolution.document_type.abbreviation
    notation = resolution.body.notation
    return f"{abbreviation}-{notation}" if notation else abbreviation


def pdf_content(resolution: Resolution, version: ResolutionVersion) -> ResolutionContent:
    """The layout's data for one version of the resolution (number and date left open)."""
    if version.resolution_id != resolution.pk:
        raise ValueError("the version belongs to another resolution")
    content = content_of(version)
    body = resolution.body
    return ResolutionContent(
        body_name=one_line(body.name).upper(),
        notation=notation_of(resolution),
        place=body.place,
        summary=content.summary,
        title=one_line(resolution.document_type.name).upper(),
        preamble=content.preamble,
        sections=[
            ResolutionSection(heading=s.heading, paragraphs=s.paragraphs) for s in content.sections
        ],
        signer_name=content.signer.name,
        signer_competence=content.signer.authority,
        signer_position=content.signer.title,
        recipients=[r.name for r in content.recipients],
    )


def render_version_pdf(resolution: Resolution, version: ResolutionVersion) -> bytes:
    """The unsigned PDF of a version, with the empty number, date and signature fields."""
    return render_resolution_pdf(pdf_content(resolution, version))
