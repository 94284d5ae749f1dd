"""Permission rows of the resolutions app: every URL, for every persona.

Resolutions are made on demand in the persona world, from a closed meeting of the body (its
state and its conclusion are set directly: the meetings tests cover the session; drafting
from a real session is in test_drafting): one in drafting, never sent to the members; one
sent for opinions to the chair and the member (whose delegation hands "give opinions" to the
substitute), with a comment the substitute made; one submitted for signature; and one of
the other body, sent for opinions to the outsider.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from ecabinet.bodies.models import DocumentType
from ecabinet.core.testing.matrix import Case, everyone
from ecabinet.core.testing.personas import World
from ecabinet.meetings.models import AgendaItem, Conclusion, Meeting
from ecabinet.meetings.tests.conftest import start_in
from ecabinet.meetings.tests.matrix_support import make_meeting
from ecabinet.resolutions import selectors, services
from ecabinet.resolutions.forms import editor_initial
from ecabinet.resolutions.models import (
    ConsultationComment,
    ConsultationRecipient,
    Resolution,
)


def _user(w: World, persona: str) -> Any:
    user = w.user(persona)
    assert user is not None
    return user


def _closed_meeting(w: World, title: str) -> Meeting:
    """A closed meeting of the body with one adopted conclusion (states set directly)."""
    DocumentType.objects.get_or_create(
        body=w.body, abbreviation="NQ", defaults={"name": "Nghị quyết"}
    )
    meeting = make_meeting(w, title, start_in(10), "Dự án Luật (ma trận)")
    if meeting.status != Meeting.Status.CLOSED:
        now = timezone.now()
        Meeting.objects.filter(pk=meeting.pk).update(
            status=Meeting.Status.CLOSED, invitations_sent_at=now, closed_at=now
        )
        item = AgendaItem.objects.get(meeting=meeting)
        Conclusion.objects.create(
            item=item,
            outcome=Conclusion.Outcome.ADOPTED,
            text="Thống nhất thông qua (ma trận).",
            recorded_by=_user(w, "office"),
            recorded_at=now,
        )
        meeting.refresh_from_db()
    return meeting


def _made(w: World, title: str) -> Resolution:
    meeting = _closed_meeting(w, title)
    found = Resolution.objects.filter(meeting=meeting).first()
    if found is not None:
        return found
    return services.resolution_create_from_meeting(actor=_user(w, "office"), meeting=meeting)


def _drafting(w: World) -> Resolution:
    return _made(w, "Phiên họp dự thảo (ma trận)")


def _consulting(w: World) -> Resolution:
    resolution = _made(w, "Phiên họp lấy ý kiến (ma trận)")
    if resolution.status == Resolution.Status.DRAFTING:
        services.consultation_open(
            actor=_user(w, "office"),
            resolution=resolution,
            version=1,
            working_days=3,
            members=[w.memberships["chair"], w.memberships["member"]],
        )
        resolution.refresh_from_db()
        services.opinion_submit(
            actor=_user(w, "substitute"),
            recipient=_seat_row(w, resolution, "member"),
            choice=ConsultationRecipient.Choice.COMMENT,
            comments={"": "Góp ý chung (ma trận)."},
        )
    return resolution


def _awaiting(w: World) -> Resolution:
    resolution = _made(w, "Phiên họp trình ký (ma trận)")
    if resolution.status == Resolution.Status.DRAFTING:
        services.resolution_submit(actor=_user(w, "office"), resolution=resolution, version=1)
        resolution.refresh_from_db()
    return resolution


def _other_body(w: World) -> Resolution:
    """A resolution of the other body in consultation, its seat the outsider's."""
    from ecabinet.documents.models import Dossier
    from ecabinet.resolutions.content import Content, Section, Signer
    from ecabinet.resolutions.models import Consultation, ResolutionVersion

    found = Resolution.objects.filter(body=w.other_body).first()
    if found is not None:
        return found
    admin = _user(w, "admin")
    outsider = w.memberships["outsider"]
    starts = timezone.now() - timedelta(days=1)
    meeting = Meeting.objects.create(
        body=w.other_body,
        meeting_type=_other_type(w),
        title="Phiên họp của tỉnh khác",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        place="Trụ sở tỉnh",
        chair=outsider.user,
        status=Meeting.Status.CLOSED,
        invitations_sent_at=starts,
        positions_cutoff_at=starts,
        dossier=Dossier.objects.create(body=w.other_body, title="Hồ sơ tỉnh", created_by=admin),
        created_by=admin,
    )
    content = Content(
        title="Nghị quyết của tỉnh khác",
        summary="Phiên họp của tỉnh khác",
        sections=(Section("s1", "1. Về nội dung", ("Thông qua.",)),),
        signer=Signer("TM. ỦY BAN", "CHỦ TỊCH", outsider.user.full_name, outsider.user_id),
    )
    resolution = Resolution.objects.create(
        body=w.other_body,
        document_type=DocumentType.objects.create(
            body=w.other_body, name="Nghị quyết", abbreviation="NQ"
        ),
        title=content.title,
        summary=content.summary,
        source=Resolution.Source.MEETING,
        meeting=meeting,
        signer=outsider.user,
        created_by=admin,
        status=Resolution.Status.CONSULTATION,
    )
    version = ResolutionVersion.objects.create(
        resolution=resolution,
        number=1,
        content=content.to_json(),
        sha256=content.sha256,
        author=admin,
    )
    Resolution.objects.filter(pk=resolution.pk).update(current_version=version)
    consultation = Consultation.objects.create(
        resolution=resolution,
        number=1,
        version=version,
        working_days=3,
        deadline_at=timezone.now() + timedelta(days=5),
        sent_by=admin,
        sent_at=timezone.now(),
    )
    ConsultationRecipient.objects.create(
        consultation=consultation, membership=outsider, user=outsider.user, role=outsider.role
    )
    return resolution


