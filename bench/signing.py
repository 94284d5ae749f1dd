"""Benchmark signing: statements signed and verified per second (software keys, SoftHSM2),
and PAdES B-T sign and verify time of a 10-page resolution (median of 5).

Statement verification is measured warm (the certificate's path already validated and
cached, as for every statement after a member's first) over distinct statements, in wall
and CPU time of this one-threaded process, and cold (caches cleared: the first statement
of a certificate, full path validation).

Targets (issue): statement verify >= 2,000/s on one core; PAdES sign < 300 ms.

Run:      .venv/bin/python bench/signing.py [--statements N] [--pdf-runs R]
A fresh SQLite database, key directory and SoftHSM2 token are created in temporary
directories. Client and server share this machine's cores; everything runs in one process.
"""

from __future__ import annotations

import argparse
import atexit
import io
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SOFTHSM = os.environ.get("ECABINET_PKCS11_MODULE", "/usr/lib/softhsm/libsofthsm2.so")
PIN = "246810"
TOKEN_LABEL = "ecabinet-bench"  # noqa: S105 (a token label, not a secret)


def _prepare() -> bool:
    """Temporary data dir (database, keys) and, when available, a SoftHSM2 token."""
    data_dir = tempfile.mkdtemp(prefix="ecabinet-bench-signing-")
    atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    os.environ["ECABINET_DATA_DIR"] = data_dir
    os.environ["ECABINET_KEY_DIR"] = str(Path(data_dir) / "keys")
    os.environ["ECABINET_KEK_AUTOCREATE"] = "1"
    os.environ.pop("ECABINET_KEK", None)
    os.environ.pop("DATABASE_URL", None)
    util = shutil.which("softhsm2-util")
    if util is None or not os.path.exists(SOFTHSM):
        return False
    tokens = Path(data_dir) / "softhsm" / "tokens"
    tokens.mkdir(parents=True)
    conf = Path(data_dir) / "softhsm" / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(conf)
    subprocess.run(
        [
            util,
            "--init-token",
            "--free",
            "--label",
            "ecabinet-bench",
            "--so-pin",
            "13579",
            "--pin",
            PIN,
        ],
        check=True,
        capture_output=True,
    )
    os.environ["ECABINET_PKCS11_MODULE"] = SOFTHSM
    os.environ["ECABINET_PKCS11_TOKEN"] = TOKEN_LABEL
    os.environ["ECABINET_PKCS11_PIN"] = PIN
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", type=int, default=200)
    parser.add_argument("--verifications", type=int, default=5000)
    parser.add_argument("--pdf-runs", type=int, default=5)
    args = parser.parse_args()

    has_hsm = _prepare()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecabinet.settings")
    os.environ["ECABINET_TESTING"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
    import django

    django.setup()
    from django.core.management import call_command
    from pyhanko.pdf_utils.reader import PdfFileReader

    from ecabinet.bodies.models import Role
    from ecabinet.core.testing.factories import MembershipFactory
    from ecabinet.core.testing.personas import build_world
    from ecabinet.signatures import ca, cmscheck, trustpaths, tsa
    from ecabinet.signatures.models import MemberCertificate
    from ecabinet.signatures.pdf import images, layout
    from ecabinet.signatures.pdf.pades import sign_as_signer, validate_pdf
    from ecabinet.signatures.statements import (
        payload_hash,
        statement_export,
        statement_payload,
        statement_sign,
        statement_verify,
    )

    call_command("migrate", verbosity=0)
    world = build_world()
    ca.ca_init()
    admin = world.user("admin")
    assert admin is not None
    roots = ca.trust_roots()

    def sign_one(cert: MemberCertificate, i: int) -> bytes:
        payload = statement_payload(
            signer=cert.user,
            role="member",
            body=world.body,
            object_type="ballots.ballot",
            object_id=i,
            choice="agree",
            documents={"du-thao.pdf": "ab" * 32},
        )
        statement = statement_sign(
            actor=cert.user,
            certificate=cert,
            payload=payload,
            confirmation_hash=payload_hash(payload),
        )
        return statement_export(statement)

    def statements(label: str, key_store: str) -> None:
        membership = MembershipFactory.create(body=world.body, role=Role.MEMBER)
        cert = ca.certificate_issue(actor=admin, membership=membership, key_store=key_store)
        sign_one(cert, 0)  # warm up (opens the token, loads the key)
        started = time.perf_counter()
        bundles = [sign_one(cert, i) for i in range(1, args.statements + 1)]
        sign_rate = args.statements / (time.perf_counter() - started)
        # Cold: the first verification of a certificate validates its path (then cached).
        cold: list[float] = []
        for bundle in bundles[:5]:
            cmscheck.clear_caches()
            trustpaths.PATHS.clear()
            started = time.perf_counter()
            assert statement_verify(bundle, trust_roots=roots).ok
            cold.append(time.perf_counter() - started)
        # Warm: every bundle is a distinct statement (own payload, CMS, signature value).
        started, cpu = time.perf_counter(), time.process_time()
        for i in range(args.verifications):
            report = statement_verify(bundles[i % len(bundles)], trust_roots=roots)
            assert report.ok, report.problems
        verify_rate = args.verifications / (time.perf_counter() - started)
        verify_cpu = args.verifications / (time.process_time() - cpu)
        print(
            f"  statements, {label:<9} sign {sign_rate:8.1f}/s   verify {verify_rate:8.1f}/s"
            f" ({verify_cpu:.0f}/s of CPU time), first verification of a certificate"
            f" {statistics.median(cold) * 1000:.1f} ms"
            f"   (n={args.statements} signed, {args.verifications} verified)"
        )

    print("eCabinet signing benchmark")
    print(
        f"  machine:  {platform.node()} | {platform.processor() or platform.machine()} | "
        f"{os.cpu_count()} CPUs | Python {platform.python_version()} | {platform.platform()}"
    )
    print(f"  date:     {datetime.now(UTC).isoformat(timespec='seconds')}")
    print("  client and server share the machine (one process, SQLite in a temp dir)")
    print("  targets:  statement verify >= 2,000/s on one core; PAdES sign < 300 ms")
    statements("software", "software")
    if has_hsm:
        statements("SoftHSM2", "pkcs11")
    else:
        print("  statements, SoftHSM2  SKIPPED (softhsm2-util or module missing)")

    # PAdES B-T on a 10-page resolution, internal TSA in process.
    paragraph = (
        "Chính phủ thống nhất đánh giá tình hình kinh tế - xã hội tiếp tục chuyển biến tích "
        "cực; các bộ, cơ quan ngang bộ, Ủy ban nhân dân các tỉnh, thành phố trực thuộc trung "
        "ương khẩn trương triển khai thực hiện, bảo đảm tiến độ và chất lượng. "
    ) * 3
    pages = 0
    articles = 8
    while True:
        doc = layout.Decree30Document(
            body_name="CHÍNH PHỦ",
            notation="NQ-CP",
            type_name="NGHỊ QUYẾT",
            summary="Nghị quyết phiên họp thường kỳ (đo hiệu năng)",
            place="Hà Nội",
            sections=[
                layout.Section(heading=f"Điều {i}.", paragraphs=[paragraph] * 4)
                for i in range(1, articles + 1)
            ],
            signer_authority="TM. CHÍNH PHỦ",
            signer_title="THỦ TƯỚNG",
            signer_name="Người thử member",
        )
        draft = layout.render_decree30_pdf(doc)
        pages = int(PdfFileReader(io.BytesIO(draft)).root["/Pages"]["/Count"])
        if pages >= 10 or articles > 200:
            break
        articles += max(1, articles * (10 - pages) // max(pages, 1))
    member = MembershipFactory.create(body=world.body, role=Role.MEMBER)
    cert = ca.certificate_issue(actor=admin, membership=member)
    stamper = tsa.timestamper_for_settings()
    png = images.signature_png("Người thử member")
    sign_times: list[float] = []
    verify_times: list[float] = []
    signed = b""
    for _ in range(args.pdf_runs):
        started = time.perf_counter()
        signed = sign_as_signer(
            draft, signer=ca.signer_for(cert), timestamper=stamper, signature_png=png
        )
        sign_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        report = validate_pdf(signed, trust_roots=roots)
        verify_times.append(time.perf_counter() - started)
        assert report.ok, report
    print(
        f"  PAdES B-T, {pages}-page resolution ({len(signed) // 1024} KiB): "
        f"sign median {statistics.median(sign_times) * 1000:.0f} ms, "
        f"verify median {statistics.median(verify_times) * 1000:.0f} ms "
        f"(n={args.pdf_runs}; signing includes the in-process TSA, software key)"
    )


if __name__ == "__main__":
    main()
