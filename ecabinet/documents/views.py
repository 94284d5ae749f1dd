"""Pages of the documents app: dossiers, uploads, the reader, notes, search, personal space."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ecabinet.accounts.models import User
from ecabinet.bodies.models import Body
from ecabinet.bodies.permissions import can_manage_catalogue
from ecabinet.bodies.selectors import body_for, body_list_for
from ecabinet.core.errors import DomainError
from ecabinet.documents import permissions as perms
from ecabinet.documents import selectors, services
from ecabinet.documents.forms import (
    DossierForm,
    FolderForm,
    SearchForm,
    SettingsForm,
    UploadForm,
    VersionForm,
)
from ecabinet.documents.models import Document, DocumentSettings, DocumentVersion, Folder
from ecabinet.documents.uploads import upload_was_too_large
from ecabinet.search.services import SearchFilters, SearchQueryError, search_query

PDF_MIME = "application/pdf"
MIME = {
    "pdf": PDF_MIME,
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "png": "image/png",
    "jpeg": "image/jpeg",
}


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


# --- Index ---------------------------------------------------------------------------------


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    bodies = [b for b in body_list_for(user, status="active") if perms.can_list_dossiers(user, b)]
    return render(request, "documents/index.html", {"bodies": bodies})


# --- Dossiers ------------------------------------------------------------------------------


def _listable_body(request: HttpRequest, code: str) -> Body:
    body = body_for(request.user, code)
    if not perms.can_list_dossiers(request.user, body):
        raise PermissionDenied
    return body


@require_safe
@login_required
def dossier_list(request: HttpRequest, code: str) -> HttpResponse:
    body = _listable_body(request, code)
    page = Paginator(selectors.dossier_list_for(request.user, body), 25).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "documents/dossier_list.html",
        {
            "body": body,
            "page": page,
            "can_create": perms.can_create_dossier(request.user, body),
            "can_configure": can_manage_catalogue(request.user, body),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def dossier_create(request: HttpRequest, code: str) -> HttpResponse:
    body = _listable_body(request, code)
    user = _user(request)
    if not perms.can_create_dossier(user, body):
        raise PermissionDenied
    choose_unit = perms.can_manage_documents(user, body)
    form = DossierForm(request.POST or None, body=body, choose_unit=choose_unit)
    if request.method == "POST":
        if form.is_valid():
            try:
                dossier = services.dossier_create(
                    actor=user,
                    body=body,
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                    unit=form.cleaned_data.get("unit"),
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Đã tạo hồ sơ."))
                return redirect("documents:dossier", code=body.code, pk=dossier.pk)
        return render(
            request, "documents/dossier_form.html", {"body": body, "form": form}, status=400
        )
    return render(request, "documents/dossier_form.html", {"body": body, "form": form})


@require_safe
@login_required
def dossier_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    body = body_for(request.user, code)
    dossier = selectors.dossier_for(request.user, body, pk)
    documents = selectors.documents_of_dossier(dossier)
    show_receipts = perms.can_view_receipts(request.user, dossier)
    return render(
        request,
        "documents/dossier_detail.html",
        {
            "body": body,
            "dossier": dossier,
            "documents": documents,
            "receipts": selectors.receipts_of_dossier(dossier) if show_receipts else {},
            "show_receipts": show_receipts,
            "can_add": perms.can_add_to_dossier(request.user, dossier),
            "processing": any(_busy(d) for d in documents),
        },
    )


def _busy(document: Document) -> bool:
    latest = getattr(document, "latest", None)
    return latest is not None and latest.processing in {
        DocumentVersion.Processing.PENDING,
        DocumentVersion.Processing.RUNNING,
    }


@require_safe
@login_required
def dossier_progress(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The processing state of a dossier's documents (polled while something is running)."""
    body = body_for(request.user, code)
    dossier = selectors.dossier_for(request.user, body, pk)
    documents = selectors.documents_of_dossier(dossier)
    return render(
        request,
        "documents/_progress.html",
        {
            "body": body,
            "dossier": dossier,
            "documents": documents,
            "processing": any(_busy(d) for d in documents),
        },
    )


def _bound(request: HttpRequest) -> tuple[Any, Any]:
    """Form data for an upload form: bound on POST even when the file was refused in transit."""
    if request.method == "POST":
        return request.POST, request.FILES
    return None, None


