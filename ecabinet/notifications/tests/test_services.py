import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from ecabinet.core.testing.factories import UserFactory
from ecabinet.core.testing.personas import World
from ecabinet.notifications.consumers import user_group
from ecabinet.notifications.models import Notification
from ecabinet.notifications.services import (
    notification_mark_all_read,
    notification_mark_read,
    notification_send,
    notification_send_each,
)


def _listen(user_id: int) -> str:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(user_group(user_id), channel)
    return channel


def _received(channel: str) -> dict:
    return async_to_sync(get_channel_layer().receive)(channel)


def _email_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path__endswith="send_notification_email"))


def test_send_creates_the_row_and_after_commit_pushes_and_enqueues(
    world: World, django_capture_on_commit_callbacks
) -> None:
    member = world.user("member")
    channel = _listen(member.pk)
    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_send(
            user=member, title="Phiếu lấy ý kiến mới", url="/phieu/1/", body=world.body
        )
        # Nothing leaves before the transaction commits.
        assert _email_tasks() == []
    assert notification.read_at is None
    assert notification.kind == "info"
    assert _received(channel) == {"type": "notification.count", "unread": 1}
    [task] = _email_tasks()
    assert task.args_kwargs == {"args": [notification.pk], "kwargs": {}}


def test_rolled_back_action_notifies_no_one(
    world: World, django_capture_on_commit_callbacks
) -> None:
    member = world.user("member")

    def failing_action() -> None:
        with transaction.atomic():
            notification_send(user=member, title="Sẽ bị hủy")
            raise RuntimeError("the calling service failed")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        failing_action()
    assert callbacks == []
    assert not Notification.objects.filter(user=member).exists()


def test_no_email_when_asked_not_to_or_without_address(
    db: None, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(user=UserFactory(), title="Chỉ trong hệ thống", email=False)
        notification_send(user=UserFactory(email=""), title="Không có thư")
    assert _email_tasks() == []


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "https://example.org/", "//evil/", "/\\evil/", "/\t/evil/", "x/y"],
)
def test_links_must_stay_inside_the_site(db: None, url: str) -> None:
    with pytest.raises(ValueError, match="local path"):
        notification_send(user=UserFactory(), title="Liên kết", url=url)


def test_local_links_are_accepted(db: None) -> None:
    note = notification_send(user=UserFactory(), title="Liên kết", url="/co-quan/cp/?trang=2#a")
    assert note.url == "/co-quan/cp/?trang=2#a"


def test_title_is_required(db: None) -> None:
    with pytest.raises(ValueError, match="title"):
        notification_send(user=UserFactory(), title="   ")


def test_mark_read_keeps_the_first_time_and_pushes_the_new_count(
    world: World, django_capture_on_commit_callbacks
) -> None:
    member = world.user("member")
    first = Notification.objects.create(user=member, kind="info", title="Một")
    Notification.objects.create(user=member, kind="info", title="Hai")
    channel = _listen(member.pk)
    with django_capture_on_commit_callbacks(execute=True):
        read = notification_mark_read(user=member, notification=first)
    assert read.read_at is not None
    assert _received(channel) == {"type": "notification.count", "unread": 1}
    stamped = read.read_at
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = notification_mark_read(user=member, notification=first)
    assert again.read_at == stamped
    assert callbacks == []  # nothing changed, nothing pushed


def test_cannot_mark_someone_elses_notification(world: World) -> None:
    theirs = Notification.objects.create(user=world.user("chair"), kind="info", title="Riêng")
    with pytest.raises(PermissionError):
        notification_mark_read(user=world.user("member"), notification=theirs)
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_touches_only_the_users_unread(
    world: World, django_capture_on_commit_callbacks
) -> None:
    member, chair = world.user("member"), world.user("chair")
    for title in ("Một", "Hai"):
        Notification.objects.create(user=member, kind="info", title=title)
    Notification.objects.create(user=chair, kind="info", title="Của chủ tọa")
    channel = _listen(member.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_mark_all_read(user=member) == 2
    assert _received(channel) == {"type": "notification.count", "unread": 0}
    assert notification_mark_all_read(user=member) == 0
    assert Notification.objects.filter(user=chair, read_at__isnull=True).count() == 1


def test_send_each_notifies_every_active_user_once_in_their_language(db: None) -> None:
    from django.utils import translation
    from django.utils.translation import gettext_lazy

    vi = UserFactory.create(language="vi")
    en = UserFactory.create(language="en")
    gone = UserFactory.create(is_active=False)
    languages: list[str] = []

    def values() -> dict[str, str]:
        languages.append(translation.get_language())
        return {"title": "Đề án X"}

    notification_send_each(
        [vi, en, None, vi, gone],
        title=gettext_lazy("Phiếu lấy ý kiến chờ phê duyệt gửi: %(title)s"),
        values=values,
        text="Nội dung",
        url="/phieu-lay-y-kien/",
    )
    rows = {n.user_id: n for n in Notification.objects.all()}
    assert set(rows) == {vi.pk, en.pk}
    assert rows[vi.pk].title == "Phiếu lấy ý kiến chờ phê duyệt gửi: Đề án X"
    assert rows[en.pk].title.endswith(": Đề án X")
    assert rows[en.pk].title != rows[vi.pk].title
    assert rows[en.pk].text == "Nội dung"
    assert languages == ["vi", "en"]