def _other_type(w: World) -> Any:
    from ecabinet.bodies.models import MeetingType

    return MeetingType.objects.get_or_create(body=w.other_body, name="Họp tỉnh")[0]


def _seat_row(w: World, resolution: Resolution, persona: str) -> ConsultationRecipient:
    row = ConsultationRecipient.objects.get(
        consultation__resolution=resolution, user=_user(w, persona)
    )
    return selectors.recipient_of(resolution, row.pk)


def _pk(make: Any) -> Any:
    return lambda w: {"pk": make(w).pk}


def _seat(persona: str) -> Any:
    def kwargs(w: World) -> dict[str, Any]:
        resolution = _consulting(w)
        return {"pk": resolution.pk, "seat": _seat_row(w, resolution, persona).pk}

    return kwargs


def _comment(w: World) -> dict[str, Any]:
    resolution = _consulting(w)
    comment = ConsultationComment.objects.get(recipient__consultation__resolution=resolution)
    return {"pk": resolution.pk, "comment": comment.pk}


def _code(w: World) -> dict[str, Any]:
    return {"code": w.body.code}


def _editor_post(w: World) -> dict[str, Any]:
    """The editor's form as shown, saved unchanged."""
    resolution = _drafting(w)
    resolution.refresh_from_db()
    assert resolution.current_version is not None
    content = selectors.content_of(resolution.current_version)
    data = {
        k: v for k, v in editor_initial(content, resolution.current_version.number).items() if v
    }
    data["all_members"] = "on" if data.get("all_members") else ""
    data["section_count"] = len(content.sections)
    for i, s in enumerate(content.sections):
        data[f"section-{i}-key"] = s.key
        data[f"section-{i}-heading"] = s.heading
        data[f"section-{i}-paragraphs"] = "\n".join(s.paragraphs)
    data["action"] = "save"
    return data


