from django.test import Client

from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.personas import World
from ecabinet.notifications.models import Notification


def _note(user: object, title: str, url: str = "") -> Notification:
    return Notification.objects.create(user=user, kind="info", title=title, url=url)


def test_list_shows_only_the_users_own_notifications(world: World, client: Client) -> None:
    _note(world.user("member"), "Phiếu của thành viên")
    _note(world.user("chair"), "Phiếu của chủ tọa")
    login_as(client, world.user("member"))
    html = client.get("/thong-bao/").content.decode()
    assert "Phiếu của thành viên" in html
    assert "Phiếu của chủ tọa" not in html


def test_unread_filter_and_empty_state(world: World, client: Client) -> None:
    member = world.user("member")
    read = _note(member, "Đã đọc rồi")
    read.read_at = read.created_at
    read.save()
    login_as(client, member)
    html = client.get("/thong-bao/?loc=chua-doc").content.decode()
    assert "Đã đọc rồi" not in html
    assert "Bạn không có thông báo chưa đọc." in html


def test_header_badge_shows_the_unread_count(world: World, client: Client) -> None:
    member = world.user("member")
    for title in ("Một", "Hai", "Ba"):
        _note(member, title)
    login_as(client, member)
    html = client.get("/").content.decode()
    assert "<span data-unread-count>3</span>" in html
    assert 'data-ws-path="/ws/thong-bao/"' in html


def test_mark_own_notification_read(world: World, client: Client) -> None:
    note = _note(world.user("member"), "Phiếu")
    login_as(client, world.user("member"))
    response = client.post(f"/thong-bao/{note.pk}/da-doc/", {"next": "/thong-bao/?trang=2"})
    assert response.status_code == 302
    assert response["Location"] == "/thong-bao/?trang=2"
    note.refresh_from_db()
    assert note.read_at is not None


def test_someone_elses_notification_is_404_and_stays_unread(world: World, client: Client) -> None:
    note = _note(world.user("chair"), "Riêng của chủ tọa")
    login_as(client, world.user("member"))
    assert client.post(f"/thong-bao/{note.pk}/da-doc/").status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_open_marks_read_and_goes_to_the_page(world: World, client: Client) -> None:
    note = _note(world.user("member"), "Phiếu", url="/co-quan/")
    login_as(client, world.user("member"))
    response = client.post(f"/thong-bao/{note.pk}/da-doc/", {"open": "1"})
    assert response["Location"] == "/co-quan/"


def test_open_never_leaves_the_site(world: World, client: Client) -> None:
    # Written around the service's check, as a migration or a bug could.
    note = _note(world.user("member"), "Lạ", url="https://evil.example/")
    login_as(client, world.user("member"))
    response = client.post(
        f"/thong-bao/{note.pk}/da-doc/", {"open": "1", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/thong-bao/"


def test_mark_all_read_says_so(world: World, client: Client) -> None:
    member = world.user("member")
    _note(member, "Một")
    _note(member, "Hai")
    login_as(client, member)
    response = client.post("/thong-bao/da-doc-tat-ca/", follow=True)
    assert "Đã đánh dấu tất cả thông báo là đã đọc." in response.content.decode()
    assert not Notification.objects.filter(user=member, read_at__isnull=True).exists()


def test_actions_refuse_get(world: World, client: Client) -> None:
    note = _note(world.user("member"), "Phiếu")
    login_as(client, world.user("member"))
    assert client.get(f"/thong-bao/{note.pk}/da-doc/").status_code == 405
    assert client.get("/thong-bao/da-doc-tat-ca/").status_code == 405
    note.refresh_from_db()
    assert note.read_at is None


def test_list_paginates(world: World, client: Client) -> None:
    member = world.user("member")
    Notification.objects.bulk_create(
        Notification(user=member, kind="info", title=f"Thông báo {i}") for i in range(30)
    )
    login_as(client, member)
    html = client.get("/thong-bao/?trang=2").content.decode()
    assert "Trang 2 / 2" in html
    assert html.count('class="unread"') == 5
