"""Permission rows of the documents app: every URL, for every persona.

Objects are made on demand in the persona world: a dossier of the submitting agency's
unit with one PDF, a dossier without a unit, a document of the other body, and the member's
personal folder, document and note.
"""

from __future__ import annotations

import itertools
from typing import Any

from ecabinet.core.testing.matrix import Case, everyone
from ecabinet.core.testing.personas import World
from ecabinet.documents import services
from ecabinet.documents.models import Document, Dossier, Folder, PrivateNote
from ecabinet.documents.tests.files import pdf_bytes

_counter = itertools.count(1)


def _user(w: World, persona: str) -> Any:
    user = w.user(persona)
    assert user is not None
    return user


def _dossier(w: World, *, with_unit: bool = True) -> Dossier:
    title = "Hồ sơ của bộ (ma trận)" if with_unit else "Hồ sơ của Văn phòng (ma trận)"
    found = Dossier.objects.filter(body=w.body, title=title).first()
    if found is not None:
        return found
    return services.dossier_create(
        actor=_user(w, "office"),
        body=w.body,
        title=title,
        unit=w.memberships["agency"].unit if with_unit else None,
    )


def _document(w: World) -> Document:
    dossier = _dossier(w)
    found = Document.objects.filter(dossier=dossier).first()
    if found is not None:
        return found
    return services.document_upload(
        actor=_user(w, "office"),
        data=pdf_bytes("Tờ trình đề án (ma trận)"),
        filename="to-trinh.pdf",
        dossier=dossier,
        meta=services.DocumentMeta(),
    )


def _other_body_document(w: World) -> Document:
    found = Document.objects.filter(body=w.other_body).first()
    if found is not None:
        return found
    admin = _user(w, "admin")
    dossier = services.dossier_create(actor=admin, body=w.other_body, title="Hồ sơ tỉnh khác")
    return services.document_upload(
        actor=admin,
        data=pdf_bytes("Văn bản của tỉnh khác"),
        filename="tinh-khac.pdf",
        dossier=dossier,
        meta=services.DocumentMeta(),
    )


def _folder(w: World) -> Folder:
    member = _user(w, "member")
    found = Folder.objects.filter(owner=member).first()
    return found or services.folder_create(actor=member, name="Thư mục (ma trận)")


def _personal_document(w: World) -> Document:
    member = _user(w, "member")
    found = Document.objects.filter(owner=member).first()
    if found is not None:
        return found
    return services.document_upload(
        actor=member,
        data=pdf_bytes("Ghi chép riêng (ma trận)"),
        filename="rieng.pdf",
        folder=_folder(w),
        meta=services.DocumentMeta(),
    )


def _note(w: World) -> PrivateNote:
    document = _document(w)
    member = _user(w, "member")
    found = PrivateNote.objects.filter(author=member, document=document).first()
    return found or services.note_create(actor=member, document=document, text="Ghi chú riêng")


def _code(w: World) -> dict[str, Any]:
    return {"code": w.body.code}


def _dossier_kwargs(w: World) -> dict[str, Any]:
    return {"code": w.body.code, "pk": _dossier(w).pk}


def _office_dossier_kwargs(w: World) -> dict[str, Any]:
    return {"code": w.body.code, "pk": _dossier(w, with_unit=False).pk}


def _other_dossier_kwargs(w: World) -> dict[str, Any]:
    # Another body's dossier under this body's URL.
    return {"code": w.body.code, "pk": _other_body_document(w).dossier_id}


def _doc(w: World) -> dict[str, Any]:
    return {"pk": _document(w).pk}


def _version(document: Document) -> dict[str, Any]:
    return {"pk": document.pk, "version": document.versions.get().pk}


def _note_kwargs(w: World) -> dict[str, Any]:
    note = _note(w)
    return {"pk": note.document_id, "note_id": note.pk}


def _folder_data(w: World) -> dict[str, Any]:
    return {"name": f"Thư mục {next(_counter)}"}


def _note_data(w: World) -> dict[str, Any]:
    return {"text": "Ghi chú (ma trận)", "page": "1"}


