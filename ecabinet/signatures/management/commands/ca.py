"""``ecabinet ca init|issue|issue-body|revoke|import-anchor``: the internal CA from the shell.

``issue USER BODY`` issues a member's certificate; ``issue-body BODY`` the body's
organisational certificate, which its records clerks seal documents with; ``export-root``
prints the root certificate (PEM) that verifiers elsewhere must trust. ``issue``,
``issue-body``, ``revoke`` and ``import-anchor`` act as a system administrator:
``--by <username>``, or the only active one when there is exactly one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ecabinet.accounts.models import User
from ecabinet.bodies.models import Body, Membership
from ecabinet.core.errors import DomainError
from ecabinet.signatures.ca import (
    authority as ca_authority,
)
from ecabinet.signatures.ca import (
    ca_init,
    certificate_issue,
    certificate_revoke,
    load_certificate,
    organisation_certificate_issue,
    organisation_certificate_revoke,
    trust_anchor_import,
)
from ecabinet.signatures.models import (
    CertificateAuthority,
    MemberCertificate,
    OrganisationCertificate,
    RevocationReason,
)


class Command(BaseCommand):
    help = "Tổ chức cấp chứng thư nội bộ / the internal certification authority."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("init")
        issue = sub.add_parser("issue")
        issue.add_argument("username")
        issue.add_argument("body_code")
        issue.add_argument("--key-store", choices=["software", "pkcs11"], default=None)
        issue.add_argument("--by", default="")
        issue_body = sub.add_parser("issue-body")
        issue_body.add_argument("body_code")
        issue_body.add_argument("--key-store", choices=["software", "pkcs11"], default=None)
        issue_body.add_argument("--common-name", default="", help="default: the body's name")
        issue_body.add_argument("--by", default="")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("serial")
        revoke.add_argument("--reason", choices=RevocationReason.values, default="unspecified")
        revoke.add_argument("--by", default="")
        sub.add_parser("export-root")
        anchor = sub.add_parser("import-anchor")
        anchor.add_argument("file", type=Path)
        anchor.add_argument("--by", default="")

    def _admin(self, username: str) -> User:
        admins = User.objects.filter(is_superuser=True, is_active=True)
        if username:
            admins = admins.filter(username=username)
        found = list(admins[:2])
        if len(found) != 1:
            raise CommandError("name one active system administrator with --by <username>")
        return found[0]

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "init":
                for role, authority in sorted(ca_init().items()):
                    self.stdout.write(f"{role}: {authority.name}")
            elif action == "issue":
                membership = Membership.objects.select_related("user", "body", "title").get(
                    user__username=options["username"], body__code=options["body_code"]
                )
                cert = certificate_issue(
                    actor=self._admin(options["by"]),
                    membership=membership,
                    key_store=options["key_store"],
                )
                self.stdout.write(
                    f"{cert.serial} {cert.subject_summary} → {cert.not_after:%Y-%m-%d}"
                )
            elif action == "export-root":
                root = ca_authority(CertificateAuthority.Role.ROOT)
                if root is None:
                    raise CommandError("no internal CA: run `ecabinet ca init` first")
                pem = load_certificate(root.certificate_der).public_bytes(
                    serialization.Encoding.PEM
                )
                self.stdout.write(pem.decode("ascii"), ending="")
            elif action == "issue-body":
                org = organisation_certificate_issue(
                    actor=self._admin(options["by"]),
                    body=Body.objects.get(code=options["body_code"]),
                    key_store=options["key_store"],
                    common_name=options["common_name"],
                )
                self.stdout.write(f"{org.serial} {org.subject_summary} → {org.not_after:%Y-%m-%d}")
            elif action == "revoke":
                serial = options["serial"].lower()
                admin = self._admin(options["by"])
                found = OrganisationCertificate.objects.filter(serial=serial).first()
                if found is not None:
                    organisation_certificate_revoke(
                        actor=admin, certificate=found, reason=options["reason"]
                    )
                else:
                    certificate_revoke(
                        actor=admin,
                        certificate=MemberCertificate.objects.get(serial=serial),
                        reason=options["reason"],
                    )
                self.stdout.write(f"{serial} revoked")
            else:
                path: Path = options["file"]
                anchor = trust_anchor_import(
                    actor=self._admin(options["by"]), data=path.read_bytes()
                )
                self.stdout.write(f"{anchor.fingerprint_sha256} {anchor.subject}")
        except (Membership.DoesNotExist, MemberCertificate.DoesNotExist, Body.DoesNotExist) as exc:
            raise CommandError("not found") from exc
        except (DomainError, PermissionDenied, OSError) as exc:
            raise CommandError(str(exc) or "permission denied") from exc
