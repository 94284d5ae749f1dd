import signal
from collections.abc import Iterator

import pytest
from django.core import mail
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from ecabinet.core.testing.factories import UserFactory
from ecabinet.notifications.models import Notification
from ecabinet.notifications.services import notification_send
from ecabinet.notifications.tasks import send_notification_email


def _notification(**user_fields: object) -> Notification:
    user = UserFactory(full_name="Trần Thị Mẫu", **user_fields)
    return Notification.objects.create(
        user=user,
        kind="info",
        title="Phiếu lấy ý kiến số 12",
        text="Hạn trả lời: 17:00.",
        url="/p/12/",
    )


def test_sends_once_and_records_when(db: None, settings) -> None:
    settings.ECABINET_BASE_URL = "https://ecabinet.example.gov.vn"
    notification = _notification(email="mau@example.test")
    assert send_notification_email.call(notification.pk) == "sent"
    [message] = mail.outbox
    assert message.to == ["mau@example.test"]
    assert message.subject == "[eCabinet] Phiếu lấy ý kiến số 12"
    assert "Kính gửi Trần Thị Mẫu," in message.body
    assert "Hạn trả lời: 17:00." in message.body
    assert "https://ecabinet.example.gov.vn/p/12/" in message.body
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    # A retried or duplicated task never sends it again.
    assert send_notification_email.call(notification.pk) == "already-sent"
    assert len(mail.outbox) == 1


def test_link_left_out_when_the_site_address_is_unknown(db: None, settings) -> None:
    settings.ECABINET_BASE_URL = ""
    notification = _notification(email="mau@example.test")
    send_notification_email.call(notification.pk)
    assert "/p/12/" not in mail.outbox[0].body


def test_deleted_notification_is_tolerated(db: None) -> None:
    notification = _notification(email="mau@example.test")
    notification_id = notification.pk
    notification.delete()
    assert send_notification_email.call(notification_id) == "missing"
    assert mail.outbox == []


def test_user_without_address_gets_no_mail(db: None) -> None:
    notification = _notification(email="")
    assert send_notification_email.call(notification.pk) == "no-address"
    notification.refresh_from_db()
    assert notification.emailed_at is None


def test_failed_send_releases_the_claim_for_a_retry(db: None, monkeypatch) -> None:
    notification = _notification(email="mau@example.test")

    def refuse(*args: object, **kwargs: object) -> int:
        raise OSError("SMTP server unreachable")

    monkeypatch.setattr("ecabinet.notifications.tasks.send_mail", refuse)
    with pytest.raises(OSError, match="unreachable"):
        send_notification_email.call(notification.pk)
    notification.refresh_from_db()
    assert notification.emailed_at is None
    monkeypatch.undo()
    assert send_notification_email.call(notification.pk) == "sent"


@pytest.fixture
def keep_signal_handlers() -> Iterator[None]:
    # db_worker installs its own SIGINT/SIGTERM handlers; give pytest its own back.
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.mark.usefixtures("keep_signal_handlers")
def test_enqueued_on_commit_and_run_by_the_database_worker(transactional_db: None) -> None:
    user = UserFactory(email="bo.truong@example.test")
    notification = notification_send(user=user, title="Giấy mời họp phiên thường kỳ")
    task = DBTaskResult.objects.get(task_path__endswith="send_notification_email")
    assert task.status == "READY"
    call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert task.return_value == "sent"
    [message] = mail.outbox
    assert message.to == ["bo.truong@example.test"]
    notification.refresh_from_db()
    assert notification.emailed_at is not None