ANON = {"anonymous": 302}
HIDDEN = dict.fromkeys(("member", "substitute", "agency", "observer", "outsider"), 404)
# A draft never sent to the members: the Office, the chair and the admin find it.
DRAFT_READERS = everyone(200, **HIDDEN, **ANON)
DRAFT_OFFICE = everyone(403, office=200, **HIDDEN, **ANON)
DRAFT_OFFICE_POST = everyone(403, office=302, **HIDDEN, **ANON)
# Sent for opinions: the members asked and the substitute find it too.
CONSULT_HIDDEN = dict.fromkeys(("agency", "observer", "outsider"), 404)
CONSULT_READERS = everyone(200, **CONSULT_HIDDEN, **ANON)
CONSULT_FOLLOW = everyone(403, office=200, chair=200, admin=200, **CONSULT_HIDDEN, **ANON)
CONSULT_FORBIDDEN = everyone(403, **CONSULT_HIDDEN, **ANON)
BODY_OFFICE = everyone(403, office=200, outsider=404, **ANON)

CASES = [
    Case("resolutions:index", everyone(200, **ANON)),
    Case("resolutions:list", everyone(200, outsider=404, **ANON), kwargs=_code),
    Case("resolutions:create_from_meeting", BODY_OFFICE, kwargs=_code),
    Case(
        "resolutions:create_from_meeting",
        everyone(403, office=302, outsider=404, **ANON),
        kwargs=_code,
        method="post",
        data=lambda w: {"source": _closed_meeting(w, "Phiên họp mới (ma trận)").pk},
        note="+post",
    ),
    Case("resolutions:create_from_ballot", BODY_OFFICE, kwargs=_code),
    Case("resolutions:detail", DRAFT_READERS, kwargs=_pk(_drafting)),
    Case("resolutions:detail", CONSULT_READERS, kwargs=_pk(_consulting), note="+consultation"),
    Case(
        "resolutions:detail",
        everyone(404, outsider=200, admin=200, **ANON),
        kwargs=_pk(_other_body),
        note="+other",
    ),
    Case("resolutions:edit", DRAFT_OFFICE, kwargs=_pk(_drafting)),
    Case(
        "resolutions:edit",
        DRAFT_OFFICE_POST,
        kwargs=_pk(_drafting),
        method="post",
        data=_editor_post,
        note="+post",
    ),
    Case("resolutions:versions", DRAFT_READERS, kwargs=_pk(_drafting)),
    Case("resolutions:versions", CONSULT_FOLLOW, kwargs=_pk(_consulting), note="+consultation"),
    Case(
        "resolutions:version",
        DRAFT_READERS,
        kwargs=lambda w: {"pk": _drafting(w).pk, "number": 1},
    ),
    Case("resolutions:diff", DRAFT_READERS, kwargs=_pk(_drafting)),
    Case("resolutions:diff", CONSULT_FOLLOW, kwargs=_pk(_consulting), note="+consultation"),
    Case("resolutions:consult", DRAFT_OFFICE, kwargs=_pk(_drafting)),
    Case(
        "resolutions:consult",
        DRAFT_OFFICE_POST,
        kwargs=_pk(_drafting),
        method="post",
        data=lambda w: {
            "version": 1,
            "working_days": 3,
            "members": [w.memberships["chair"].pk, w.memberships["member"].pk],
        },
        note="+post",
    ),
    # The member handed "give opinions" to the substitute: the member is told why they
    # cannot answer (409) and the substitute answers.
    Case(
        "resolutions:answer",
        CONSULT_FORBIDDEN | {"substitute": 200, "member": 409},
        kwargs=_seat("member"),
    ),
    Case(
        "resolutions:answer",
        CONSULT_FORBIDDEN | {"substitute": 302, "member": 409},
        kwargs=_seat("member"),
        method="post",
        data=lambda w: {"choice": "agree"},
        note="+post",
    ),
    Case(
        "resolutions:answer",
        CONSULT_FORBIDDEN | {"chair": 200},
        kwargs=_seat("chair"),
        note="+chair",
    ),
    Case("resolutions:consultation", CONSULT_FOLLOW, kwargs=_pk(_consulting)),
    Case(
        "resolutions:comment_handle",
        CONSULT_FORBIDDEN | {"office": 302},
        kwargs=_comment,
        method="post",
        data=lambda w: {"handling": "accepted"},
    ),
    Case(
        "resolutions:consultation_close",
        CONSULT_FORBIDDEN | {"office": 302},
        kwargs=_pk(_consulting),
        method="post",
    ),
    Case(
        "resolutions:submit",
        DRAFT_OFFICE_POST,
        kwargs=_pk(_drafting),
        method="post",
        data=lambda w: {"version": 1},
    ),
    Case("resolutions:return", everyone(403, chair=200, **HIDDEN, **ANON), kwargs=_pk(_awaiting)),
    Case(
        "resolutions:return",
        everyone(403, chair=302, **HIDDEN, **ANON),
        kwargs=_pk(_awaiting),
        method="post",
        data=lambda w: {"reason": "Cần bổ sung căn cứ (ma trận)."},
        note="+post",
    ),
    Case("resolutions:cancel", DRAFT_OFFICE, kwargs=_pk(_drafting)),
    Case(
        "resolutions:cancel",
        DRAFT_OFFICE_POST,
        kwargs=_pk(_drafting),
        method="post",
        data=lambda w: {"reason": "Soạn lại (ma trận)."},
        note="+post",
    ),
]


