from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoAssertNumQueries

from ecabinet.accounts.models import User
from ecabinet.bodies.models import Title
from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.factories import MembershipFactory, UserFactory
from ecabinet.core.testing.personas import World
from ecabinet.core.waiting import WaitingItem, registry


def test_home_greets_and_lists_the_users_bodies_with_role_title_and_unit(
    world: World, client: Client
) -> None:
    membership = world.memberships["member"]
    membership.title = Title.objects.create(body=world.body, name="Bộ trưởng")
    membership.save()
    login_as(client, world.user("member"))
    html = client.get("/").content.decode()
    assert "Xin chào, Người thử member" in html
    assert "Chính phủ (thử)" in html
    assert "Thành viên" in html  # role
    assert "Bộ trưởng" in html  # title
    assert "Bộ Thử nghiệm" in html  # unit
    assert "Ủy ban nhân dân tỉnh Khác" not in html  # not a member there


def test_waiting_sections_show_their_empty_states(world: World, client: Client) -> None:
    login_as(client, world.user("chair"))
    html = client.get("/").content.decode()
    assert "Việc chờ tôi xử lý" in html
    for title in ("Phiếu lấy ý kiến", "Cuộc họp", "Văn bản chờ ký"):
        assert title in html
    assert "Không có văn bản nào đang chờ bạn ký." in html


@pytest.fixture
def ballot_provider() -> Iterator[None]:
    def provider(user: User) -> list[WaitingItem]:
        return [
            WaitingItem(
                f"Phiếu cho {user.username}",
                "/phieu/1/",
                body_name="CP",
                due_at=timezone.now() - timedelta(hours=2),
            )
        ]

    registry.register("ballots", provider)
    yield
    registry.unregister("ballots", provider)


@pytest.mark.usefixtures("ballot_provider")
def test_registered_provider_fills_its_section_and_flags_overdue(
    world: World, client: Client
) -> None:
    login_as(client, world.user("member"))
    html = client.get("/").content.decode()
    assert "Phiếu cho member" in html
    assert 'href="/phieu/1/"' in html
    assert 'class="overdue"' in html
    assert "Quá hạn" in html
    assert "Không có phiếu lấy ý kiến nào" not in html


def test_user_without_bodies_is_told_whom_to_ask(db: None, client: Client) -> None:
    login_as(client, UserFactory())
    assert "Bạn chưa là thành viên của cơ quan nào" in client.get("/").content.decode()


def test_home_queries_do_not_grow_with_bodies(
    world: World, client: Client, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    member = world.user("member")
    login_as(client, member)
    client.get("/")  # warm up caches (content types, etc.)
    with django_assert_max_num_queries(8) as one_body:
        client.get("/")
    for _ in range(4):
        MembershipFactory(user=member)
    with django_assert_max_num_queries(len(one_body.captured_queries)):
        assert client.get("/").status_code == 200


def test_anonymous_is_sent_to_login(db: None, client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/tai-khoan/dang-nhap/")
