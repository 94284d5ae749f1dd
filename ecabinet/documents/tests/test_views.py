"""The documents pages through the test client: uploads, reader, notes, search, errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ecabinet.audit.models import AuditEvent
from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.personas import World
from ecabinet.documents.models import (
    Document,
    DocumentVersion,
    Dossier,
    Folder,
    PrivateNote,
    ReadReceipt,
)
from ecabinet.documents.tasks import process_version
from ecabinet.documents.tests.conftest import TEXT, stored_files
from ecabinet.documents.tests.files import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


def _login(client: Client, world: World, persona: str) -> None:
    login_as(client, world.user(persona))


def _upload_url(dossier: Dossier) -> str:
    return reverse("documents:upload", kwargs={"code": dossier.body.code, "pk": dossier.pk})


def _post_file(client: Client, url: str, data: bytes, name: str, **fields: str) -> tuple[int, str]:
    response = client.post(url, {"file": SimpleUploadedFile(name, data), **fields})
    return response.status_code, response.content.decode()


def test_office_uploads_and_the_dossier_shows_it(
    client: Client, world: World, dossier: Dossier
) -> None:
    _login(client, world, "office")
    status, _html = _post_file(
        client,
        _upload_url(dossier),
        pdf_bytes(TEXT),
        "to-trinh.pdf",
        title="Tờ trình đề án",
        number="125/TTr-BTN",
        summary="Về việc điều chỉnh quy hoạch",
    )
    assert status == 302
    document = Document.objects.get()
    assert (document.title, document.number) == ("Tờ trình đề án", "125/TTr-BTN")
    page = client.get(
        reverse("documents:dossier", kwargs={"code": dossier.body.code, "pk": dossier.pk})
    ).content.decode()
    assert "Tờ trình đề án" in page
    assert "Ai đã nhận, ai đã mở" in page
    assert "6 người nhận, 0 đã mở" in page
    # While processing is pending the list polls for progress.
    assert 'hx-trigger="every 2s"' in page


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "trong.pdf", "rỗng"),
        (png_bytes(), "gia.pdf", "nội dung lại là tệp"),
    ],
    ids=["empty", "spoofed"],
)
def test_bad_upload_is_a_clear_400_and_keeps_nothing(
    client: Client, world: World, dossier: Dossier, data: bytes, name: str, message: str
) -> None:
    _login(client, world, "office")
    status, html = _post_file(client, _upload_url(dossier), data, name)
    assert status == 400
    assert message in html.lower()
    assert not Document.objects.exists()
    assert not stored_files()


def test_upload_over_the_hard_cap_is_refused_without_reading_it_all(
    client: Client, world: World, dossier: Dossier, settings: object
) -> None:
    settings.ECABINET_MAX_UPLOAD_HARD_CAP_MB = 1  # type: ignore[attr-defined]
    _login(client, world, "office")
    status, html = _post_file(
        client, _upload_url(dossier), b"%PDF-" + b"0" * (1100 * 1024), "a.pdf"
    )
    assert status == 400
    assert "Tệp quá lớn" in html
    assert not Document.objects.exists()


def test_duplicate_upload_links_the_existing_document(
    client: Client, world: World, upload: Callable[..., Document], dossier: Dossier
) -> None:
    existing = upload()
    _login(client, world, "office")
    status, html = _post_file(client, _upload_url(dossier), pdf_bytes(TEXT), "lai.pdf")
    assert status == 400
    assert reverse("documents:document", kwargs={"pk": existing.pk}) in html
    assert Document.objects.count() == 1


def test_classified_upload_explains_the_classified_channel(
    client: Client, world: World, dossier: Dossier
) -> None:
    _login(client, world, "office")
    status, html = _post_file(
        client, _upload_url(dossier), pdf_bytes("TUYỆT MẬT", "Nội dung"), "m.pdf"
    )
    assert status == 400
    assert "kênh dành cho tài liệu mật" in html
    assert not Document.objects.exists()


def test_reader_page_records_the_opening_and_serves_the_pdf(
    client: Client, world: World, upload: Callable[..., Document]
) -> None:
    document = upload()
    version = document.versions.get()
    _login(client, world, "member")
    page = client.get(reverse("documents:document", kwargs={"pk": document.pk}))
    assert page.status_code == 200
    receipt = ReadReceipt.objects.get(document=document, user=world.user("member"))
    assert receipt.open_count == 1
    kwargs = {"pk": document.pk, "version": version.pk}
    pdf = client.get(reverse("documents:file", kwargs=kwargs))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Cache-Control"] == "private, no-store"
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content]) == pdf_bytes(TEXT)
    download = client.get(reverse("documents:download", kwargs=kwargs))
    assert download["Content-Disposition"].startswith("attachment;")
    receipt.refresh_from_db()
    assert receipt.open_count == 2


def test_older_versions_stay_readable(
    client: Client, world: World, upload: Callable[..., Document]
) -> None:
    document = upload()
    _login(client, world, "office")
    url = reverse("documents:new_version", kwargs={"pk": document.pk})
    status, _html = _post_file(client, url, pdf_bytes("Bản thứ hai"), "v2.pdf")
    assert status == 302
    first = document.versions.get(number=1)
    page = client.get(
        reverse("documents:document", kwargs={"pk": document.pk}) + f"?phien-ban={first.pk}"
    )
    assert page.status_code == 200
    assert "Phiên bản 2" in page.content.decode()
    bad = client.get(
        reverse("documents:document", kwargs={"pk": document.pk}) + "?phien-ban=khong-phai"
    )
    assert bad.status_code == 404


def test_a_tampered_file_answers_a_clear_error_not_a_500(
    client: Client, world: World, upload: Callable[..., Document]
) -> None:
    document = upload()
    version = document.versions.get()
    (path,) = stored_files()
    path.write_bytes(path.read_bytes()[:-1] + b"\x00")
    _login(client, world, "member")
    response = client.get(
        reverse("documents:file", kwargs={"pk": document.pk, "version": version.pk})
    )
    assert response.status_code == 409
    assert "Không giải mã được" in response.content.decode()
    assert AuditEvent.objects.filter(verb="documents.decrypt_failed").exists()


def test_notes_api_is_private_and_validates(
    client: Client, world: World, upload: Callable[..., Document]
) -> None:
    document = upload()
    url = reverse("documents:notes", kwargs={"pk": document.pk})
    _login(client, world, "member")
    created = client.post(
        url, json.dumps({"page": 1, "text": "Cần hỏi lại"}), content_type="application/json"
    )
    assert created.status_code == 201
    note = created.json()["note"]
    assert note["page"] == 1
    for payload in ("{", "[]", json.dumps({"text": ""}), json.dumps({"text": "x", "page": "abc"})):
        bad = client.post(url, payload, content_type="application/json")
        assert bad.status_code == 400
        assert bad.json()["error"]
    detail = reverse("documents:note", kwargs={"pk": document.pk, "note_id": note["id"]})
    patched = client.patch(detail, json.dumps({"text": "Đã hỏi"}), content_type="application/json")
    assert patched.json()["note"]["text"] == "Đã hỏi"
    # The chair reads the same document but sees none of the member's notes.
    _login(client, world, "chair")
    assert client.get(url).json() == {"notes": []}
    assert (
        client.patch(detail, json.dumps({"text": "x"}), content_type="application/json").status_code
        == 404
    )
    _login(client, world, "member")
    assert client.delete(detail).status_code == 204
    assert not PrivateNote.objects.exists()


def test_search_finds_unaccented_with_highlight_and_respects_scope(
    client: Client, world: World, upload: Callable[..., Document]
) -> None:
    document = upload()
    process_version.call(str(document.versions.get().pk))
    _login(client, world, "member")
    page = client.get(reverse("documents:search"), {"q": "dieu chinh quy hoach"})
    html = page.content.decode()
    assert page.status_code == 200
    assert reverse("documents:document", kwargs={"pk": document.pk}) in html
    assert "<mark>" in html
    assert "điều chỉnh" in html
    _login(client, world, "outsider")
    html = client.get(reverse("documents:search"), {"q": "dieu chinh"}).content.decode()
    assert reverse("documents:document", kwargs={"pk": document.pk}) not in html
    assert "0 kết quả" in html


@pytest.mark.parametrize("query", ['"(dieu* OR chinh) NEAR ^:-', "x" * 10_000])
def test_hostile_search_strings_get_a_page_not_a_500(
    client: Client, world: World, query: str
) -> None:
    _login(client, world, "member")
    response = client.get(reverse("documents:search"), {"q": query})
    assert response.status_code in {200, 400}
    if response.status_code == 400:
        assert 'role="alert"' in response.content.decode()


def test_processing_without_converter_says_download_only(
    client: Client, world: World, upload: Callable[..., Document], monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecabinet.documents import tasks
    from ecabinet.documents.tests.files import docx_bytes

    monkeypatch.setattr(tasks, "conversion_available", lambda: False)
    document = upload(data=docx_bytes("Báo cáo điều chỉnh"), filename="bao-cao.docx")
    version = document.versions.get()
    assert process_version.call(str(version.pk)) == "done"
    version.refresh_from_db()
    assert version.view_status == DocumentVersion.ViewStatus.UNAVAILABLE
    assert version.text_status == DocumentVersion.TextStatus.INDEXED
    _login(client, world, "member")
    html = client.get(reverse("documents:document", kwargs={"pk": document.pk})).content.decode()
    assert "LibreOffice" in html
    assert reverse("documents:download", kwargs={"pk": document.pk, "version": version.pk}) in html


def test_personal_space_pages(client: Client, world: World) -> None:
    _login(client, world, "member")
    response = client.post(reverse("documents:folder_create"), {"name": "Họp tháng 11"})
    assert response.status_code == 302
    folder_id = str(Folder.objects.get(owner=world.user("member")).pk)
    folder_url = reverse("documents:personal_folder", kwargs={"folder": folder_id})
    assert "Họp tháng 11" in client.get(response["Location"]).content.decode()
    upload_url = reverse("documents:personal_upload") + f"?thu-muc={folder_id}"
    response = client.post(
        upload_url,
        {
            "file": SimpleUploadedFile("ghi-chep.pdf", pdf_bytes("Ghi chép riêng")),
            "parent": folder_id,
        },
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.folder_id == int(folder_id)
    assert document.owner == world.user("member")
    _login(client, world, "chair")
    assert client.get(folder_url).status_code == 404
    assert client.get(reverse("documents:document", kwargs={"pk": document.pk})).status_code == 404


def test_progress_fragment_stops_polling_when_done(
    client: Client, world: World, upload: Callable[..., Document], dossier: Dossier
) -> None:
    document = upload()
    process_version.call(str(document.versions.get().pk))
    _login(client, world, "office")
    html = client.get(
        reverse("documents:progress", kwargs={"code": dossier.body.code, "pk": dossier.pk})
    ).content.decode()
    assert "hx-trigger" not in html
    assert "Tìm được nội dung" in html


def test_memory_upload_handler_keeps_no_temporary_file(settings: object) -> None:
    from ecabinet.documents.uploads import CappedMemoryUploadHandler

    handler = CappedMemoryUploadHandler(None, cap=10)
    handler.new_file("file", "a.pdf", "application/pdf", 5)
    assert handler.receive_data_chunk(b"12345", 0) is None
    uploaded = handler.file_complete(5)
    assert isinstance(uploaded.file, BytesIO)
    assert uploaded.read() == b"12345"
