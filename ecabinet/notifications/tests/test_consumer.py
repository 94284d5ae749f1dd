"""The live badge: /ws/thong-bao/ through the real ASGI application (origin, session auth)."""

from typing import Any

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.conf import settings
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecabinet.bodies.models import Role
from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.factories import MembershipFactory, UserFactory
from ecabinet.notifications.models import Notification
from ecabinet.notifications.services import notification_send
from ecabinet.notifications.tests.websocket import WebsocketClient

ORIGIN = (b"origin", b"http://localhost")


def _communicator(cookie: str = "") -> WebsocketClient:
    from ecabinet.asgi import application

    headers = [ORIGIN]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketClient(application, "/ws/thong-bao/", headers)


def _session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def test_anonymous_is_refused(transactional_db: None) -> None:
    async def scenario() -> tuple[bool, int | None]:
        communicator = _communicator()
        connected, code = await communicator.connect()
        await communicator.disconnect()
        return connected, code

    assert async_to_sync(scenario)() == (False, 4401)


def test_foreign_origin_is_refused(transactional_db: None) -> None:
    from ecabinet.asgi import application

    cookie = _session_cookie(UserFactory())

    async def scenario() -> bool:
        communicator = WebsocketClient(
            application,
            "/ws/thong-bao/",
            [(b"origin", b"https://evil.example"), (b"cookie", cookie.encode())],
        )
        connected, _code = await communicator.connect()
        await communicator.disconnect()
        return connected

    assert async_to_sync(scenario)() is False


def test_authenticated_user_gets_the_count_then_a_push_after_a_new_notification(
    transactional_db: None,
) -> None:
    user = UserFactory()
    Notification.objects.create(user=user, kind="info", title="Cũ, chưa đọc")
    Notification.objects.create(user=UserFactory(), kind="info", title="Của người khác")
    cookie = _session_cookie(user)

    async def scenario() -> list[dict[str, Any]]:
        communicator = _communicator(cookie)
        connected, _code = await communicator.connect()
        assert connected
        received = [await communicator.receive_json_from(timeout=5)]
        # Commits in a worker thread; the on-commit push reaches this socket.
        await database_sync_to_async(notification_send)(user=user, title="Giấy mời họp")
        received.append(await communicator.receive_json_from(timeout=5))
        await communicator.disconnect()
        return received

    assert async_to_sync(scenario)() == [
        {"type": "notification.count", "unread": 1},
        {"type": "notification.count", "unread": 2},
    ]


def test_messages_from_the_client_are_ignored(transactional_db: None) -> None:
    cookie = _session_cookie(UserFactory())

    async def scenario() -> bool:
        communicator = _communicator(cookie)
        await communicator.connect()
        await communicator.receive_json_from(timeout=5)
        await communicator.send_json_to({"type": "notification.count", "unread": 99})
        nothing = await communicator.receive_nothing(timeout=0.2)
        await communicator.disconnect()
        return nothing

    assert async_to_sync(scenario)() is True


def test_password_only_session_of_a_signing_role_is_refused(transactional_db: None) -> None:
    # A member must pass TOTP; with only the password step done the socket stays closed.
    member = MembershipFactory(role=Role.MEMBER).user
    TOTPDevice.objects.create(user=member, name="phone", confirmed=True)
    cookie = _session_cookie(member)

    async def scenario() -> tuple[bool, int | None]:
        communicator = _communicator(cookie)
        connected, code = await communicator.connect()
        await communicator.disconnect()
        return connected, code

    assert async_to_sync(scenario)() == (False, 4401)


def test_signing_role_with_verified_second_factor_is_accepted(transactional_db: None) -> None:
    member = MembershipFactory(role=Role.MEMBER).user
    client = login_as(Client(), member)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    async def scenario() -> bool:
        communicator = _communicator(cookie)
        connected, _code = await communicator.connect()
        await communicator.disconnect()
        return connected

    assert async_to_sync(scenario)() is True
