from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import resolve

from ecabinet.accounts.models import User
from ecabinet.core.navigation import Navigation, NavItem


def request_for(path: str, user: object) -> object:
    request = RequestFactory().get(path)
    request.user = user
    request.resolver_match = resolve(path)
    return request


def test_links_in_order_with_the_current_page_marked() -> None:
    nav = Navigation()
    nav.register(
        NavItem("notes", "Thông báo", "notifications:list", order=5, namespace="notifications")
    )
    nav.register(NavItem("home", "Trang chủ", "core:home", order=0))
    links = nav.links_for(request_for("/", User(username="a")))
    assert [(link.key, link.url, link.current) for link in links] == [
        ("home", "/", True),
        ("notes", "/thong-bao/", False),
    ]
    links = nav.links_for(request_for("/thong-bao/", User(username="a")))
    assert [link.current for link in links] == [False, True]


def test_unresolvable_hidden_and_anonymous() -> None:
    nav = Navigation()
    nav.register(NavItem("later", "Sau này", "ballots:list"))
    nav.register(NavItem("secret", "Bí mật", "core:home", visible=lambda user: False))
    assert nav.links_for(request_for("/", User(username="a"))) == []
    nav.register(NavItem("home", "Trang chủ", "core:home"))
    assert nav.links_for(request_for("/", AnonymousUser())) == []
