"""Reads of dossiers and documents, scoped to what the user may see (404 otherwise)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from ecabinet.bodies.models import Body, Membership
from ecabinet.documents import permissions as perms
from ecabinet.documents.models import (
    Document,
    DocumentVersion,
    Dossier,
    Folder,
    PrivateNote,
    ReadReceipt,
)
from ecabinet.search.services import SearchScope

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.bodies.permissions import AnyUser


def dossier_list_for(user: AnyUser, body: Body) -> QuerySet[Dossier]:
    """Dossiers of ``body`` the user may see, newest first."""
    qs = Dossier.objects.filter(body=body).select_related("unit", "created_by")
    if perms.can_view_body_documents(user, body):
        return qs
    unit = perms.agency_unit_id(user, body)
    if unit is not None:
        return qs.filter(unit_id=unit)
    return qs.none()


def dossier_for(user: AnyUser, body: Body, pk: int) -> Dossier:
    dossier = dossier_list_for(user, body).filter(pk=pk).first()
    if dossier is None:
        raise Http404
    return dossier


def document_for(user: AnyUser, pk: int) -> Document:
    """A document the user may read (a body's, or their own personal one); 404 otherwise."""
    document = (
        Document.objects.select_related(
            "body", "dossier", "dossier__body", "owner", "folder", "doc_type", "agency"
        )
        .filter(pk=pk)
        .first()
    )
    if document is None or not perms.can_view_document(user, document):
        raise Http404
    return document


def version_of(document: Document, version_id: uuid.UUID) -> DocumentVersion:
    version = DocumentVersion.objects.filter(document=document, pk=version_id).first()
    if version is None:
        raise Http404
    return version


def current_version(document: Document) -> DocumentVersion | None:
    return (
        DocumentVersion.objects.filter(document=document)
        .exclude(processing=DocumentVersion.Processing.REFUSED)
        .order_by("-number")
        .first()
    )


def versions_of(document: Document) -> QuerySet[DocumentVersion]:
    return DocumentVersion.objects.filter(document=document).select_related("uploaded_by")


def documents_of_dossier(dossier: Dossier) -> list[Document]:
    """The dossier's documents, each with ``latest`` (its newest version) attached."""
    documents = list(Document.objects.filter(dossier=dossier).select_related("doc_type", "agency"))
    _attach_latest(documents)
    return documents


def _attach_latest(documents: list[Document]) -> None:
    latest: dict[int, DocumentVersion] = {}
    for version in DocumentVersion.objects.filter(document__in=documents).order_by(
        "document_id", "-number"
    ):
        latest.setdefault(version.document_id, version)
    for document in documents:
        document.latest = latest.get(document.pk)  # type: ignore[attr-defined]


def receipts_of_dossier(dossier: Dossier) -> dict[int, list[ReadReceipt]]:
    """Per document id: who received it and when they opened it, by order of precedence."""
    precedence = dict(
        Membership.objects.filter(body=dossier.body).values_list("user_id", "precedence")
    )
    rows: dict[int, list[ReadReceipt]] = {}
    for receipt in ReadReceipt.objects.filter(document__dossier=dossier).select_related("user"):
        rows.setdefault(receipt.document_id, []).append(receipt)
    for receipts in rows.values():
        receipts.sort(key=lambda r: (precedence.get(r.user_id, 10_000), r.user.full_name))
    return rows


def folders_of(user: User, parent: Folder | None) -> QuerySet[Folder]:
    return Folder.objects.filter(owner=user, parent=parent)


def folder_for(user: AnyUser, pk: int) -> Folder:
    folder = Folder.objects.filter(pk=pk, owner_id=getattr(user, "pk", None)).first()
    if folder is None:
        raise Http404
    return folder


def folder_path(folder: Folder | None) -> list[Folder]:
    """The folder and its ancestors, root first (for the breadcrumb)."""
    path: list[Folder] = []
    while folder is not None:
        path.append(folder)
        folder = folder.parent
    return list(reversed(path))


def personal_documents(user: User, folder: Folder | None) -> list[Document]:
    documents = list(Document.objects.filter(owner=user, folder=folder).order_by("title", "pk"))
    _attach_latest(documents)
    return documents


def notes_for(user: User, document: Document) -> QuerySet[PrivateNote]:
    """The reader's own notes: there is no query that returns another person's."""
    return PrivateNote.objects.filter(author=user, document=document)


def search_scope_for(user: AnyUser) -> SearchScope:
    """What the search may show the user: whole bodies, an agency's dossiers, own papers."""
    if not user.is_authenticated or not user.is_active:
        return SearchScope(body_ids=frozenset(), dossier_ids=frozenset(), owner_id=None)
    memberships = list(
        Membership.objects.filter(user=user, is_active=True, body__is_active=True).select_related(
            "body"
        )
    )
    body_ids = {m.body_id for m in memberships if perms.can_view_body_documents(user, m.body, m)}
    if user.is_superuser:
        body_ids |= set(Body.objects.filter(is_active=True).values_list("pk", flat=True))
    units = {
        m.unit_id
        for m in memberships
        if m.body_id not in body_ids and perms.agency_unit_id(user, m.body, m) is not None
    }
    dossier_ids = (
        set(Dossier.objects.filter(unit_id__in=units).values_list("pk", flat=True))
        if units
        else set()
    )
    return SearchScope(
        body_ids=frozenset(body_ids), dossier_ids=frozenset(dossier_ids), owner_id=user.pk
    )
