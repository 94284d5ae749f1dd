"""The personas every permission test uses (STYLE.md): one world, built once per test.

chair, office (office staff), member, substitute (a deputy holding the member's delegation),
agency (submitting agency), observer, outsider (a member of another body), admin (system
administrator), and anonymous.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ecabinet.accounts.models import User
from ecabinet.bodies.models import Body, Delegation, Membership, Role
from ecabinet.core.testing.factories import (
    BodyFactory,
    DelegationFactory,
    MembershipFactory,
    UnitFactory,
    UserFactory,
)

PERSONAS = (
    "chair",
    "office",
    "member",
    "substitute",
    "agency",
    "observer",
    "outsider",
    "admin",
    "anonymous",
)


@dataclass
class World:
    body: Body
    other_body: Body
    users: dict[str, User | None] = field(default_factory=dict)
    memberships: dict[str, Membership] = field(default_factory=dict)
    delegation: Delegation | None = None

    def user(self, persona: str) -> User | None:
        return self.users[persona]


def build_world() -> World:
    body = BodyFactory.create(
        name="Chính phủ (thử)",
        short_name="CP",
        code="chinh-phu-thu",
        kind=Body.Kind.GOVERNMENT,
        notation="CP",
    )
    other = BodyFactory.create(
        name="Ủy ban nhân dân tỉnh Khác", short_name="UBND Khác", code="ubnd-khac"
    )
    ministry = UnitFactory.create(body=body, name="Bộ Thử nghiệm")
    world = World(body=body, other_body=other)
    roles = {
        "chair": Role.CHAIR,
        "office": Role.OFFICE_STAFF,
        "member": Role.MEMBER,
        "substitute": Role.DEPUTY,
        "agency": Role.AGENCY,
        "observer": Role.OBSERVER,
    }
    for precedence, (persona, role) in enumerate(roles.items(), start=1):
        m = MembershipFactory.create(
            body=body,
            user=UserFactory.create(username=persona, full_name=f"Người thử {persona}"),
            role=role,
            precedence=precedence,
            unit=ministry if persona in {"member", "agency", "substitute"} else None,
        )
        world.memberships[persona] = m
        world.users[persona] = m.user
    outsider = MembershipFactory.create(
        body=other,
        user=UserFactory.create(username="outsider", full_name="Người ngoài"),
        role=Role.MEMBER,
    )
    world.memberships["outsider"] = outsider
    world.users["outsider"] = outsider.user
    world.users["admin"] = UserFactory.create(
        username="admin", full_name="Quản trị hệ thống", is_superuser=True, is_staff=True
    )
    world.users["anonymous"] = None
    world.delegation = DelegationFactory.create(
        principal=world.memberships["member"], substitute=world.memberships["substitute"]
    )
    return world