# --- Signing, issuance, the register (sign_views.py, register_views.py) --------------------
#
# The states after the signature are set directly (the signing and issuing tests run the
# real signatures); their files are a small stand-in PDF, stored like the real ones.

STAND_IN_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _frozen(w: World, title: str, status: str) -> Resolution:
    """A resolution submitted with the service, then moved to ``status`` with its files."""
    import uuid

    from ecabinet.core.dates import vn_date
    from ecabinet.resolutions.models import ResolutionFile, ResolutionReceipt
    from ecabinet.resolutions.signing import file_store

    resolution = _made(w, title)
    if resolution.status == Resolution.Status.DRAFTING:
        services.resolution_submit(actor=_user(w, "office"), resolution=resolution, version=1)
        resolution.refresh_from_db()
        now = timezone.now()
        kinds = [ResolutionFile.Kind.SIGNED]
        fields: dict[str, Any] = {"status": status, "signed_at": now}
        if status == Resolution.Status.ISSUED:
            kinds.append(ResolutionFile.Kind.ISSUED)
            sequence = 1 + Resolution.objects.filter(sequence__isnull=False).count()
            fields |= {
                "number": f"{sequence:02d}/NQ-CP",
                "sequence": sequence,
                "year": vn_date(now).year,
                "promulgation_date": vn_date(now),
                "issued_at": now,
                "verify_token": uuid.uuid4(),
            }
            ResolutionReceipt.objects.create(
                resolution=resolution,
                user=_user(w, "member"),
                membership=w.memberships["member"],
                via="member",
                must_act=True,
                delivered_at=now,
            )
        for kind in kinds:
            file_store(
                resolution=resolution,
                kind=kind,
                pdf=STAND_IN_PDF,
                version_sha256=resolution.submitted_sha256,
                actor=None,
            ).save()
        Resolution.objects.filter(pk=resolution.pk).update(**fields)
        resolution.refresh_from_db()
    return resolution


def _signed(w: World) -> Resolution:
    return _frozen(w, "Phiên họp đã ký (ma trận)", Resolution.Status.SIGNED)


def _issued(w: World) -> Resolution:
    return _frozen(w, "Phiên họp đã ban hành (ma trận)", Resolution.Status.ISSUED)


def _token(w: World) -> dict[str, Any]:
    return {"token": _issued(w).verify_token}


