"""The search engine on the database of the running shape (SQLite FTS5 or PostgreSQL)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db import connection

from ecabinet.search import services
from ecabinet.search.models import SearchEntry
from ecabinet.search.query import parse_query
from ecabinet.search.services import (
    IndexEntry,
    SearchFilters,
    SearchQueryError,
    SearchScope,
    date_tags,
    search_index,
    search_index_many,
    search_optimize,
    search_query,
    search_remove,
)

pytestmark = pytest.mark.django_db

BODY = SearchScope(body_ids=frozenset({1}))


def entry(ref: str, text: str, **fields: object) -> IndexEntry:
    values: dict[str, object] = {"kind": "document", "title": ref, "body_id": 1}
    values.update(fields)
    return IndexEntry(ref=ref, text=text, **values)  # type: ignore[arg-type]


def refs(query: str, scope: SearchScope = BODY, **kwargs: object) -> list[str]:
    return [hit.ref for hit in search_query(query, scope=scope, **kwargs).hits]  # type: ignore[arg-type]


# --- Scope ------------------------------------------------------------------------------------


def test_other_bodies_entries_never_appear_not_even_in_total() -> None:
    search_index(entry("mine", "điều chỉnh quy hoạch"))
    search_index(entry("theirs", "điều chỉnh quy hoạch", body_id=2))
    search_index(entry("theirs-2", "điều chỉnh quy hoạch", body_id=2))
    page = search_query("dieu chinh", scope=BODY)
    assert [h.ref for h in page.hits] == ["mine"]
    assert page.total == 1
    other = search_query("dieu chinh", scope=SearchScope(body_ids=frozenset({2})))
    assert other.total == 2
    assert {h.ref for h in other.hits} == {"theirs", "theirs-2"}


def test_personal_entries_only_for_their_owner() -> None:
    search_index(entry("note-7", "đề án riêng", owner_id=7))  # body 1, but personal
    search_index(entry("public", "đề án chung"))
    assert refs("de an") == ["public"]
    assert search_query("de an", scope=BODY).total == 1
    assert set(refs("de an", SearchScope(body_ids=frozenset({1}), owner_id=7))) == {
        "note-7",
        "public",
    }
    assert refs("de an", SearchScope(owner_id=8)) == []
    assert refs("de an", SearchScope(owner_id=7)) == ["note-7"]


def test_dossier_scope_shows_the_dossier_but_not_personal_papers_in_it() -> None:
    search_index(entry("dossier-doc", "tờ trình đề xuất", body_id=3, dossier_id=55))
    search_index(entry("other-dossier", "tờ trình đề xuất", body_id=3, dossier_id=56))
    search_index(entry("private", "tờ trình đề xuất", body_id=3, dossier_id=55, owner_id=9))
    agency = SearchScope(dossier_ids=frozenset({55}), owner_id=4)
    page = search_query("to trinh", scope=agency)
    assert [h.ref for h in page.hits] == ["dossier-doc"]
    assert page.total == 1


def test_empty_scope_finds_nothing() -> None:
    search_index(entry("a", "quyết định"))
    page = search_query("quyet dinh", scope=SearchScope())
    assert page.hits == []
    assert page.total == 0


def test_scope_with_many_dossiers() -> None:
    search_index(entry("far", "kế hoạch", body_id=9, dossier_id=1499))
    scope = SearchScope(dossier_ids=frozenset(range(1, 1500)))
    assert refs("ke hoach", scope) == ["far"]


def test_query_words_cannot_reach_the_scope_tags() -> None:
    search_index(entry("theirs", "văn bản", body_id=2))
    search_index(entry("mine", "văn bản"))
    for query in ("vb2", "tags:vb2", "tags : vb2 OR van", '"vb2"', "{tags}: vb2", "vb2 OR vb1"):
        page = search_query(query, scope=BODY)
        assert all(h.ref == "mine" for h in page.hits), query
        assert page.total <= 1


# --- Words, phrases, sanitising ---------------------------------------------------------------


def test_all_words_must_match() -> None:
    search_index(entry("both", "điều chỉnh quy hoạch"))
    search_index(entry("one", "điều hành giá"))
    assert refs("dieu chinh") == ["both"]
    assert set(refs("dieu")) == {"both", "one"}


def test_phrase_versus_words() -> None:
    search_index(entry("phrase", "Chính phủ thống nhất"))
    search_index(entry("apart", "chính sách của phủ chủ tịch"))
    assert refs('"chính phủ"') == ["phrase"]
    assert refs('"chinh phu"') == ["phrase"]
    assert set(refs("chính phủ")) == {"phrase", "apart"}


def test_long_phrase_needs_its_words_in_order() -> None:
    search_index(entry("whole", "Đẩy mạnh cải cách thủ tục hành chính."))
    # Every adjacent pair of the phrase occurs, but never the phrase itself.
    search_index(entry("pieces", "Cải cách lớn; cách thu phí mới; thủ tục gọn."))
    assert refs('"cai cach thu tuc"') == ["whole"]
    assert set(refs("cai cach thu tuc")) == {"whole", "pieces"}
    assert refs('"cách thu phí"') == ["pieces"]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"unbalanced',
        "điều*",
        "a:b",
        "-điều",
        "NEAR(điều chỉnh)",
        "điều AND chỉnh",
        "điều OR chỉnh",
        "(điều",
        "chỉnh)",
        "^điều",
        "'",
        "\\",
        "%",
        "điều'; DROP TABLE search_searchentry; --",
        "{fold_head}: điều",
        "fold_body:điều",
        "exact_terms : điều",
        "điều & chỉnh | x ! <-> y",
        "\x00điều",
        "chỉnh * + ~ @ # $",
    ],
)
def test_query_syntax_characters_never_reach_the_database(query: str) -> None:
    search_index(entry("a", "điều chỉnh"))
    if not parse_query(query).terms:  # nothing searchable left: a clear message, not a 500
        with pytest.raises(SearchQueryError, match="Hãy nhập từ cần tìm"):
            search_query(query, scope=BODY)
        return
    page = search_query(query, scope=BODY)
    assert page.total == len(page.hits) <= 1


def test_operator_words_in_capitals_are_dropped() -> None:
    search_index(entry("a", "điều chỉnh"))
    assert refs("điều AND chỉnh") == ["a"]
    assert refs("NEAR(điều chỉnh)") == ["a"]


def test_ten_thousand_characters_is_a_clear_error() -> None:
    with pytest.raises(SearchQueryError) as excinfo:
        search_query("a" * 10_000, scope=BODY)
    assert excinfo.value.code == "search_query_too_long"
    assert "200" in str(excinfo.value)


def test_nothing_searchable_without_filters_is_a_clear_error() -> None:
    for query in ("", "   ", "***", '""', "-:^"):
        with pytest.raises(SearchQueryError) as excinfo:
            search_query(query, scope=BODY)
        assert excinfo.value.code == "search_query_empty"


# --- Filters ----------------------------------------------------------------------------------


@pytest.fixture
def filtered_corpus() -> None:
    common = "báo cáo tình hình"
    search_index(entry("plain", common, issued_on=date(2024, 1, 10)))
    search_index(entry("typed", common, doc_type_id=3, issued_on=date(2024, 3, 1)))
    search_index(entry("agency", common, agency_id=8, issued_on=date(2024, 5, 1)))
    search_index(entry("meeting", common, meeting_ref="meeting:4", dossier_id=12))
    search_index(entry("ballot", common, ballot_ref="ballot:9"))
    search_index(entry("resolution", common, kind="resolution", issued_on=date(2025, 2, 2)))


@pytest.mark.usefixtures("filtered_corpus")
@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (SearchFilters(), {"plain", "typed", "agency", "meeting", "ballot", "resolution"}),
        (SearchFilters(kind="resolution"), {"resolution"}),
        (SearchFilters(kind="document", doc_type_id=3), {"typed"}),
        (SearchFilters(agency_id=8), {"agency"}),
        (SearchFilters(meeting_ref="meeting:4"), {"meeting"}),
        (SearchFilters(ballot_ref="ballot:9"), {"ballot"}),
        (SearchFilters(dossier_id=12), {"meeting"}),
        (SearchFilters(date_from=date(2024, 2, 1)), {"typed", "agency", "resolution"}),
        (SearchFilters(date_to=date(2024, 3, 1)), {"plain", "typed"}),
        (
            SearchFilters(date_from=date(2024, 2, 1), date_to=date(2024, 12, 31)),
            {"typed", "agency"},
        ),
        (SearchFilters(agency_id=8, doc_type_id=3), set()),
        (SearchFilters(meeting_ref="meeting:5"), set()),
    ],
)
def test_filters(filters: SearchFilters, expected: set[str]) -> None:
    page = search_query("bao cao", scope=BODY, filters=filters)
    assert {h.ref for h in page.hits} == expected
    assert page.total == len(expected)


@pytest.mark.usefixtures("filtered_corpus")
def test_filters_without_text_list_entries_newest_first() -> None:
    page = search_query("", scope=BODY, filters=SearchFilters(date_from=date(2024, 1, 1)))
    assert page.listing
    assert [h.ref for h in page.hits] == ["resolution", "agency", "typed", "plain"]
    assert page.total == 4
    other = search_query(
        "", scope=SearchScope(body_ids=frozenset({2})), filters=SearchFilters(kind="document")
    )
    assert other.hits == []
    assert other.total == 0


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2024, 1, 1), date(2025, 12, 31), ["iy2024", "iy2025"]),
        (date(2024, 2, 1), date(2024, 3, 31), ["im202402", "im202403"]),
        (
            date(2024, 2, 28),
            date(2024, 3, 2),
            ["id20240228", "id20240229", "id20240301", "id20240302"],
        ),
        (
            date(2023, 12, 30),
            date(2025, 1, 1),
            ["id20231230", "id20231231", "iy2024", "id20250101"],
        ),
        (date(2024, 5, 2), date(2024, 5, 1), []),
    ],
)
def test_date_tags_cover_the_range_exactly(start: date, end: date, expected: list[str]) -> None:
    assert date_tags(start, end) == expected


def test_date_filter_boundaries_and_undated_entries() -> None:
    search_index(entry("undated", "nghị quyết"))
    search_index(entry("first", "nghị quyết", issued_on=date(2023, 12, 31)))
    search_index(entry("second", "nghị quyết", issued_on=date(2024, 1, 1)))
    search_index(entry("third", "nghị quyết", issued_on=date(2024, 2, 29)))

    def dated(**bounds: date) -> set[str]:
        return {
            h.ref
            for h in search_query("nghi quyet", scope=BODY, filters=SearchFilters(**bounds)).hits
        }

    assert dated(date_from=date(2024, 1, 1)) == {"second", "third"}
    assert dated(date_to=date(2024, 1, 1)) == {"first", "second"}
    assert dated(date_from=date(2024, 2, 29), date_to=date(2024, 2, 29)) == {"third"}
    assert dated(date_from=date(2030, 1, 1)) == set()
    assert dated(date_to=date(1990, 1, 1)) == set()


def test_inverted_date_range_is_a_clear_error() -> None:
    with pytest.raises(SearchQueryError):
        search_query(
            "x",
            scope=BODY,
            filters=SearchFilters(date_from=date(2025, 1, 2), date_to=date(2025, 1, 1)),
        )


# --- Snippets ---------------------------------------------------------------------------------


def test_snippet_shows_the_original_with_marks() -> None:
    search_index(entry("a", "Ủy ban nhân dân tỉnh quyết định ĐIỀU CHỈNH quy hoạch."))
    hit = search_query("dieu chinh", scope=BODY).hits[0]
    assert "<mark>ĐIỀU</mark> <mark>CHỈNH</mark>" in hit.snippet
    phrase = search_query('"dieu chinh quy hoach"', scope=BODY).hits[0]
    assert "<mark>ĐIỀU CHỈNH quy hoạch</mark>" in phrase.snippet


def test_snippet_escapes_html() -> None:
    search_index(entry("x", "<script>alert('điều')</script> <b>điều chỉnh</b> & co"))
    snippet = search_query("điều", scope=BODY).hits[0].snippet
    assert "<script>" not in snippet
    assert "<b>" not in snippet
    assert "&lt;script&gt;" in snippet
    assert "&amp; co" in snippet
    assert snippet.count("<mark>") == 2


def test_snippet_is_cut_around_the_matches() -> None:
    filler = "Nội dung không liên quan. " * 200
    search_index(entry("long", f"{filler}Kết luận về dự án cầu Rạch Miễu. {filler}"))
    snippet = search_query("rach mieu", scope=BODY).hits[0].snippet
    assert "<mark>Rạch</mark> <mark>Miễu</mark>" in snippet
    assert snippet.startswith("…")
    assert snippet.endswith("…")
    assert len(snippet) < 400


def test_snippet_falls_back_to_summary_and_title() -> None:
    search_index(entry("t", "", title="Quyết định số 12", summary="Về việc phê duyệt đề án"))
    hit = search_query("phe duyet", scope=BODY).hits[0]
    assert "<mark>phê</mark> <mark>duyệt</mark>" in hit.snippet
    assert hit.title == "Quyết định số 12"


# --- Index maintenance ------------------------------------------------------------------------


def test_upsert_replaces_the_indexed_text() -> None:
    search_index(entry("doc", "phiên bản cũ về thủy lợi"))
    search_index(entry("doc", "phiên bản mới về giáo dục"))
    assert SearchEntry.objects.filter(ref="doc").count() == 1
    assert refs("thuy loi") == []
    assert refs("giao duc") == ["doc"]


def test_unchanged_entry_is_not_rewritten() -> None:
    search_index(entry("doc", "kế hoạch"))
    before = SearchEntry.objects.get(ref="doc").updated_at
    search_index(entry("doc", "kế hoạch"))
    assert SearchEntry.objects.get(ref="doc").updated_at == before


def test_upsert_moves_an_entry_out_of_scope() -> None:
    search_index(entry("doc", "kế hoạch"))
    search_index(entry("doc", "kế hoạch", body_id=2))
    assert search_query("ke hoach", scope=BODY).total == 0


def test_remove() -> None:
    search_index(entry("doc", "kế hoạch"))
    search_index(entry("other", "kế hoạch"))
    search_remove("doc")
    search_remove("doc")  # already gone: no error
    assert refs("ke hoach") == ["other"]
    assert search_query("ke hoach", scope=BODY).total == 1


def test_index_many_inserts_and_updates() -> None:
    search_index(entry("d1", "cũ"))
    count = search_index_many(
        [entry("d1", "mới nhất"), entry("d2", "mới nhất"), entry("d3", "khác")], batch_size=2
    )
    assert count == 3
    assert set(refs("moi nhat")) == {"d1", "d2"}
    assert refs("cu") == []


def test_control_characters_and_long_text_are_stored_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "MAX_TEXT_CHARS", 50)
    search_index(entry("nul", "điều\x00chỉnh " + "x " * 100 + "cuối"))
    stored = SearchEntry.objects.get(ref="nul")
    assert stored.text.startswith("điều chỉnh ")
    assert len(stored.text) == 50
    assert refs('"dieu chinh"') == ["nul"]
    assert refs("cuoi") == []


def test_optimize_keeps_the_index_usable() -> None:
    search_index_many(entry(f"d{i}", f"kế hoạch số {i}") for i in range(5))
    search_remove("d0")
    search_optimize()
    assert search_query("ke hoach", scope=BODY).total == 4
    assert refs('"so 3"') == ["d3"]


def test_bad_entries_are_refused() -> None:
    with pytest.raises(ValueError, match="ref"):
        search_index(entry("", "x"))
    with pytest.raises(ValueError, match="kind"):
        search_index(entry("a", "x", kind=""))


# --- Paging and caps --------------------------------------------------------------------------


def test_paging() -> None:
    search_index_many(entry(f"d{i}", f"thông báo số {i}") for i in range(25))
    first = search_query("thong bao", scope=BODY, limit=10)
    second = search_query("thong bao", scope=BODY, limit=10, offset=10)
    third = search_query("thong bao", scope=BODY, limit=10, offset=20)
    assert first.total == second.total == third.total == 25
    assert first.has_next
    assert second.has_next
    assert not third.has_next
    seen = [h.ref for page in (first, second, third) for h in page.hits]
    assert sorted(seen) == sorted(f"d{i}" for i in range(25))


def test_results_are_capped_to_recent_matches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "RESULT_CAP", 3)
    search_index_many(entry(f"d{i}", "thông báo") for i in range(6))
    page = search_query("thong bao", scope=BODY, limit=10)
    assert {h.ref for h in page.hits} <= {"d2", "d3", "d4", "d5"}  # the most recently indexed
    assert len(page.hits) == 3
    assert page.total == 3
    assert page.total_capped
    assert not page.has_next
    beyond = search_query("thong bao", scope=BODY, offset=3)
    assert beyond.hits == []
    assert beyond.total == 3
    assert beyond.total_capped
    listing = search_query("", scope=BODY, filters=SearchFilters(kind="document"), limit=2)
    assert listing.total == 3
    assert listing.total_capped
    assert listing.has_next
    assert (
        len(search_query("", scope=BODY, filters=SearchFilters(kind="document"), offset=2).hits)
        == 1
    )


def test_candidates_far_apart_in_id_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """On PostgreSQL the search widens from the newest id buckets to all; same results."""
    monkeypatch.setattr(services, "RESULT_CAP", 2)
    for ref, new_id in (("old", 10), ("middle", 5_000), ("new", 9_000), ("newest", 9_100)):
        search_index(entry(ref, "biên bản họp" if ref != "newest" else "thông báo"))
        SearchEntry.objects.filter(ref=ref).update(id=new_id)
    page = search_query("bien ban", scope=BODY)
    assert [h.ref for h in page.hits] == ["new", "middle"]
    assert page.total == 2
    assert page.total_capped
    one = search_query('"bien ban" hop', scope=BODY, filters=SearchFilters(kind="document"))
    assert [h.ref for h in one.hits] == ["new", "middle"]
    search_remove("middle")
    assert refs("bien ban") == ["new", "old"]


def test_total_of_a_page_beyond_the_end() -> None:
    search_index_many(entry(f"d{i}", "thông báo") for i in range(3))
    page = search_query("thong bao", scope=BODY, offset=40)
    assert page.hits == []
    assert page.total == 3
    assert not page.has_next


# --- Backend plumbing -------------------------------------------------------------------------


def test_sqlite_triggers_are_installed() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLITE ONLY: FTS5 table and triggers exist in the embedded shape only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT type, name FROM sqlite_master WHERE name LIKE 'search_%'")
        names = {name for _, name in cursor.fetchall()}
    assert {"search_fts", "search_entry_ai", "search_entry_ad", "search_entry_au"} <= names


def test_sqlite_fts_follows_deletes_made_outside_the_service() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLITE ONLY: the FTS5 table is kept in sync by triggers")
    search_index(entry("a", "kế hoạch"))
    SearchEntry.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM search_fts WHERE search_fts MATCH 'ke'")
        assert cursor.fetchone()[0] == 0


def test_postgresql_vectors_and_gin_indexes_exist() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("POSTGRESQL ONLY: generated tsvector columns exist in the scale shape only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'search_searchentry' "
            "AND indexdef LIKE '%USING gin%'"
        )
        assert {row[0] for row in cursor.fetchall()} == {"search_entry_gin"}
    search_index(entry("a", "Kế hoạch", owner_id=3))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector::text, tags_vector::text, exact_vector::text "
            "FROM search_searchentry WHERE ref = 'a'"
        )
        words, tags, exact = cursor.fetchone()
    assert "'ke'" in words
    assert "'vo3'" in tags
    assert re.search(r"'r\d+'", tags)  # the id bucket
    assert re.search(r"'s\d+'", tags)  # and its group
    assert "'vo3'" not in words
    assert "'kế'" in exact