def _read_upload(request: HttpRequest, form: Any) -> tuple[bytes, str] | None:
    """The uploaded bytes and name, or None with the form's error set."""
    if upload_was_too_large(request):
        form.is_valid()
        form.errors.pop("file", None)  # "required" is not the problem: the size is
        form.add_error(
            "file",
            _("Tệp quá lớn: hệ thống nhận tệp tối đa %(mb)s MB.")
            % {"mb": settings.ECABINET_MAX_UPLOAD_HARD_CAP_MB},
        )
        return None
    if not form.is_valid():
        return None
    upload = form.cleaned_data["file"]
    return upload.read(), upload.name or ""


def _upload_errors(form: Any, exc: DomainError) -> None:
    form.add_error("file" if "file" in form.fields else None, str(exc.message))


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def dossier_upload(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    body = body_for(request.user, code)
    dossier = selectors.dossier_for(request.user, body, pk)
    user = _user(request)
    if not perms.can_add_to_dossier(user, dossier):
        raise PermissionDenied
    form = UploadForm(*_bound(request), body=body)
    existing = None
    if request.method == "POST":
        received = _read_upload(request, form)
        if received is not None:
            data, name = received
            try:
                document = services.document_upload(
                    actor=user,
                    data=data,
                    filename=name,
                    dossier=dossier,
                    meta=_meta(form.cleaned_data),
                )
            except services.DuplicateDocument as exc:
                existing = exc.existing
                _upload_errors(form, exc)
            except DomainError as exc:
                _upload_errors(form, exc)
            else:
                messages.success(request, _("Đã tải lên «%(title)s».") % {"title": document.title})
                return redirect("documents:dossier", code=body.code, pk=dossier.pk)
        return render(
            request,
            "documents/upload.html",
            {"body": body, "dossier": dossier, "form": form, "existing": existing},
            status=400,
        )
    return render(
        request, "documents/upload.html", {"body": body, "dossier": dossier, "form": form}
    )


def _meta(data: dict[str, Any]) -> services.DocumentMeta:
    return services.DocumentMeta(
        title=data.get("title") or "",
        doc_type=data.get("doc_type"),
        number=data.get("number") or "",
        agency=data.get("agency"),
        issued_on=data.get("issued_on"),
        summary=data.get("summary") or "",
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def body_settings(request: HttpRequest, code: str) -> HttpResponse:
    body = body_for(request.user, code)
    user = _user(request)
    if not can_manage_catalogue(user, body):
        raise PermissionDenied
    row = DocumentSettings.objects.filter(body=body).first()
    allowed, max_bytes = services.upload_rules(body)
    initial = {
        "allowed_kinds": sorted(k.value for k in allowed),
        "max_upload_mb": max_bytes // (1024 * 1024),
        "version": row.version if row else 0,
    }
    form = SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.document_settings_update(
                    actor=user,
                    body=body,
                    allowed_kinds=form.cleaned_data["allowed_kinds"],
                    max_upload_mb=form.cleaned_data["max_upload_mb"],
                    version=form.cleaned_data["version"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("Đã lưu cấu hình tài liệu."))
                return redirect("documents:dossier_list", code=body.code)
        return render(request, "documents/settings.html", {"body": body, "form": form}, status=400)
    return render(request, "documents/settings.html", {"body": body, "form": form})


# --- One document --------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """What the reader include needs (documents/_viewer.html)."""

    pdf_url: str
    download_url: str
    title: str
    initial_page: int
    notes_url: str
    can_note: bool


def _viewer(document: Document, version: DocumentVersion, page: int) -> Viewer | None:
    if version.kind == "pdf" or version.view_status == DocumentVersion.ViewStatus.CONVERTED:
        kwargs = {"pk": document.pk, "version": version.pk}
        return Viewer(
            pdf_url=reverse("documents:file", kwargs=kwargs),
            download_url=reverse("documents:download", kwargs=kwargs),
            title=document.title,
            initial_page=page,
            notes_url=reverse("documents:notes", kwargs={"pk": document.pk}),
            can_note=True,
        )
    return None


def _page(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("trang", "1")))
    except ValueError:
        return 1


@require_safe
@login_required
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    document = selectors.document_for(user, pk)
    wanted = request.GET.get("phien-ban")
    if wanted:
        try:
            version = selectors.version_of(document, uuid.UUID(wanted))
        except ValueError:
            raise Http404 from None
    else:
        current = selectors.current_version(document)
        if current is None:
            raise Http404
        version = current
    refused = version.processing == DocumentVersion.Processing.REFUSED
    if not refused:
        services.document_open(actor=user, document=document, version=version)
    return render(
        request,
        "documents/document.html",
        {
            "document": document,
            "version": version,
            "versions": selectors.versions_of(document),
            "viewer": None if refused else _viewer(document, version, _page(request)),
            "refused": refused,
            "can_add_version": perms.can_add_version(user, document),
            "is_image": version.kind in {"png", "jpeg"},
        },
    )


def _file_response(data: bytes, mime: str, filename: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(data, content_type=mime)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_safe
@login_required
def document_file(request: HttpRequest, pk: int, version: uuid.UUID) -> HttpResponse:
    """The bytes the reader shows: the PDF (original or converted) or an image, inline."""
    user = _user(request)
    document = selectors.document_for(user, pk)
    row = selectors.version_of(document, version)
    if row.processing == DocumentVersion.Processing.REFUSED:
        raise Http404
    if row.view_status == DocumentVersion.ViewStatus.CONVERTED:
        data = services.version_bytes(actor=user, version=row, slot="pdf")
        return _file_response(data, PDF_MIME, f"{row.filename}.pdf", attachment=False)
    if row.kind in {"pdf", "png", "jpeg"}:
        data = services.version_bytes(actor=user, version=row)
        return _file_response(data, MIME[row.kind], row.filename, attachment=False)
    raise Http404


@require_safe
@login_required
def document_download(request: HttpRequest, pk: int, version: uuid.UUID) -> HttpResponse:
    """The original file, as uploaded; downloading counts as opening it."""
    user = _user(request)
    document = selectors.document_for(user, pk)
    row = selectors.version_of(document, version)
    if row.processing == DocumentVersion.Processing.REFUSED:
        raise Http404
    data = services.version_bytes(actor=user, version=row)
    services.document_open(actor=user, document=document, version=row)
    return _file_response(data, MIME[row.kind], row.filename, attachment=True)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def document_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    document = selectors.document_for(user, pk)
    if not perms.can_add_version(user, document):
        raise PermissionDenied
    form = VersionForm(*_bound(request))
    if request.method == "POST":
        received = _read_upload(request, form)
        if received is not None:
            data, name = received
            try:
                version = services.document_add_version(
                    actor=user, document=document, data=data, filename=name
                )
            except DomainError as exc:
                _upload_errors(form, exc)
            else:
                messages.success(request, _("Đã lưu phiên bản %(n)s.") % {"n": version.number})
                return redirect("documents:document", pk=document.pk)
        return render(
            request, "documents/version_form.html", {"document": document, "form": form}, status=400
        )
    return render(request, "documents/version_form.html", {"document": document, "form": form})


# --- Private notes (JSON, for the reader) --------------------------------------------------


def _note_json(note: Any) -> dict[str, Any]:
    return {
        "id": note.pk,
        "page": note.page,
        "text": note.text,
        "updated_at": note.updated_at.isoformat(),
    }


def _json_body(request: HttpRequest) -> dict[str, Any]:
    """The request's JSON object; a plain form post is accepted too (no-JS fallback)."""
    if request.method == "POST" and request.content_type != "application/json":
        return {key: request.POST.get(key) for key in ("text", "page")}
    try:
        payload = json.loads(request.body.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DomainError(
            _("Dữ liệu gửi lên không đúng định dạng JSON."), code="bad_json"
        ) from None
    if not isinstance(payload, dict):
        raise DomainError(_("Dữ liệu gửi lên không đúng định dạng JSON."), code="bad_json")
    return payload


def _error(exc: DomainError, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": str(exc.message)}, status=status)


def _parse_page(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise DomainError(_("Số trang không hợp lệ."), code="page")
    try:
        return int(value)
    except ValueError:
        raise DomainError(_("Số trang không hợp lệ."), code="page") from None


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def notes(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    document = selectors.document_for(user, pk)
    if request.method == "POST":
        try:
            payload = _json_body(request)
            text = payload.get("text")
            if not isinstance(text, str):
                raise DomainError(_("Ghi chú không được để trống."), code="empty")
            note = services.note_create(
                actor=user, document=document, text=text, page=_parse_page(payload.get("page"))
            )
        except DomainError as exc:
            return _error(exc)
        return JsonResponse({"note": _note_json(note)}, status=201)
    rows = [_note_json(n) for n in selectors.notes_for(user, document)]
    response = JsonResponse({"notes": rows})
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["PATCH", "DELETE"])
@login_required
def note_detail(request: HttpRequest, pk: int, note_id: int) -> HttpResponse:
    user = _user(request)
    document = selectors.document_for(user, pk)
    note = selectors.notes_for(user, document).filter(pk=note_id).first()
    if note is None:
        raise Http404
    if request.method == "DELETE":
        services.note_delete(actor=user, note=note)
        return HttpResponse(status=204)
    try:
        payload = _json_body(request)
        text = payload.get("text")
        if not isinstance(text, str):
            raise DomainError(_("Ghi chú không được để trống."), code="empty")
        note = services.note_update(actor=user, note=note, text=text)
    except DomainError as exc:
        return _error(exc)
    return JsonResponse({"note": _note_json(note)})


# --- Search --------------------------------------------------------------------------------


@require_safe
@login_required
def search(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    scope = selectors.search_scope_for(user)
    form = SearchForm(request.GET or None, body_ids=set(scope.body_ids))
    results = None
    error = ""
    page_number = _page_number(request)
    per_page = 20
    if request.GET and form.is_valid() and form.cleaned_data["q"].strip():
        data = form.cleaned_data
        filters = SearchFilters(
            doc_type_id=data["doc_type"].pk if data["doc_type"] else None,
            agency_id=data["agency"].pk if data["agency"] else None,
            date_from=data["date_from"],
            date_to=data["date_to"],
            meeting_ref=data["meeting"] or None,
            ballot_ref=data["ballot"] or None,
        )
        try:
            results = search_query(
                data["q"],
                scope=scope,
                filters=filters,
                limit=per_page,
                offset=(page_number - 1) * per_page,
            )
        except SearchQueryError as exc:
            error = str(exc.message)
    status = 400 if (request.GET and not form.is_valid()) or error else 200
    return render(
        request,
        "documents/search.html",
        {
            "form": form,
            "results": results,
            "hits": _hits_with_links(results.hits) if results else [],
            "error": error,
            "page_number": page_number,
            "has_next": bool(results and results.total > page_number * per_page),
            "query_string": _query_without_page(request),
        },
        status=status,
    )


def _page_number(request: HttpRequest) -> int:
    try:
        return min(max(1, int(request.GET.get("trang", "1"))), 500)
    except ValueError:
        return 1


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("trang", None)
    return params.urlencode()


def _hits_with_links(hits: list[Any]) -> list[dict[str, Any]]:
    ids = [int(h.ref.split(":", 1)[1]) for h in hits if h.ref.startswith("document:")]
    documents = {
        d.pk: d
        for d in Document.objects.filter(pk__in=ids).select_related("dossier", "doc_type", "agency")
    }
    rows = []
    for hit in hits:
        kind, _sep, raw = hit.ref.partition(":")
        document = documents.get(int(raw)) if kind == "document" and raw.isdigit() else None
        rows.append(
            {
                "hit": hit,
                "document": document,
                "url": reverse("documents:document", kwargs={"pk": document.pk})
                if document
                else "",
            }
        )
    return rows


# --- Personal space ------------------------------------------------------------------------


@require_safe
@login_required
def personal(request: HttpRequest, folder: int | None = None) -> HttpResponse:
    user = _user(request)
    current = selectors.folder_for(user, folder) if folder is not None else None
    return render(
        request,
        "documents/personal.html",
        {
            "folder": current,
            "path": selectors.folder_path(current),
            "folders": selectors.folders_of(user, current),
            "documents": selectors.personal_documents(user, current),
            "folder_form": FolderForm(),
        },
    )


@require_POST
@login_required
def folder_create(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    parent = _parent_folder(request, user)
    form = FolderForm(request.POST)
    if form.is_valid():
        try:
            services.folder_create(actor=user, name=form.cleaned_data["name"], parent=parent)
        except DomainError as exc:
            messages.error(request, str(exc.message))
        else:
            messages.success(request, _("Đã tạo thư mục."))
    else:
        messages.error(request, _("Thư mục cần có tên."))
    return _to_folder(parent)


def _parent_folder(request: HttpRequest, user: User) -> Folder | None:
    raw = request.POST.get("parent") or request.GET.get("thu-muc") or ""
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return selectors.folder_for(user, int(raw))


def _to_folder(folder: Folder | None) -> HttpResponse:
    if folder is None:
        return redirect("documents:personal")
    return redirect("documents:personal_folder", folder=folder.pk)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def personal_upload(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    folder = _parent_folder(request, user)
    form = UploadForm(*_bound(request), body=None)
    existing = None
    if request.method == "POST":
        received = _read_upload(request, form)
        if received is not None:
            data, name = received
            try:
                services.document_upload(
                    actor=user,
                    data=data,
                    filename=name,
                    folder=folder,
                    meta=_meta(form.cleaned_data),
                )
            except services.DuplicateDocument as exc:
                existing = exc.existing
                _upload_errors(form, exc)
            except DomainError as exc:
                _upload_errors(form, exc)
            else:
                messages.success(request, _("Đã tải lên."))
                return _to_folder(folder)
        return render(
            request,
            "documents/upload.html",
            {"folder": folder, "form": form, "existing": existing, "personal": True},
            status=400,
        )
    return render(
        request, "documents/upload.html", {"folder": folder, "form": form, "personal": True}
    )