def _sign_post(w: World) -> dict[str, Any]:
    """The signing page's form as shown, the chair ready to sign (certificate, image, TOTP)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ecabinet.resolutions.signing import signing_draft
    from ecabinet.signatures.ca import ca_init, certificate_issue
    from ecabinet.signatures.models import MemberCertificate, SignatureImage
    from ecabinet.signatures.pdf.images import signature_png

    resolution = _awaiting(w)
    chair = w.memberships["chair"]
    if not MemberCertificate.objects.filter(user=chair.user).exists():
        ca_init()
        certificate_issue(actor=_user(w, "admin"), membership=chair)
        TOTPDevice.objects.create(user=chair.user, name="ma trận", confirmed=True)
        SignatureImage.objects.create(
            user=chair.user, png=signature_png("Chủ tọa"), sha256="0" * 64, width=600, height=250
        )
    return {
        "version_sha256": resolution.submitted_sha256,
        "row_version": resolution.version,
        "draft": signing_draft(resolution).pk,
    }


FROZEN_FOLLOW = everyone(403, office=200, chair=200, admin=200, **HIDDEN, **ANON)
ISSUED_READERS = everyone(200, outsider=404, **ANON)
ISSUED_OFFICE = everyone(403, office=200, outsider=404, **ANON)
PUBLIC = everyone(200)

CASES += [
    Case("resolutions:sign", everyone(403, chair=200, **HIDDEN, **ANON), kwargs=_pk(_awaiting)),
    # Allowed for the chair: the post asks for the step-up confirmation.
    Case(
        "resolutions:sign",
        everyone(403, chair=302, **HIDDEN, **ANON),
        kwargs=_pk(_awaiting),
        method="post",
        data=_sign_post,
        note="+post",
    ),
    # Nothing kept in this session: the chair is sent back to the signing page.
    Case(
        "resolutions:sign_finish",
        everyone(403, chair=302, **HIDDEN, **ANON),
        kwargs=lambda w: {"pk": _awaiting(w).pk, "challenge_id": 1},
    ),
    Case("resolutions:sign_pdf", FROZEN_FOLLOW, kwargs=_pk(_awaiting)),
    Case("resolutions:signed_pdf", FROZEN_FOLLOW, kwargs=_pk(_signed)),
    # Only a records clerk (not a persona here: see test_issuance) issues.
    Case(
        "resolutions:issue",
        everyone(403, **HIDDEN, **ANON),
        kwargs=_pk(_signed),
        method="post",
    ),
    Case("resolutions:issued_pdf", ISSUED_READERS, kwargs=_pk(_issued)),
    Case("resolutions:detail", ISSUED_READERS, kwargs=_pk(_issued), note="+issued"),
    Case("resolutions:amend", ISSUED_OFFICE, kwargs=_pk(_issued)),
    Case(
        "resolutions:amend",
        everyone(403, office=302, outsider=404, **ANON),
        kwargs=_pk(_issued),
        method="post",
        data=lambda w: {"kind": "revoke"},
        note="+post",
    ),
    # The member is named to carry it out; the others have nothing to acknowledge.
    Case(
        "resolutions:acknowledge",
        everyone(403, member=302, outsider=404, **ANON),
        kwargs=_pk(_issued),
        method="post",
    ),
    Case(
        "resolutions:settings",
        everyone(403, office=200, admin=200, outsider=404, **ANON),
        kwargs=_code,
    ),
    Case(
        "resolutions:settings",
        everyone(403, office=302, admin=302, outsider=404, **ANON),
        kwargs=_code,
        method="post",
        data=lambda w: {"automatic_issue": "0", "version": 0},
        note="+post",
    ),
    Case("resolutions:register", everyone(200, outsider=404, **ANON), kwargs=_code),
    Case("resolutions:received", everyone(200, **ANON)),
    # Public: no login; only an issued resolution has a token.
    Case("resolutions:verify", PUBLIC, kwargs=_token),
    Case("resolutions:verify_pdf", PUBLIC, kwargs=_token),
    Case(
        "resolutions:verify",
        everyone(404),
        kwargs=lambda w: {"token": "7d3f1e2a-0000-4000-8000-000000000000"},
        note="+unknown",
    ),
]