# Readers of the body's documents: members, deputies, observers, the Office, the dossier's
# agency (and the system administrator). Another body's member: 404, never 403.
READERS = everyone(200, outsider=404, anonymous=302)
# Readers of a dossier without a unit: the agency is not a party to it.
OFFICE_DOSSIER_READERS = everyone(200, agency=404, outsider=404, anonymous=302)
# Adding to a dossier: the Office and the dossier's agency.
ADDERS_GET = everyone(403, office=200, agency=200, admin=200, outsider=404, anonymous=302)
MEMBERS_OWN = everyone(200, anonymous=302)
ONLY_MEMBER = everyone(404, member=200, anonymous=302)
# The other body's document: its own member (the "outsider" here) reads it; nobody of ours.
OTHER_BODY = everyone(404, outsider=200, admin=200, anonymous=302)

CASES = [
    Case("documents:index", MEMBERS_OWN),
    Case("documents:search", MEMBERS_OWN),
    Case(
        "documents:search",
        MEMBERS_OWN,
        kwargs=lambda w: {},
        data=lambda w: {"q": "to trinh de an"},
        note="+query",
    ),
    Case("documents:personal", MEMBERS_OWN),
    Case("documents:personal_folder", ONLY_MEMBER, kwargs=lambda w: {"folder": _folder(w).pk}),
    Case(
        "documents:folder_create",
        everyone(302),
        method="post",
        data=_folder_data,
    ),
    Case("documents:personal_upload", MEMBERS_OWN),
    Case("documents:dossier_list", everyone(200, outsider=404, anonymous=302), kwargs=_code),
    Case(
        "documents:dossier_create",
        everyone(403, office=200, agency=200, admin=200, outsider=404, anonymous=302),
        kwargs=_code,
    ),
    Case(
        "documents:dossier_create",
        everyone(403, office=302, agency=302, admin=302, outsider=404, anonymous=302),
        kwargs=_code,
        method="post",
        data=lambda w: {"title": f"Hồ sơ {next(_counter)}"},
        note="+post",
    ),
    Case(
        "documents:settings",
        everyone(403, office=200, admin=200, outsider=404, anonymous=302),
        kwargs=_code,
    ),
    Case("documents:dossier", READERS, kwargs=_dossier_kwargs),
    Case(
        "documents:dossier", OFFICE_DOSSIER_READERS, kwargs=_office_dossier_kwargs, note="+office"
    ),
    Case(
        "documents:dossier",
        everyone(404, anonymous=302),
        kwargs=_other_dossier_kwargs,
        note="+other",
    ),
    Case("documents:upload", ADDERS_GET, kwargs=_dossier_kwargs),
    Case("documents:progress", READERS, kwargs=_dossier_kwargs),
    Case("documents:document", READERS, kwargs=_doc),
    Case(
        "documents:document",
        OTHER_BODY,
        kwargs=lambda w: {"pk": _other_body_document(w).pk},
        note="+other",
    ),
    Case(
        "documents:document",
        ONLY_MEMBER,
        kwargs=lambda w: {"pk": _personal_document(w).pk},
        note="+personal",
    ),
    Case("documents:new_version", ADDERS_GET, kwargs=_doc),
    Case("documents:file", READERS, kwargs=lambda w: _version(_document(w))),
    Case(
        "documents:file",
        ONLY_MEMBER,
        kwargs=lambda w: _version(_personal_document(w)),
        note="+personal",
    ),
    Case("documents:download", READERS, kwargs=lambda w: _version(_document(w))),
    Case(
        "documents:download",
        OTHER_BODY,
        kwargs=lambda w: _version(_other_body_document(w)),
        note="+other",
    ),
    Case("documents:notes", READERS, kwargs=_doc),
    Case(
        "documents:notes",
        everyone(201, outsider=404, anonymous=302),
        kwargs=_doc,
        method="post",
        data=_note_data,
        note="+post",
    ),
    # A note is its author's alone: everyone else gets 404, as if it did not exist.
    Case("documents:note", ONLY_MEMBER | {"member": 204}, kwargs=_note_kwargs, method="delete"),
]
