"""``ecabinet sign_demo FILE``: a demonstration resolution, signed and sealed, written to FILE.

The signer (default ``thutuong``, the demo's Prime Minister) signs with their certificate and
signature image; a records clerk of the body (default ``vanthu``) fills number and date and
applies the body's organisational signature with its seal. Both go through step-up
authentication exactly as on the web: each confirms that exact content with their
authenticator's current code (``--signer-code``, ``--clerk-code``, or asked for). On a demo
installation ``ecabinet demo_otp USER`` prints a demo user's code.

The document says that it is a demonstration without legal value. Check the result with
``ecabinet verify FILE`` or on the page /chu-ky/kiem-tra/.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ecabinet.accounts.models import User
from ecabinet.accounts.stepup import (
    content_digest,
    grouped_hash,
    stepup_confirm,
    stepup_consume,
    stepup_request,
)
from ecabinet.bodies.models import Body, Membership
from ecabinet.core.errors import DomainError
from ecabinet.signatures.models import MemberCertificate, SealImage, SignatureImage
from ecabinet.signatures.pdf import images, layout
from ecabinet.signatures.pdfsign import (
    pdf_seal,
    pdf_seal_content,
    pdf_sign,
    pdf_sign_content,
    seal_certificate,
)

DEMO_NOTE = "Văn bản minh họa chữ ký số, không có giá trị pháp lý."


def demo_resolution(body: Body, signer: Membership) -> layout.Decree30Document:
    """A short resolution of ``body`` that says it is a demonstration."""
    title = signer.title.name if signer.title else ""
    return layout.Decree30Document(
        body_name=body.name.upper(),
        notation=f"NQ-{body.notation}" if body.notation else "NQ",
        type_name="NGHỊ QUYẾT",
        summary="Về việc thử nghiệm ký số và phát hành văn bản trên hệ thống eCabinet",
        place=body.place or "Hà Nội",
        sections=[
            layout.Section(
                heading="Điều 1.",
                paragraphs=[
                    "Thử nghiệm quy trình ký số văn bản: người có thẩm quyền ký, văn thư "
                    "cấp số, ghi ngày và ký số của cơ quan kèm hình ảnh con dấu.",
                ],
            ),
            layout.Section(heading="Điều 2.", paragraphs=[DEMO_NOTE]),
        ],
        signer_authority=f"TM. {body.name.upper()}",
        signer_title=title.upper(),
        signer_name=signer.user.full_name or signer.user.username,
        recipients=("Lưu: VT.",),
    )


class Command(BaseCommand):
    help = "Ký và đóng dấu một nghị quyết minh họa / sign and seal a demonstration resolution."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--body", default="chinh-phu", help="body code (chinh-phu)")
        parser.add_argument("--signer", default="thutuong", help="username of the signer")
        parser.add_argument("--clerk", default="vanthu", help="username of a records clerk")
        parser.add_argument("--number", default="01", help="the number (01, 15, ...)")
        parser.add_argument("--signer-code", default="", help="the signer's current TOTP code")
        parser.add_argument("--clerk-code", default="", help="the clerk's current TOTP code")

    def _confirm(
        self, user: User, session_key: str, purpose: str, content: bytes, summary: str, code: str
    ) -> str:
        """Step-up for ``content``: request, confirm with the code, spend; its hash."""
        challenge = stepup_request(
            actor=user, session_key=session_key, purpose=purpose, content=content, summary=summary
        )
        self.stdout.write(
            f"{user.full_name or user.username} — {summary}\n"
            f"  SHA-256: {grouped_hash(challenge.content_hash)}"
        )
        if not code:
            code = input(f"  Mã xác thực của {user.username} / TOTP code: ")
        stepup_confirm(actor=user, session_key=session_key, challenge=challenge, code=code)
        stepup_consume(
            actor=user, session_key=session_key, challenge_id=challenge.pk, content=content
        )
        return content_digest(content)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            body = Body.objects.get(code=options["body"])
            signer_membership = Membership.objects.select_related("user", "title").get(
                body=body, user__username=options["signer"], is_active=True
            )
            clerk = User.objects.get(username=options["clerk"], is_active=True)
        except (Body.DoesNotExist, Membership.DoesNotExist, User.DoesNotExist) as exc:
            raise CommandError(f"not found: {exc}") from exc
        signer = signer_membership.user
        now = timezone.now()
        certificate = (
            MemberCertificate.objects.filter(
                user=signer,
                body=body,
                revoked_at__isnull=True,
                not_before__lte=now,
                not_after__gt=now,
            )
            .order_by("-created_at", "-pk")
            .first()
        )
        if certificate is None:
            raise CommandError(
                f"{signer.username} has no valid certificate in {body.code}: "
                f"ecabinet ca issue {signer.username} {body.code}"
            )
        # One session for this run: a challenge is spent only by the run that asked for it.
        session_key = f"cli-{uuid.uuid4()}"
        number = options["number"].strip()
        date_text = layout.decree_date_line(body.place or "Hà Nội", timezone.localdate())
        try:
            draft = layout.render_decree30_pdf(demo_resolution(body, signer_membership))
            signature_png = None
            if not SignatureImage.objects.filter(user=signer).exists():
                signature_png = images.signature_png(signer.full_name or signer.username)
            confirmed = self._confirm(
                signer,
                session_key,
                "pdf_sign",
                pdf_sign_content(draft),
                f"Bạn ký: Nghị quyết của {body.name} (bản minh họa)",
                options["signer_code"],
            )
            signed = pdf_sign(
                actor=signer,
                certificate=certificate,
                pdf=draft,
                confirmation_hash=confirmed,
                signature_png=signature_png,
                reason=DEMO_NOTE,
            )
            used = seal_certificate(actor=clerk, body=body)
            seal_png = None
            if not SealImage.objects.filter(body=body).exists():
                seal_png = images.seal_png(body.name.upper())
            content = pdf_seal_content(body=body, pdf=signed, number=number, date_text=date_text)
            confirmed = self._confirm(
                clerk,
                session_key,
                "pdf_seal",
                content,
                f"Bạn cấp số {number}, ghi ngày và đóng dấu {body.name}",
                options["clerk_code"],
            )
            sealed = pdf_seal(
                actor=clerk,
                body=body,
                pdf=signed,
                number=number,
                date_text=date_text,
                confirmation_hash=confirmed,
                seal_png=seal_png,
            )
        except PermissionDenied as exc:
            raise CommandError("permission denied (a records clerk of the body seals)") from exc
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        path: Path = options["file"]
        path.write_bytes(sealed)
        self.stdout.write(
            f"{path}: {len(sealed) // 1024} KiB, signed by {certificate.subject_summary} "
            f"[{certificate.serial}], sealed with {used.subject_summary} [{used.serial}]\n"
            f"ecabinet verify {path}"
        )
