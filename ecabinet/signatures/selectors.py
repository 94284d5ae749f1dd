"""Reads of certificates, scoped to the user they belong to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from ecabinet.signatures.models import MemberCertificate
from ecabinet.signatures.permissions import can_view_own_certificates

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ecabinet.accounts.models import User

    AnyUser = User | AnonymousUser


def certificate_list_for(user: AnyUser) -> QuerySet[MemberCertificate]:
    """The user's own certificates, newest first (empty for anonymous users)."""
    if not can_view_own_certificates(user) or user.pk is None:
        return MemberCertificate.objects.none()
    return (
        MemberCertificate.objects.filter(user_id=int(user.pk))
        .select_related("body")
        .order_by("-created_at", "-pk")
    )
