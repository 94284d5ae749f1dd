from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import Client, RequestFactory

from ecabinet.core.errors import DomainError
from ecabinet.core.middleware import DomainErrorMiddleware
from ecabinet.core.testing.auth import login_as
from ecabinet.core.testing.personas import World
from ecabinet.core.views import forbidden, server_error


def test_unknown_url_shows_the_404_page_in_the_layout(world: World, client: Client) -> None:
    login_as(client, world.user("member"))
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Không tìm thấy trang" in html
    assert 'class="site-header"' in html


def test_403_page(world: World) -> None:
    request = RequestFactory().get("/x/")
    request.user = world.user("member")
    response = forbidden(request)
    assert response.status_code == 403
    assert "Bạn không có quyền truy cập trang này" in response.content.decode()


def test_csrf_failure_explains_and_offers_a_reload(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    login_as(client, world.user("member"))
    response = client.post(
        "/thong-bao/da-doc-tat-ca/", headers={"referer": "http://testserver/thong-bao/?trang=2"}
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "Phiên làm việc hoặc biểu mẫu đã hết hạn, vui lòng tải lại trang và thử lại" in html
    # "Reload" goes back to the page the form was on, not to the POST-only address.
    assert 'href="http://testserver/thong-bao/?trang=2"' in html


def test_csrf_failure_without_referer_offers_home(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    login_as(client, world.user("member"))
    response = client.post(
        "/thong-bao/da-doc-tat-ca/", headers={"referer": "https://evil.example/"}
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "evil.example" not in html
    assert '<a class="btn btn-primary" href="/">' in html


def test_500_page_renders_without_database_or_context_processors() -> None:
    # No db fixture: pytest-django makes any database access raise here.
    request = RequestFactory().get("/")
    request.request_id = "abc123"
    response = server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert "Hệ thống đang gặp sự cố" in html
    assert "abc123" in html
    assert "/static/" not in html  # self-contained: nothing else to load


def _request(htmx: bool = False) -> object:
    headers = {"HX-Request": "true"} if htmx else {}
    request = RequestFactory().get("/", headers=headers)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    from django_htmx.middleware import HtmxDetails

    request.htmx = HtmxDetails(request)
    return request


def test_domain_error_becomes_a_409_page_with_its_message_once(db: None) -> None:
    request = _request()
    middleware = DomainErrorMiddleware(lambda r: None)
    response = middleware.process_exception(request, DomainError("Phiếu đã đóng."))
    assert response is not None
    assert response.status_code == 409
    assert response.content.decode().count("Phiếu đã đóng.") == 1


def test_domain_error_in_htmx_request_reloads_the_page_with_the_message(db: None) -> None:
    request = _request(htmx=True)
    middleware = DomainErrorMiddleware(lambda r: None)
    response = middleware.process_exception(request, DomainError("Phiếu đã đóng."))
    assert response is not None
    assert response.status_code == 409
    assert response["HX-Refresh"] == "true"
    assert [str(m) for m in get_messages(request)] == ["Phiếu đã đóng."]


def test_other_exceptions_are_left_alone() -> None:
    middleware = DomainErrorMiddleware(lambda r: None)
    assert middleware.process_exception(_request(), ValueError("x")) is None
