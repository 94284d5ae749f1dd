"""factory_boy factories for the foundation's models."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from ecabinet.accounts.models import User
from ecabinet.bodies.models import Body, Delegation, Membership, Role, Unit

DEFAULT_PASSWORD = "Mat-khau-thu-2026"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"nguoidung{n}")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thử {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.test")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save()


class BodyFactory(factory.django.DjangoModelFactory[Body]):
    class Meta:
        model = Body

    name = factory.Sequence(lambda n: f"Ủy ban nhân dân tỉnh Thử {n}")
    short_name = factory.Sequence(lambda n: f"UBND T{n}")
    code = factory.Sequence(lambda n: f"co-quan-{n}")
    kind = Body.Kind.PROVINCE
    notation = factory.Sequence(lambda n: f"UBT{n}")


class UnitFactory(factory.django.DjangoModelFactory[Unit]):
    class Meta:
        model = Unit

    body = factory.SubFactory(BodyFactory)
    name = factory.Sequence(lambda n: f"Sở Thử nghiệm {n}")
    kind = Unit.Kind.AGENCY


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    body = factory.SubFactory(BodyFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER
    precedence = factory.Sequence(lambda n: n + 10)


class DelegationFactory(factory.django.DjangoModelFactory[Delegation]):
    class Meta:
        model = Delegation

    body = factory.LazyAttribute(lambda d: d.principal.body)
    principal = factory.SubFactory(MembershipFactory)
    substitute = factory.SubFactory(
        MembershipFactory, body=factory.SelfAttribute("..principal.body"), role=Role.DEPUTY
    )
    starts_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    can_attend = True
    can_speak = True
    can_vote = True
    can_give_opinions = True
    created_by = factory.LazyAttribute(lambda d: d.principal.user)
