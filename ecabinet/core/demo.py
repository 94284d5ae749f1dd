"""Demo data: a fictional Government and a fictional province, to try ecabinet at once.

All people are invented: family and given names are combined with words such as "Mẫu"
(sample), "Thử" (trial) or "Minh Họa" (illustration) so nobody mistakes them for real
officials. Ministries follow the 2019 structure of the Government described in the seeds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from ecabinet.accounts.models import User
from ecabinet.audit.services import audit_append
from ecabinet.bodies.models import (
    Body,
    DocumentType,
    IssuingAgency,
    MeetingType,
    Membership,
    Role,
    Room,
    Title,
    Unit,
)
from ecabinet.bodies.permissions import Perm, membership_permissions, requires_second_factor
from ecabinet.core.errors import DomainError
from ecabinet.signatures.ca import (
    ca_init,
    certificate_issue,
    organisation_certificate_for,
    organisation_certificate_issue,
)
from ecabinet.signatures.images import seal_image_upload, signature_image_upload
from ecabinet.signatures.models import MemberCertificate, SignatureImage
from ecabinet.signatures.pdf.images import seal_png, signature_png

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "demo-ecabinet-2026"  # noqa: S105 - printed at start-up for the demo only

MINISTRIES = [
    "Bộ Quốc phòng",
    "Bộ Công an",
    "Bộ Ngoại giao",
    "Bộ Nội vụ",
    "Bộ Tư pháp",
    "Bộ Kế hoạch và Đầu tư",
    "Bộ Tài chính",
    "Bộ Công Thương",
    "Bộ Nông nghiệp và Phát triển nông thôn",
    "Bộ Giao thông vận tải",
    "Bộ Xây dựng",
    "Bộ Tài nguyên và Môi trường",
    "Bộ Thông tin và Truyền thông",
    "Bộ Lao động - Thương binh và Xã hội",
    "Bộ Văn hóa, Thể thao và Du lịch",
    "Bộ Khoa học và Công nghệ",
    "Bộ Giáo dục và Đào tạo",
    "Bộ Y tế",
]
# Ministry-level agencies whose heads are members of the Government, with the head's title.
AGENCIES = [
    ("Ủy ban Dân tộc", "Bộ trưởng, Chủ nhiệm Ủy ban Dân tộc"),
    ("Ngân hàng Nhà nước Việt Nam", "Thống đốc Ngân hàng Nhà nước Việt Nam"),
    ("Thanh tra Chính phủ", "Tổng Thanh tra Chính phủ"),
    ("Văn phòng Chính phủ", "Bộ trưởng, Chủ nhiệm Văn phòng Chính phủ"),
]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
GIVEN = ["Mẫu", "Thử", "Minh Họa", "Giả Định", "Ví Dụ", "Thử Nghiệm"]
MIDDLE = ["Văn", "Thị", "Đức", "Ngọc", "Quang", "Thanh", "Hữu", "Minh"]


def fictional_name(i: int) -> str:
    return f"{FAMILY[i % len(FAMILY)]} {MIDDLE[(i // 2) % len(MIDDLE)]} {GIVEN[i % len(GIVEN)]}"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    body: str


# One login per persona, printed when the demo starts.
HIGHLIGHTED = [
    DemoLogin("thutuong", "Thủ tướng (chủ tọa, ký)", "Chính phủ"),
    DemoLogin("botruong.tuphap", "Thành viên Chính phủ", "Chính phủ"),
    DemoLogin("thutruong.tuphap", "Người dự thay (Thứ trưởng)", "Chính phủ"),
    DemoLogin("chuyenvien1", "Chuyên viên Văn phòng Chính phủ", "Chính phủ"),
    DemoLogin("vutruong1", "Vụ trưởng", "Chính phủ"),
    DemoLogin("lanhdaovp", "Lãnh đạo Văn phòng", "Chính phủ"),
    DemoLogin("coquantrinh.tuphap", "Cơ quan trình (Bộ Tư pháp)", "Chính phủ"),
    DemoLogin("quansat", "Khách mời", "Chính phủ"),
    DemoLogin("chutich.songmau", "Chủ tịch UBND tỉnh", "UBND tỉnh Sông Mẫu"),
    DemoLogin("quantri", "Quản trị hệ thống", "toàn hệ thống"),
]

MINISTRY_SLUGS = {"Bộ Tư pháp": "tuphap", "Bộ Tài chính": "taichinh", "Bộ Y tế": "yte"}


class DemoBuilder:
    def __init__(self) -> None:
        self.count = 0
        self._n = 0

    def user(self, username: str, full_name: str, *, superuser: bool = False) -> User:
        user = User(
            username=username,
            full_name=full_name,
            email=f"{username}@demo.ecabinet.invalid",
            is_superuser=superuser,
            is_staff=superuser,
        )
        user.set_password(DEMO_PASSWORD)
        user.save()
        self.count += 1
        return user

    def next_name(self) -> str:
        self._n += 1
        return fictional_name(self._n)

    def member(
        self,
        body: Body,
        username: str,
        role: str,
        title: Title | None,
        unit: Unit | None,
        precedence: int,
        *,
        name: str | None = None,
    ) -> Membership:
        user = self.user(username, name or self.next_name())
        return Membership.objects.create(
            body=body, user=user, role=role, title=title, unit=unit, precedence=precedence
        )


def _title(body: Body, name: str, order: int) -> Title:
    return Title.objects.get_or_create(body=body, name=name, defaults={"order": order})[0]


def _catalogues(body: Body) -> None:
    for order, (name, code) in enumerate(
        [
            ("Phiên họp thường kỳ", "thuong-ky"),
            ("Phiên họp bất thường", "bat-thuong"),
            ("Phiên họp chuyên đề", "chuyen-de"),
        ]
    ):
        MeetingType.objects.create(body=body, name=name, code=code, order=order)
    for order, (name, abbr) in enumerate(
        [
            ("Nghị quyết", "NQ"),
            ("Quyết định", "QĐ"),
            ("Tờ trình", "TTr"),
            ("Báo cáo", "BC"),
            ("Giấy mời", "GM"),
            ("Biên bản", "BB"),
            ("Công văn", ""),
            ("Thông báo", "TB"),
        ]
    ):
        DocumentType.objects.create(body=body, name=name, abbreviation=abbr, order=order)
    Room.objects.create(
        body=body, name="Phòng họp chính", location="Nhà A", seating_rows=5, seats_per_row=8
    )
    Room.objects.create(
        body=body, name="Phòng họp trực tuyến", location="Nhà B", seating_rows=3, seats_per_row=6
    )


def _government(b: DemoBuilder) -> Body:
    body = Body.objects.create(
        name="Chính phủ",
        short_name="CP",
        code="chinh-phu",
        kind=Body.Kind.GOVERNMENT,
        notation="CP",
        organ_id="000.00.00.G01",
        place="Hà Nội",
    )
    _catalogues(body)
    units = {}
    for order, name in enumerate(MINISTRIES + [a for a, _ in AGENCIES], start=1):
        kind = Unit.Kind.OFFICE if name == "Văn phòng Chính phủ" else Unit.Kind.MINISTRY
        units[name] = Unit.objects.create(body=body, name=name, kind=kind, order=order)
        IssuingAgency.objects.create(
            body=body, name=name, organ_id=f"000.00.{order:02d}.G01", order=order
        )
    office = units["Văn phòng Chính phủ"]
    departments = [
        Unit.objects.create(body=body, parent=office, name=name, kind=Unit.Kind.DEPARTMENT, order=i)
        for i, name in enumerate(["Vụ Tổng hợp", "Vụ Pháp luật", "Vụ Kinh tế ngành"], start=1)
    ]

    b.member(body, "thutuong", Role.CHAIR, _title(body, "Thủ tướng Chính phủ", 1), None, 1)
    dpm = _title(body, "Phó Thủ tướng Chính phủ", 2)
    for i in range(1, 5):
        b.member(body, f"phothutuong{i}", Role.VICE_CHAIR, dpm, None, 1 + i)
    minister = _title(body, "Bộ trưởng", 3)
    precedence = 6
    for name in MINISTRIES:
        slug = MINISTRY_SLUGS.get(name, f"bo{precedence}")
        b.member(body, f"botruong.{slug}", Role.MEMBER, minister, units[name], precedence)
        precedence += 1
    for name, head_title in AGENCIES:
        slug = "vpcp" if name == "Văn phòng Chính phủ" else f"coquan{precedence}"
        title = _title(body, head_title, 4)
        b.member(body, f"truong.{slug}", Role.MEMBER, title, units[name], precedence)
        precedence += 1

    deputy = _title(body, "Thứ trưởng", 10)
    for slug, ministry in [("tuphap", "Bộ Tư pháp"), ("taichinh", "Bộ Tài chính")]:
        b.member(body, f"thutruong.{slug}", Role.DEPUTY, deputy, units[ministry], 100)
    b.member(
        body,
        "lanhdaovp",
        Role.OFFICE_LEADER,
        _title(body, "Phó Chủ nhiệm Văn phòng Chính phủ", 5),
        office,
        200,
    )
    head = _title(body, "Vụ trưởng", 11)
    for i, dept in enumerate(departments[:2], start=1):
        b.member(body, f"vutruong{i}", Role.OFFICE_HEAD, head, dept, 210 + i)
    expert = _title(body, "Chuyên viên", 12)
    for i, dept in enumerate(departments, start=1):
        b.member(body, f"chuyenvien{i}", Role.OFFICE_STAFF, expert, dept, 220 + i)
    b.member(body, "vanthu", Role.RECORDS_CLERK, _title(body, "Văn thư", 13), office, 230)
    b.member(body, "baomat", Role.SECURITY, _title(body, "Cán bộ bảo mật", 14), office, 231)
    for slug, ministry in [
        ("tuphap", "Bộ Tư pháp"),
        ("taichinh", "Bộ Tài chính"),
        ("yte", "Bộ Y tế"),
    ]:
        b.member(body, f"coquantrinh.{slug}", Role.AGENCY, expert, units[ministry], 300)
    b.member(body, "quansat", Role.OBSERVER, _title(body, "Khách mời", 15), None, 400)
    return body


def _province(b: DemoBuilder) -> Body:
    body = Body.objects.create(
        name="Ủy ban nhân dân tỉnh Sông Mẫu",
        short_name="UBND tỉnh Sông Mẫu",
        code="ubnd-song-mau",
        kind=Body.Kind.PROVINCE,
        notation="UBND",
        organ_id="000.00.00.H99",
        place="Sông Mẫu",
    )
    _catalogues(body)
    office = Unit.objects.create(body=body, name="Văn phòng UBND tỉnh", kind=Unit.Kind.OFFICE)
    sectors = [
        Unit.objects.create(body=body, name=name, kind=Unit.Kind.AGENCY, order=i)
        for i, name in enumerate(
            ["Sở Tài chính", "Sở Nội vụ", "Sở Xây dựng", "Sở Y tế", "Sở Giáo dục và Đào tạo"],
            start=1,
        )
    ]
    b.member(body, "chutich.songmau", Role.CHAIR, _title(body, "Chủ tịch UBND tỉnh", 1), None, 1)
    vice = _title(body, "Phó Chủ tịch UBND tỉnh", 2)
    for i in range(1, 4):
        b.member(body, f"phochutich{i}.songmau", Role.VICE_CHAIR, vice, None, 1 + i)
    director = _title(body, "Giám đốc Sở", 3)
    for i, unit in enumerate(sectors, start=1):
        b.member(body, f"giamdoc{i}.songmau", Role.MEMBER, director, unit, 10 + i)
    b.member(
        body, "chuyenvien.songmau", Role.OFFICE_STAFF, _title(body, "Chuyên viên", 9), office, 100
    )
    return body


def demo_exists() -> bool:
    return Body.objects.filter(code="chinh-phu").exists()


def load_demo() -> int:
    """Create the demo bodies and people; returns the number of users created."""
    builder = DemoBuilder()
    with transaction.atomic():
        gov = _government(builder)
        province = _province(builder)
        builder.user("quantri", "Quản trị Hệ thống Mẫu", superuser=True)
        # Signing roles need a second factor; enrol the demo users who need one so that
        # `ecabinet demo_otp USER` can print their current code (nobody holds the demo's
        # authenticator app). Real users enrol themselves at first login.
        for user in User.objects.all():
            if requires_second_factor(user):
                TOTPDevice.objects.create(user=user, name="Demo", confirmed=True)
        for body in (gov, province):
            audit_append(
                actor=None,
                verb="demo.loaded",
                body=body,
                obj=body,
                after={
                    "memberships": Membership.objects.filter(body=body).count(),
                    "units": Unit.objects.filter(body=body).count(),
                },
            )
    _signing_material(admin=User.objects.get(username="quantri"), bodies=(gov, province))
    _documents(gov)
    from ecabinet.ballots.demo import load_demo_ballots

    load_demo_ballots(gov)
    from ecabinet.meetings.demo import load_demo_meeting

    load_demo_meeting(gov)
    from ecabinet.resolutions.demo import load_demo_resolutions

    load_demo_resolutions(gov)
    _process_pending_papers()
    return builder.count


def _process_pending_papers() -> None:
    """Convert, extract and index every paper the demo filed, now rather than by the worker,
    so that the reader and the search work from the first page."""
    from ecabinet.documents.models import DocumentVersion
    from ecabinet.documents.tasks import process_version

    pending = DocumentVersion.objects.filter(text_status=DocumentVersion.TextStatus.PENDING)
    for version_id in pending.values_list("pk", flat=True):
        process_version.call(str(version_id))


def _signing_material(*, admin: User, bodies: tuple[Body, ...]) -> None:
    """The internal CA, a certificate and a signature image for every signer, seal images.

    Runs after the people are committed: certificate issuance does its key generation
    outside its own write transaction (SQLite takes the write lock for each).
    """
    ca_init()
    for body in bodies:
        if organisation_certificate_for(body) is None:
            organisation_certificate_issue(actor=admin, body=body)
    for membership in Membership.objects.filter(body__in=bodies).select_related("user", "body"):
        if Perm.SIGN not in membership_permissions(membership):
            continue
        if not MemberCertificate.objects.filter(
            user=membership.user, body=membership.body
        ).exists():
            certificate_issue(actor=admin, membership=membership)
        if not SignatureImage.objects.filter(user=membership.user).exists():
            try:
                png = signature_png(membership.user.full_name)
            except DomainError as exc:
                # Drawing needs a font with Vietnamese letters (Debian fonts-liberation2);
                # without it the demo runs with no images rather than not at all.
                logger.warning("demo signature images skipped: %s", exc.message)
                return
            signature_image_upload(actor=membership.user, data=png)
    for body in bodies:
        seal_image_upload(actor=admin, body=body, data=seal_png(body.name.upper()))


# A proposal dossier with a few papers, so that the reader, receipts and search can be tried.
DEMO_PAPERS = [
    (
        "Tờ trình",
        "125/TTr-BTP",
        "Tờ trình về dự án Luật sửa đổi, bổ sung một số điều của Luật Ban hành văn bản",
        [
            "Thực hiện chương trình công tác năm 2026 của Chính phủ, Bộ Tư pháp kính trình "
            "Chính phủ dự án Luật sửa đổi, bổ sung một số điều của Luật Ban hành văn bản "
            "quy phạm pháp luật.",
            "Dự án Luật tập trung điều chỉnh quy trình lập đề nghị xây dựng luật, rút ngắn "
            "thời gian thẩm định và tăng cường trách nhiệm của cơ quan chủ trì soạn thảo.",
            "Bộ Tư pháp kính đề nghị Chính phủ xem xét, quyết định việc trình Quốc hội dự án "
            "Luật tại kỳ họp gần nhất.",
        ],
    ),
    (
        "Báo cáo",
        "88/BC-BTP",
        "Báo cáo tổng hợp ý kiến các bộ, ngành về dự án Luật",
        [
            "Bộ Tư pháp đã nhận được ý kiến của 18 bộ, cơ quan ngang bộ và 45 Ủy ban nhân "
            "dân cấp tỉnh. Đa số ý kiến nhất trí với sự cần thiết ban hành Luật.",
            "Một số ý kiến đề nghị làm rõ phạm vi điều chỉnh đối với văn bản của chính quyền "
            "địa phương ở đơn vị hành chính - kinh tế đặc biệt.",
        ],
    ),
]


def _paper_pdf(title: str, number: str, paragraphs: list[str]) -> bytes:
    from html import escape

    from weasyprint import HTML  # type: ignore[import-untyped]

    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    html = (
        '<html lang="vi"><body style="font-family: \'Liberation Serif\'; font-size: 14pt">'
        f"<p><b>BỘ TƯ PHÁP</b> — Số: {escape(number)}</p>"
        f"<h1 style='font-size: 15pt; text-align: center'>{escape(title.upper())}</h1>"
        f"{body}</body></html>"
    )
    return bytes(HTML(string=html).write_pdf())


def _documents(gov: Body) -> None:
    """One dossier from the Ministry of Justice with its papers, processed at once."""
    from ecabinet.documents.models import DocumentVersion
    from ecabinet.documents.services import DocumentMeta, document_upload, dossier_create
    from ecabinet.documents.tasks import process_version

    office = User.objects.get(username="chuyenvien1")
    unit = Unit.objects.get(body=gov, name="Bộ Tư pháp")
    dossier = dossier_create(
        actor=office,
        body=gov,
        title="Dự án Luật sửa đổi, bổ sung một số điều của Luật Ban hành văn bản QPPL",
        unit=unit,
    )
    agency = IssuingAgency.objects.get(body=gov, name="Bộ Tư pháp")
    for type_name, number, title, paragraphs in DEMO_PAPERS:
        document = document_upload(
            actor=office,
            data=_paper_pdf(title, number, paragraphs),
            filename=f"{number.replace('/', '-')}.pdf",
            dossier=dossier,
            meta=DocumentMeta(
                title=title,
                doc_type=DocumentType.objects.get(body=gov, name=type_name),
                number=number,
                agency=agency,
                summary=title,
            ),
        )
        for version_id in DocumentVersion.objects.filter(document=document).values_list(
            "pk", flat=True
        ):
            process_version.call(str(version_id))
