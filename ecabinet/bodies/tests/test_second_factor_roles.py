"""Which roles must log in with a second factor."""

import pytest

from ecabinet.bodies.models import Role
from ecabinet.bodies.permissions import requires_second_factor
from ecabinet.core.testing.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "required"),
    [
        (Role.CHAIR, True),
        (Role.VICE_CHAIR, True),
        (Role.MEMBER, True),
        (Role.DEPUTY, True),
        (Role.OFFICE_LEADER, True),
        (Role.OFFICE_HEAD, True),
        (Role.RECORDS_CLERK, True),
        (Role.SECURITY, True),
        (Role.BODY_ADMIN, True),
        (Role.OFFICE_STAFF, False),
        (Role.AGENCY, False),
        (Role.OBSERVER, False),
    ],
)
def test_roles_that_sign_or_read_the_audit_trail_need_a_second_factor(
    role: str, required: bool
) -> None:
    assert requires_second_factor(MembershipFactory.create(role=role).user) is required


def test_extra_audit_permission_makes_an_office_officer_need_a_second_factor() -> None:
    membership = MembershipFactory.create(role=Role.OFFICE_STAFF, extra_permissions=["audit.view"])
    assert requires_second_factor(membership.user) is True


def test_inactive_membership_does_not_count() -> None:
    membership = MembershipFactory.create(role=Role.MEMBER, is_active=False)
    assert requires_second_factor(membership.user) is False


def test_system_administrator_needs_a_second_factor() -> None:
    assert requires_second_factor(UserFactory.create(is_superuser=True)) is True
