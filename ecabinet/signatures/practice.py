"""Guided practice signing: a leader signs a harmless statement to learn the gesture.

The practice goes through exactly the path of a real signature: a statement payload, a
step-up challenge over its canonical bytes, the signer's confirmation with their
authenticator, then ``statement_sign`` with their own certificate. Only the object type
(``signatures.practice``) tells it apart; it binds nobody to anything.
"""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from ecabinet.accounts.stepup import stepup_consume, stepup_request
from ecabinet.bodies.models import Membership
from ecabinet.bodies.permissions import Perm, membership_permissions
from ecabinet.core.errors import DomainError
from ecabinet.signatures.models import MemberCertificate, SignedStatement
from ecabinet.signatures.statements import (
    canonical,
    payload_hash,
    statement_payload,
    statement_sign,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ecabinet.accounts.models import StepUpChallenge, User

PURPOSE = "practice"
OBJECT_TYPE = "signatures.practice"
# The signed sentence is content, not interface: it stays the same whatever the language.
PRACTICE_TEXT = "Tôi thực hành ký số trên hệ thống eCabinet"
SESSION_KEY = "signatures.practice"


def signing_memberships(user: User | AnonymousUser) -> list[Membership]:
    """The user's active memberships whose role signs (Perm.SIGN), in active bodies."""
    if not user.is_authenticated or not user.is_active:
        return []
    rows = Membership.objects.filter(
        user_id=user.pk, is_active=True, body__is_active=True
    ).select_related("body")
    return [m for m in rows if Perm.SIGN in membership_permissions(m)]


def can_practise(user: User | AnonymousUser) -> bool:
    return bool(signing_memberships(user))


def practice_certificate(user: User) -> MemberCertificate | None:
    """The newest certificate valid now for one of the user's signing bodies."""
    bodies = [m.body_id for m in signing_memberships(user)]
    now = timezone.now()
    return (
        MemberCertificate.objects.filter(
            user=user,
            body_id__in=bodies,
            revoked_at__isnull=True,
            not_before__lte=now,
            not_after__gt=now,
        )
        .select_related("body", "ca")
        .order_by("-created_at", "-pk")
        .first()
    )


def _no_certificate() -> DomainError:
    return DomainError(
        _(
            "Bạn chưa có chứng thư số còn hiệu lực. Đề nghị Văn phòng cấp chứng thư số "
            "cho bạn rồi thực hành lại."
        ),
        code="no_certificate",
    )


def practice_start(*, actor: User, session: Any) -> tuple[StepUpChallenge, dict[str, Any]]:
    """Build the practice statement and ask for its step-up confirmation.

    The canonical payload is kept in ``session`` with the challenge id, so that the result
    view signs byte for byte what the step-up page showed and confirmed.
    """
    memberships = {m.body_id: m for m in signing_memberships(actor)}
    if not memberships:
        raise PermissionDenied
    certificate = practice_certificate(actor)
    if certificate is None:
        raise _no_certificate()
    membership = memberships[certificate.body_id]
    payload = statement_payload(
        signer=actor,
        role=membership.role,
        body=certificate.body,
        object_type=OBJECT_TYPE,
        object_id=uuid.uuid4().hex,
        choice=PRACTICE_TEXT,
    )
    text = canonical(payload).decode("utf-8")
    summary = _("Bạn ký thử (thực hành, không có giá trị pháp lý): “%(text)s” — %(body)s") % {
        "text": PRACTICE_TEXT,
        "body": certificate.body.name,
    }
    challenge = stepup_request(
        actor=actor,
        session_key=session.session_key,
        purpose=PURPOSE,
        content=text.encode("utf-8"),
        summary=summary,
    )
    # Only the latest practice is kept: an earlier unconfirmed one is abandoned.
    session[SESSION_KEY] = {"challenge": challenge.pk, "payload": text}
    return challenge, payload


def practice_finish(*, actor: User, session: Any, challenge_id: int) -> SignedStatement:
    """Spend the confirmed challenge and sign the practice statement it was made for.

    Refused (DomainError) when this session started no such practice, or when step-up
    refuses: not confirmed, expired, or already used (a replayed result URL).
    """
    if not can_practise(actor):
        raise PermissionDenied
    pending = session.get(SESSION_KEY)
    if not isinstance(pending, dict) or pending.get("challenge") != challenge_id:
        raise DomainError(
            _("Không tìm thấy lượt ký thử này. Vui lòng bắt đầu lại."), code="not_found"
        )
    text = str(pending["payload"])
    payload = json.loads(text)
    certificate = (
        MemberCertificate.objects.filter(
            user=actor, body_id=payload["body"]["id"], revoked_at__isnull=True
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if certificate is None:
        raise _no_certificate()
    stepup_consume(
        actor=actor,
        session_key=session.session_key,
        challenge_id=challenge_id,
        content=text.encode("utf-8"),
    )
    return statement_sign(
        actor=actor,
        certificate=certificate,
        payload=payload,
        confirmation_hash=payload_hash(payload),
    )


def latest_practice(user: User) -> SignedStatement | None:
    """The user's most recent practice statement."""
    return (
        SignedStatement.objects.filter(signer=user, object_type=OBJECT_TYPE)
        .select_related("certificate", "body")
        .order_by("-created_at")
        .first()
    )
