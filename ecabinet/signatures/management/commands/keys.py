"""``ecabinet keys rotate|rewrap``: rotate the key-encryption key of sealed secrets.

``rotate`` creates a new KEK file, makes it current and re-wraps every sealed blob with it;
the old KEK file may then be deleted. With the KEK in the environment (ECABINET_KEK), put
the new key there and the old one in ECABINET_KEK_PREVIOUS, and run ``rewrap``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from ecabinet.audit.services import audit_append
from ecabinet.core import envelope
from ecabinet.signatures.keystores import software_rewrap_all


def rewrap_everything() -> int:
    """Re-wrap every sealed blob of every app with the current KEK; the number changed.

    Apps that seal data add their re-wrap function here.
    """
    from ecabinet.documents.storage import rewrap_all as documents_rewrap_all
    from ecabinet.exchange.storage import rewrap_all as exchange_rewrap_all
    from ecabinet.resolutions.signing import rewrap_all as resolutions_rewrap_all

    return (
        software_rewrap_all()
        + documents_rewrap_all()
        + exchange_rewrap_all()
        + resolutions_rewrap_all()
    )


class Command(BaseCommand):
    help = "Xoay vòng khóa mã hóa khóa (KEK) / rotate the key-encryption key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rotate", "rewrap"])

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "rotate":
                old = envelope.current_kek_id()
                new = envelope.create_kek()
            else:
                old, new = "", envelope.current_kek_id()
            count = rewrap_everything()
        except (envelope.KekConfigError, envelope.SealedDataError) as exc:
            raise CommandError(str(exc)) from exc
        with transaction.atomic():
            audit_append(
                actor=None,
                verb=f"signatures.kek_{options['action']}",
                object_type="kek",
                object_id=new,
                after={"previous": old, "current": new, "rewrapped": count},
            )
        self.stdout.write(f"KEK {new}: {count} rewrapped")
