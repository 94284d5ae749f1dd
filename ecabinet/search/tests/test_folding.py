"""Folding and normalisation of Vietnamese text (no database)."""

from __future__ import annotations

import unicodedata

import pytest

from ecabinet.search.folding import (
    canonical_token,
    clean,
    exact_terms,
    fold,
    folded_terms,
    normalise,
)
from ecabinet.search.query import MAX_QUERY_CHARS, SearchQueryError, parse_query


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("điều chỉnh", "dieu chinh"),
        ("Đề án", "de an"),
        ("ĐỀ ÁN", "de an"),
        ("Quyết định", "quyet dinh"),
        ("việc", "viec"),
        ("phiếu", "phieu"),
        ("người", "nguoi"),
        ("Nguyễn Thị Thanh Hương", "nguyen thi thanh huong"),
        ("Đắk Lắk", "dak lak"),
        ("ủy uỷ Ủy UỶ", "uy uy uy uy"),
        ("hỏa hoả", "hoa hoa"),
        ("thủy thuỷ", "thuy thuy"),
        ("ăn ơn ưng ân", "an on ung an"),
    ],
)
def test_fold_drops_marks_and_d_bar(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_handles_decomposed_input() -> None:
    decomposed = unicodedata.normalize("NFD", "Quyết định về việc phiếu")
    assert fold(decomposed) == "quyet dinh ve viec phieu"
    assert normalise(decomposed) == "quyết định về việc phiếu"


@pytest.mark.parametrize(
    ("variants", "canonical"),
    [
        (("uỷ", "ủy", "Ủy", "UỶ"), "uỷ"),
        (("hoả", "hỏa", "HỎA"), "hoả"),
        (("thuỷ", "thủy", "Thủy"), "thuỷ"),
        (("hoà", "hòa", "Hòa"), "hoà"),
        (("khoẻ", "khỏe"), "khoẻ"),
        (("tuỳ", "tùy"), "tuỳ"),
        (("quả", "qủa"), "quả"),  # a misplaced tone after "qu" is moved back
        (("ngoài", "ngòai"), "ngoài"),
    ],
)
def test_tone_placement_is_normalised(variants: tuple[str, ...], canonical: str) -> None:
    for variant in variants:
        assert normalise(variant) == canonical, variant


@pytest.mark.parametrize(
    "word",
    [
        "quyết",
        "việc",
        "phiếu",
        "người",
        "hoàng",
        "thuyền",
        "khuỷu",
        "giữ",
        "gì",
        "quý",
        "của",
        "mùa",
        "hươu",
        "đường",
        "chịu",
        "nghiêng",
        "hoạch",
        "huỳnh",
    ],
)
def test_canonical_syllables_stay_as_they_are(word: str) -> None:
    assert canonical_token(word) == word


@pytest.mark.parametrize("word", ["café", "naïve", "résumé", "e-mail", "x̃yz", "İstanbul"])
def test_foreign_words_are_left_alone(word: str) -> None:
    lowered = clean(word).lower() if word != "İstanbul" else "istanbul"
    assert normalise(word) == lowered


@pytest.mark.parametrize(
    "text",
    [
        "Ủy ban nhân dân tỉnh Thanh Hóa quyết định",
        unicodedata.normalize("NFD", "Quyết định của THỦ TƯỚNG về việc phiếu"),
        "İstanbul ß ǅ ﬁ Ⅻ",
        "a\u0331b x\u0303 \x00 tab\tend",
        "<script>alert('đ')</script>",
        "",
    ],
)
def test_clean_normalise_and_fold_are_aligned(text: str) -> None:
    cleaned, normalised, folded = clean(text), normalise(text), fold(text)
    assert len(cleaned) == len(normalised) == len(folded)
    for original, low, flat in zip(cleaned, normalised, folded, strict=True):
        assert fold(original) == flat
        assert len(low) == 1


def test_fold_position_maps_to_the_original_slice() -> None:
    text = "Về việc ĐIỀU CHỈNH quy hoạch"
    start = fold(text).index("dieu chinh")
    assert clean(text)[start : start + len("dieu chinh")] == "ĐIỀU CHỈNH"


def test_clean_replaces_control_characters() -> None:
    assert clean("a\x00b\x07c\nd") == "a b c\nd"


def test_terms_streams_are_aligned() -> None:
    text = "Ủy ban quyết định: điều chỉnh đề án 05/2020/NĐ-CP"
    assert folded_terms(text) == [
        "uy",
        "ban",
        "quyet",
        "dinh",
        "dieu",
        "chinh",
        "de",
        "an",
        "05",
        "2020",
        "nd",
        "cp",
    ]
    assert exact_terms(text)[:4] == ["uỷ", "ban", "quyết", "định"]
    assert len(folded_terms(text)) == len(exact_terms(text))


def test_parse_query_words_and_phrases() -> None:
    parsed = parse_query('quyet dinh "chính phủ" Uỷ')
    assert [t.folded for t in parsed.terms] == [("quyet",), ("dinh",), ("chinh", "phu"), ("uy",)]
    assert [t.exact for t in parsed.terms][2:] == [("chính", "phủ"), ("uỷ",)]
    assert parsed.has_marks
    assert not parse_query("quyet dinh").has_marks


def test_parse_query_tone_variants_give_one_exact_form() -> None:
    assert parse_query("ủy").terms == parse_query("uỷ").terms == parse_query("ỦY").terms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"unbalanced quote', [("unbalanced",), ("quote",)]),
        ('a "b c" "d e', [("a",), ("b", "c"), ("d",), ("e",)]),
        ("NEAR(a b) AND c OR d NOT e", [("a",), ("b",), ("c",), ("d",), ("e",)]),
        ("tags:vb2 fold_head:x", [("tags",), ("vb2",), ("fold",), ("head",), ("x",)]),
        ("a* -b ^c (d) {e}: f' g\\", [("a",), ("b",), ("c",), ("d",), ("e",), ("f",), ("g",)]),
        ("“chính phủ”", [("chinh", "phu")]),
        ("***", []),
        ('""', []),
    ],
)
def test_parse_query_strips_query_syntax(text: str, expected: list[tuple[str, ...]]) -> None:
    assert [t.folded for t in parse_query(text).terms] == expected


def test_parse_query_refuses_long_text() -> None:
    parse_query("x" * MAX_QUERY_CHARS)
    with pytest.raises(SearchQueryError) as excinfo:
        parse_query("điều chỉnh " * 1000)
    assert "tối đa 200 ký tự" in str(excinfo.value)


def test_parse_query_refuses_too_many_terms() -> None:
    with pytest.raises(SearchQueryError):
        parse_query(" ".join(f"w{i}" for i in range(40)))
