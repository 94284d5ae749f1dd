"""Background processing of an uploaded version: conversion, text, OCR, search index.

Run by the task worker after the upload commits. Each step writes its progress to the
version row so the dossier page can show it; a failed step leaves the document viewable
(or downloadable) and says what is unavailable. A state-secret mark found only now (in
OCR text) removes the file and refuses the version, as the upload gate would have.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django_tasks import task

from ecabinet.audit.services import audit_append
from ecabinet.documents.content.classify import secret_mark
from ecabinet.documents.content.convert import (
    ConversionFailed,
    conversion_available,
    convert_to_pdf,
)
from ecabinet.documents.content.extract import Extraction, ExtractionFailed, extract_text
from ecabinet.documents.content.kinds import FileKind as ContentKind
from ecabinet.documents.content.ocr import ocr_available, ocr_text
from ecabinet.documents.models import Document, DocumentVersion
from ecabinet.documents.services import (
    IMAGE_KINDS,
    OFFICE_KINDS,
    DocumentUnreadable,
    security_officers,
    version_bytes,
)
from ecabinet.documents.storage import delete_quietly, store_encrypted
from ecabinet.notifications.models import NotificationKind
from ecabinet.notifications.services import notification_send
from ecabinet.search.services import IndexEntry, search_index, search_remove

logger = logging.getLogger(__name__)
Processing = DocumentVersion.Processing
TextStatus = DocumentVersion.TextStatus
ViewStatus = DocumentVersion.ViewStatus


def _set(version: DocumentVersion, **fields: object) -> None:
    for name, value in fields.items():
        setattr(version, name, value)
    DocumentVersion.objects.filter(pk=version.pk).update(**fields)


@task()
def process_version(version_id: str) -> str:
    """Convert, extract, OCR and index one version; idempotent (a done version is skipped)."""
    claimed = DocumentVersion.objects.filter(
        Q(processing=Processing.PENDING) | Q(processing=Processing.FAILED), pk=version_id
    ).update(processing=Processing.RUNNING, progress=5)
    if not claimed:
        return "skipped"
    version = DocumentVersion.objects.select_related("document", "document__body").get(
        pk=version_id
    )
    try:
        return _process(version)
    except DocumentUnreadable:
        _set(
            version,
            processing=Processing.FAILED,
            processing_note="decrypt",
            text_status=TextStatus.FAILED,
        )
        return "unreadable"
    except Exception:
        logger.exception("processing of document version %s failed", version_id)
        _set(version, processing=Processing.FAILED, processing_note="error")
        raise


def _process(version: DocumentVersion) -> str:
    data = version_bytes(actor=None, version=version)
    kind = ContentKind(version.kind)
    notes: list[str] = []
    _set(version, progress=15)
    if version.kind in OFFICE_KINDS:
        _convert(version, data, kind, notes)
    _set(version, progress=50)
    extraction = _extract(version, data, kind, notes)
    if extraction is not None:
        mark = secret_mark(extraction.pages)
        if mark is not None:
            _refuse_after_upload(version, mark)
            return "refused"
        if extraction.pages and version.page_count is None and kind == ContentKind.PDF:
            _set(version, page_count=len(extraction.pages))
        _index(version, extraction.text)
        text_status = TextStatus.INDEXED
    else:
        text_status = TextStatus.UNAVAILABLE if "ocr-missing" in notes else TextStatus.FAILED
        _index(version, "")
    with transaction.atomic():
        _set(
            version,
            processing=Processing.DONE,
            progress=100,
            text_status=text_status,
            processing_note=",".join(notes)[:300],
        )
        audit_append(
            actor=None,
            verb="documents.version_processed",
            obj=version.document,
            body=version.document.body,
            after={
                "version": str(version.pk),
                "text": text_status,
                "view": version.view_status,
                "notes": notes,
            },
        )
    return "done"


def _convert(version: DocumentVersion, data: bytes, kind: ContentKind, notes: list[str]) -> None:
    if not conversion_available():
        notes.append("converter-missing")
        _set(version, view_status=ViewStatus.UNAVAILABLE)
        return
    try:
        pdf = convert_to_pdf(data, kind)
    except ConversionFailed as exc:
        logger.warning("conversion of %s failed: %s", version.pk, exc)
        notes.append("conversion-failed")
        _set(version, view_status=ViewStatus.UNAVAILABLE)
        return
    name, wrapped = store_encrypted(pdf, version_id=version.pk, slot="pdf")
    try:
        _set(version, pdf_blob_name=name, pdf_wrapped_key=wrapped, view_status=ViewStatus.CONVERTED)
    except BaseException:
        delete_quietly(name)
        raise
    if version.page_count is None:
        try:
            pages = extract_text(pdf, ContentKind.PDF).pages
            _set(version, page_count=len(pages))
        except ExtractionFailed:
            pass


def _extract(
    version: DocumentVersion, data: bytes, kind: ContentKind, notes: list[str]
) -> Extraction | None:
    extraction: Extraction | None = None
    if version.kind not in IMAGE_KINDS:
        try:
            extraction = extract_text(data, kind)
        except ExtractionFailed as exc:
            logger.warning("text extraction of %s failed: %s", version.pk, exc)
            notes.append("extraction-failed")
            return None
        if not extraction.ocr_needed:
            return extraction
    if not ocr_available():
        notes.append("ocr-missing")
        return extraction if extraction is not None and extraction.text.strip() else None
    _set(version, text_status=TextStatus.OCR_PENDING, progress=60)
    try:
        return ocr_text(data, kind)
    except ExtractionFailed as exc:
        logger.warning("OCR of %s failed: %s", version.pk, exc)
        notes.append("ocr-failed")
        return extraction if extraction is not None and extraction.text.strip() else None


def index_entry(document: Document, text: str) -> IndexEntry:
    dossier = document.dossier
    return IndexEntry(
        ref=f"document:{document.pk}",
        kind="document",
        body_id=document.body_id,
        dossier_id=document.dossier_id,
        owner_id=document.owner_id,
        doc_type_id=document.doc_type_id,
        agency_id=document.agency_id,
        issued_on=document.issued_on,
        meeting_ref=dossier.meeting_ref if dossier is not None else "",
        ballot_ref=dossier.ballot_ref if dossier is not None else "",
        title=" ".join(x for x in (document.number, document.title) if x),
        summary=document.summary,
        text=text,
    )


def _index(version: DocumentVersion, text: str) -> None:
    """Index the document's newest version only: an older version finishing late is skipped."""
    newest = (
        DocumentVersion.objects.filter(document_id=version.document_id)
        .exclude(processing=Processing.REFUSED)
        .order_by("-number")
        .values_list("pk", flat=True)
        .first()
    )
    if newest != version.pk:
        return
    document = Document.objects.select_related("dossier").get(pk=version.document_id)
    search_index(index_entry(document, text))


def _refuse_after_upload(version: DocumentVersion, mark: str) -> None:
    """A mark found by OCR: remove the files, refuse the version, tell security."""
    document = version.document
    delete_quietly(version.blob_name)
    delete_quietly(version.pdf_blob_name)
    with transaction.atomic():
        _set(
            version,
            processing=Processing.REFUSED,
            progress=100,
            text_status=TextStatus.UNAVAILABLE,
            processing_note=f"classified:{mark}",
        )
        audit_append(
            actor=None,
            verb="documents.classified_refused",
            obj=document,
            body=document.body,
            after={"version": str(version.pk), "mark": mark, "filename": version.filename},
        )
        bodies = [document.body] if document.body is not None else []
        for officer in security_officers(bodies):
            notification_send(
                user=officer,
                title=_("Tài liệu có dấu chỉ độ mật bị từ chối"),
                text=f"«{version.filename}»: {mark}",
                kind=NotificationKind.SECURITY,
                body=document.body,
            )
    if (
        not DocumentVersion.objects.filter(document=document)
        .exclude(processing=Processing.REFUSED)
        .exists()
    ):
        search_remove(f"document:{document.pk}")
