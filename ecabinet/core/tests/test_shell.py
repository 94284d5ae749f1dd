from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from pytest_django import DjangoAssertNumQueries

from ecabinet.core.context_processors import shell
from ecabinet.core.testing.factories import MembershipFactory
from ecabinet.core.testing.personas import World


def request_as(user: object) -> object:
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_memberships_take_one_query_per_request(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    request = request_as(world.user("member"))
    with django_assert_num_queries(1):
        first = shell(request)["shell"]
        assert [m.body for m in first.memberships] == [world.body]
        assert first.memberships[0].unit.name == "Bộ Thử nghiệm"
        # A second render of the same request (an include, a fragment) reuses it.
        again = shell(request)["shell"]
        assert again.memberships is first.memberships
        assert again.current_body == world.body


def test_nothing_is_queried_until_used_and_anonymous_costs_nothing(
    world: World, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(0):
        context = shell(request_as(world.user("member")))
        anonymous = shell(request_as(AnonymousUser()))["shell"]
        assert anonymous.memberships == []
        assert anonymous.current_body is None
    assert context["ECABINET_SHAPE"] in {"embedded", "scale"}


def test_current_body_is_the_views_choice_else_the_only_body(world: World) -> None:
    member = world.user("member")
    MembershipFactory(user=member, body=world.other_body)
    request = request_as(member)
    assert shell(request)["shell"].current_body is None
    chosen = request_as(member)
    chosen.current_body = world.other_body
    assert shell(chosen)["shell"].current_body == world.other_body
