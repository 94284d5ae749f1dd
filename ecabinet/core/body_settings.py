"""One way to change a body's settings row (ballots, meetings, the ledger): locked, checked
against the version the form was shown with, versioned, audited with before and after."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models, transaction
from django.utils.translation import gettext as _

from ecabinet.audit.services import audit_append
from ecabinet.core.errors import DomainError

if TYPE_CHECKING:
    from ecabinet.accounts.models import User
    from ecabinet.bodies.models import Body

Row = TypeVar("Row", bound=models.Model)


def body_settings_update(
    model: type[Row],
    *,
    actor: User,
    body: Body,
    values: Mapping[str, Any],
    version: int,
    verb: str,
    then: Callable[[Row], None] | None = None,
) -> Row:
    """Set ``values`` on the body's row of ``model`` (created with its defaults if missing).

    A row changed since the form showed ``version`` is refused (stale), nothing written.
    ``then(row)`` runs inside the same transaction (e.g. re-planning what the rules govern).
    """
    with transaction.atomic():
        row, created = model._default_manager.select_for_update().get_or_create(body=body)
        if not created and row.version != version:  # type: ignore[attr-defined]
            raise DomainError(
                _("Cấu hình vừa được người khác thay đổi. Tải lại trang rồi thử lại."),
                code="stale",
            )
        before = {name: getattr(row, name) for name in values}
        for name, value in values.items():
            setattr(row, name, value)
        row.version += 1  # type: ignore[attr-defined]
        row.save()
        audit_append(
            actor=actor,
            verb=verb,
            obj=row,
            body=body,
            before=None if created else before,
            after=dict(values),
        )
        if then is not None:
            then(row)
    return row
