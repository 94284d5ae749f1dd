"""The content of a version: normalisation, refusals, a stable hash; and the diff."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest

from ecabinet.core.errors import DomainError
from ecabinet.resolutions.content import (
    Content,
    Recipient,
    RecipientKind,
    Section,
    Signer,
    clean_content,
    content_hash,
)
from ecabinet.resolutions.diff import Op, SectionChange, content_diff, word_diff
from ecabinet.resolutions.drafting import lower_first


def _content(**changes: object) -> Content:
    base = Content(
        title="Nghị quyết phiên họp thường kỳ",
        summary="Phiên họp thường kỳ tháng 5",
        preamble=("Căn cứ Luật Tổ chức Chính phủ;", "QUYẾT NGHỊ:"),
        sections=(
            Section("item-1", "1. Về dự án Luật A", ("Thông qua dự án Luật A.",)),
            Section("item-2", "2. Về đề án B", ("Giao Bộ B hoàn thiện.", "Báo cáo trong tháng.")),
        ),
        signer=Signer("TM. CHÍNH PHỦ", "THỦ TƯỚNG", "Nguyễn Văn A", 1),
        recipients=(
            Recipient(RecipientKind.MEMBERS, "Các thành viên Chính phủ"),
            Recipient(RecipientKind.AGENCY, "Bộ Tài chính", 7, "000.00.00.G10"),
            Recipient(RecipientKind.TEXT, "Lưu: VT."),
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_json_round_trip_keeps_everything() -> None:
    content = _content()
    assert Content.from_json(json.loads(json.dumps(content.to_json()))) == content


def test_hash_is_sha256_of_canonical_json_whatever_the_key_order() -> None:
    data = _content().to_json()
    shuffled = dict(reversed(list(data.items())))
    assert content_hash(data) == content_hash(shuffled)
    canonical = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    assert content_hash(data) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_any_change_changes_the_hash() -> None:
    one = _content()
    two = _content(title="Nghị quyết phiên họp thường kỳ.")
    assert one.sha256 != two.sha256


def test_clean_collapses_spaces_and_drops_empty_sections() -> None:
    content = _content(
        title="  Nghị quyết   phiên họp ",
        sections=(
            Section("item-1", " 1.  Về A ", ("  Thông  qua. ", "", "   ")),
            Section("m-abc", "", ("",)),
        ),
    )
    cleaned = clean_content(content)
    assert cleaned.title == "Nghị quyết phiên họp"
    assert cleaned.sections == (Section("item-1", "1. Về A", ("Thông qua.",)),)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"title": "   "}, "no_title"),
        ({"summary": ""}, "no_summary"),
        ({"title": "x" * 301}, "too_long"),
        ({"sections": ()}, "no_sections"),
        ({"sections": (Section("item-1", "Chỉ có tiêu đề", ()),)}, "no_sections"),
        (
            {"sections": (Section("a", "A", ("x",)), Section("a", "B", ("y",)))},
            "bad_key",
        ),
        ({"sections": (Section("Bad Key", "A", ("x",)),)}, "bad_key"),
        ({"signer": Signer("TM. CHÍNH PHỦ", " ", "A")}, "no_signer_title"),
        ({"recipients": (Recipient("nowhere", "X"),)}, "bad_recipient"),
        ({"recipients": (Recipient(RecipientKind.AGENCY, "Bộ", None),)}, "bad_recipient"),
    ],
)
def test_clean_refuses_bad_content(changes: dict[str, object], code: str) -> None:
    with pytest.raises(DomainError) as refused:
        clean_content(_content(**changes))
    assert refused.value.code == code


def test_clean_removes_duplicate_recipients() -> None:
    agency = Recipient(RecipientKind.AGENCY, "Bộ Tài chính", 7, "000.00.00.G10")
    cleaned = clean_content(_content(recipients=(agency, agency, Recipient("text", " Lưu: VT. "))))
    assert cleaned.recipients == (agency, Recipient(RecipientKind.TEXT, "Lưu: VT."))


def test_lower_first_keeps_proper_names() -> None:
    assert lower_first("Dự án Luật Đất đai") == "dự án Luật Đất đai"
    assert lower_first("Bộ Tài chính báo cáo") == "Bộ Tài chính báo cáo"
    assert lower_first("Phiên họp thường kỳ") == "phiên họp thường kỳ"


# --- The diff ------------------------------------------------------------------------------


def test_word_diff_marks_only_the_changed_words() -> None:
    segments = word_diff("Giao Bộ B hoàn thiện hồ sơ.", "Giao Bộ C hoàn thiện hồ sơ ngay.")
    assert [(s.op, s.text) for s in segments] == [
        (Op.EQUAL, "Giao Bộ "),
        (Op.DELETE, "B"),
        (Op.INSERT, "C"),
        (Op.EQUAL, " hoàn thiện hồ sơ"),
        (Op.INSERT, " ngay"),
        (Op.EQUAL, "."),
    ]


def test_word_diff_groups_a_run_of_changed_words() -> None:
    segments = word_diff("Giao Bộ hoàn thiện hồ sơ.", "Giao Bộ với các sửa đổi.")
    assert [(s.op, s.text) for s in segments] == [
        (Op.EQUAL, "Giao Bộ "),
        (Op.DELETE, "hoàn thiện hồ sơ"),
        (Op.INSERT, "với các sửa đổi"),
        (Op.EQUAL, "."),
    ]


def test_word_diff_of_equal_texts_has_no_change() -> None:
    assert [s.op for s in word_diff("Thông qua.", "Thông qua.")] == [Op.EQUAL]


def test_sections_are_paired_by_key_and_moves_are_named() -> None:
    old = _content()
    first, second = old.sections
    added = Section("m-1234", "3. Tổ chức thực hiện", ("Các Bộ thực hiện.",))
    new = replace(
        old,
        sections=(replace(second, paragraphs=("Giao Bộ C hoàn thiện.",)), first, added),
    )
    diff = content_diff(old, new)
    by_key = {s.key: s for s in diff.sections}
    assert by_key["item-2"].change == SectionChange.CHANGED
    assert by_key["item-1"].change == SectionChange.UNCHANGED
    # One of the two kept sections is out of its old order.
    assert by_key["item-1"].moved or by_key["item-2"].moved
    assert by_key["m-1234"].change == SectionChange.ADDED
    assert diff.changed
    assert diff.counts == {"unchanged": 1, "changed": 1, "added": 1, "removed": 0}


def test_removed_section_stays_where_it_was() -> None:
    old = _content(
        sections=(
            Section("a", "A", ("a",)),
            Section("b", "B", ("b",)),
            Section("c", "C", ("c",)),
        )
    )
    new = replace(old, sections=(old.sections[0], old.sections[2]))
    diff = content_diff(old, new)
    assert [(s.key, s.change) for s in diff.sections] == [
        ("a", SectionChange.UNCHANGED),
        ("b", SectionChange.REMOVED),
        ("c", SectionChange.UNCHANGED),
    ]
    assert not any(s.moved for s in diff.sections)


def test_field_changes_are_listed() -> None:
    old = _content()
    new = replace(old, summary="Phiên họp thường kỳ tháng 6", recipients=old.recipients[:2])
    fields = {f.name: f for f in content_diff(old, new).fields}
    assert fields["summary"].changed
    assert fields["recipients"].changed
    assert not fields["title"].changed
    assert not content_diff(old, old).changed
