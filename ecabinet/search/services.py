"""Accent-insensitive Vietnamese full-text search: index, remove, query.

One interface, two backends (SQLite FTS5 in the embedded shape, PostgreSQL full text in the
scale shape); see docs/decisions/0700-search.md. Callers own the identity (``ref``) and the
visibility fields of what they index; the engine never shows an entry outside the caller's
``SearchScope``, not even in counts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Min, Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from ecabinet.search import backends
from ecabinet.search.backends import date_tags
from ecabinet.search.folding import clean, exact_terms, folded_terms
from ecabinet.search.models import SearchEntry
from ecabinet.search.query import (
    MAX_QUERY_CHARS,
    MAX_TOKEN_CHARS,
    ParsedQuery,
    SearchQueryError,
    parse_query,
)
from ecabinet.search.snippets import render_snippet, snippet_for

__all__ = [
    "MAX_QUERY_CHARS",
    "MAX_TEXT_CHARS",
    "RESULT_CAP",
    "Hit",
    "IndexEntry",
    "SearchFilters",
    "SearchPage",
    "SearchQueryError",
    "SearchScope",
    "date_tags",
    "search_index",
    "search_index_many",
    "search_optimize",
    "search_query",
    "search_remove",
]

MAX_TITLE_CHARS = 2_000
MAX_SUMMARY_CHARS = 20_000
MAX_TEXT_CHARS = 1_000_000  # beyond this a text is stored and indexed cut
# A search ranks the RESULT_CAP most recently indexed matches (the only ones paging reaches)
# and counts up to RESULT_CAP; above that the page says "more than RESULT_CAP".
RESULT_CAP = 1_000
MAX_LIMIT = 100
SNIPPET_SCAN_CHARS = 20_000  # snippets are cut from the first part of the text only


@dataclass(frozen=True)
class IndexEntry:
    """What a caller indexes for one of its objects (``ref`` is its identity, e.g. "document:42").

    Visibility: with ``owner_id`` set only that user finds it (a personal space); otherwise
    members of ``body_id`` and parties given ``dossier_id`` in their scope do.
    """

    ref: str
    kind: str
    title: str
    summary: str = ""
    text: str = ""
    body_id: int | None = None
    dossier_id: int | None = None
    owner_id: int | None = None
    doc_type_id: int | None = None
    agency_id: int | None = None
    issued_on: date | None = None
    meeting_ref: str = ""
    ballot_ref: str = ""


@dataclass(frozen=True)
class SearchScope:
    """Who is searching: entries of these bodies or dossiers (not personal), and own entries."""

    body_ids: frozenset[int] = frozenset()
    dossier_ids: frozenset[int] = frozenset()
    owner_id: int | None = None

    @property
    def is_empty(self) -> bool:
        return not self.body_ids and not self.dossier_ids and self.owner_id is None


@dataclass(frozen=True)
class SearchFilters:
    """Metadata filters; every one given must hold (None/"" means no filter)."""

    kind: str | None = None
    doc_type_id: int | None = None
    agency_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    meeting_ref: str | None = None
    ballot_ref: str | None = None
    dossier_id: int | None = None

    @property
    def is_empty(self) -> bool:
        return all(
            value is None or value == ""
            for value in (
                self.kind,
                self.doc_type_id,
                self.agency_id,
                self.date_from,
                self.date_to,
                self.meeting_ref,
                self.ballot_ref,
                self.dossier_id,
            )
        )


@dataclass(frozen=True)
class Hit:
    """One result. ``snippet`` is safe HTML (escaped original text, matches in <mark>)."""

    ref: str
    kind: str
    title: str
    snippet: SafeString
    score: float  # 2 if exact + 1 if every term is in title/summary; 0 when listing by date
    exact: bool  # the words typed with diacritics occur with them (accented queries only)


@dataclass(frozen=True)
class SearchPage:
    hits: list[Hit]
    total: int  # visible matches, counted up to RESULT_CAP
    total_capped: bool = False  # True: more than ``total`` entries match
    offset: int = 0
    limit: int = 20
    has_next: bool = False  # a next page exists (results stop at RESULT_CAP)
    exact_ranking: bool = False  # the query had diacritics: exact matches are listed first
    listing: bool = False  # no search text: entries matching the filters, newest first


# --- Tags: visibility and filters as index tokens --------------------------------------------


def _num(value: int) -> str:
    return str(value) if value >= 0 else f"n{-value}"


def _text_tag(prefix: str, value: str) -> str:
    return prefix + hashlib.sha256(value.encode()).hexdigest()[:20]


def entry_tags(entry: IndexEntry) -> list[str]:
    """Tokens that let the full-text index itself apply scope and filters."""
    tags: list[str] = []
    if entry.owner_id is None:
        if entry.body_id is not None:
            tags.append(f"vb{_num(entry.body_id)}")
        if entry.dossier_id is not None:
            tags.append(f"vd{_num(entry.dossier_id)}")
    else:
        tags.append(f"vo{_num(entry.owner_id)}")
    tags.append(_text_tag("k", entry.kind))
    if entry.doc_type_id is not None:
        tags.append(f"t{_num(entry.doc_type_id)}")
    if entry.agency_id is not None:
        tags.append(f"a{_num(entry.agency_id)}")
    if entry.dossier_id is not None:
        tags.append(f"d{_num(entry.dossier_id)}")
    if entry.meeting_ref:
        tags.append(_text_tag("m", entry.meeting_ref))
    if entry.ballot_ref:
        tags.append(_text_tag("b", entry.ballot_ref))
    if entry.issued_on is not None:
        day = entry.issued_on
        tags += [f"iy{day:%Y}", f"im{day:%Y%m}", f"id{day:%Y%m%d}"]
    return tags


def scope_tags(scope: SearchScope) -> tuple[str, ...]:
    tags = [f"vb{_num(b)}" for b in sorted(scope.body_ids)]
    tags += [f"vd{_num(d)}" for d in sorted(scope.dossier_ids)]
    if scope.owner_id is not None:
        tags.append(f"vo{_num(scope.owner_id)}")
    return tuple(tags)


def filter_tags(filters: SearchFilters) -> tuple[str, ...]:
    tags: list[str] = []
    if filters.kind:
        tags.append(_text_tag("k", filters.kind))
    if filters.doc_type_id is not None:
        tags.append(f"t{_num(filters.doc_type_id)}")
    if filters.agency_id is not None:
        tags.append(f"a{_num(filters.agency_id)}")
    if filters.dossier_id is not None:
        tags.append(f"d{_num(filters.dossier_id)}")
    if filters.meeting_ref:
        tags.append(_text_tag("m", filters.meeting_ref))
    if filters.ballot_ref:
        tags.append(_text_tag("b", filters.ballot_ref))
    return tuple(tags)


def _date_range(filters: SearchFilters) -> tuple[date, date] | None:
    """The filters' date range clamped to the dates in the index (None: no date filter).

    An empty range comes back with its start after its end.
    """
    if filters.date_from is None and filters.date_to is None:
        return None
    # Two queries: each is one index lookup (SQLite does not optimise MIN and MAX together).
    first = SearchEntry.objects.aggregate(first=Min("issued_on"))["first"]
    last = SearchEntry.objects.aggregate(last=Max("issued_on"))["last"]
    if first is None or last is None:
        return (date.max, date.min)
    return (max(filters.date_from or first, first), min(filters.date_to or last, last))


# --- Writing --------------------------------------------------------------------------------


def _check(entry: IndexEntry) -> None:
    if not entry.ref or len(entry.ref) > 200:
        raise ValueError(f"search ref must be 1-200 characters: {entry.ref!r}")
    if not entry.kind or len(entry.kind) > 40:
        raise ValueError(f"search kind must be 1-40 characters: {entry.kind!r}")
    if len(entry.meeting_ref) > 200 or len(entry.ballot_ref) > 200:
        raise ValueError("meeting_ref and ballot_ref must be at most 200 characters")


def entry_row(entry: IndexEntry) -> dict[str, Any]:
    """Column values of an entry: cleaned originals and the shadow token streams."""
    _check(entry)
    title = clean(entry.title)[:MAX_TITLE_CHARS]
    summary = clean(entry.summary)[:MAX_SUMMARY_CHARS]
    text = clean(entry.text)[:MAX_TEXT_CHARS]
    head = f"{title}\n{summary}"
    head_terms = folded_terms(head, MAX_TOKEN_CHARS)
    body_terms = folded_terms(text, MAX_TOKEN_CHARS)
    pairs = ""
    if connection.vendor == "postgresql":
        pairs = " ".join(backends.word_pairs(head_terms) + backends.word_pairs(body_terms))
    return {
        "kind": entry.kind,
        "body_id": entry.body_id,
        "dossier_id": entry.dossier_id,
        "owner_id": entry.owner_id,
        "doc_type_id": entry.doc_type_id,
        "agency_id": entry.agency_id,
        "issued_on": entry.issued_on,
        "meeting_ref": entry.meeting_ref,
        "ballot_ref": entry.ballot_ref,
        "title": title,
        "summary": summary,
        "text": text,
        "tags": " ".join(entry_tags(entry)),
        "fold_head": " ".join(head_terms),
        "fold_body": " ".join(body_terms),
        "exact_terms": " ".join(exact_terms(f"{head}\n{text}", MAX_TOKEN_CHARS)),
        "fold_pairs": pairs,
    }


def search_index(entry: IndexEntry) -> None:
    """Insert or update the entry with ``entry.ref``; the full-text index follows atomically.

    An unchanged entry is not rewritten.
    """
    row = entry_row(entry)
    with transaction.atomic():
        existing = SearchEntry.objects.select_for_update().filter(ref=entry.ref).first()
        if existing is None:
            try:
                with transaction.atomic():
                    SearchEntry.objects.create(ref=entry.ref, updated_at=timezone.now(), **row)
                return
            except IntegrityError:  # indexed concurrently: update that row instead
                existing = SearchEntry.objects.select_for_update().get(ref=entry.ref)
        changed = [name for name, value in row.items() if getattr(existing, name) != value]
        if not changed:
            return
        for name in changed:
            setattr(existing, name, row[name])
        existing.updated_at = timezone.now()
        existing.save(update_fields=[*changed, "updated_at"])


def search_index_many(entries: Iterable[IndexEntry], *, batch_size: int = 500) -> int:
    """Index many entries, one transaction per batch (new refs inserted in bulk).

    Returns the number of entries processed.
    """
    done = 0
    batch: dict[str, IndexEntry] = {}

    def flush() -> None:
        rows = {ref: entry_row(entry) for ref, entry in batch.items()}
        with transaction.atomic():
            existing = set(
                SearchEntry.objects.filter(ref__in=list(rows)).values_list("ref", flat=True)
            )
            now = timezone.now()
            SearchEntry.objects.bulk_create(
                [
                    SearchEntry(ref=ref, updated_at=now, **row)
                    for ref, row in rows.items()
                    if ref not in existing
                ]
            )
            for ref in existing:
                search_index(batch[ref])
        batch.clear()

    for entry in entries:
        batch[entry.ref] = entry
        done += 1
        if len(batch) >= batch_size:
            flush()
    if batch:
        flush()
    return done


def search_remove(ref: str) -> None:
    """Remove the entry with ``ref`` (no error if there is none)."""
    with transaction.atomic():
        SearchEntry.objects.filter(ref=ref).delete()


def search_optimize() -> None:
    """Compact the full-text index and refresh statistics (after a bulk load; optional)."""
    if connection.vendor == "sqlite":
        with transaction.atomic(), connection.cursor() as cursor:
            table = backends.SQLITE_FTS_TABLE
            cursor.execute(f"INSERT INTO {table}({table}) VALUES ('optimize')")  # noqa: S608
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Move GIN's pending list into the index proper, then refresh the statistics.
            cursor.execute("SELECT gin_clean_pending_list('search_entry_gin'::regclass)")
            cursor.execute("ANALYZE search_searchentry")


# --- Reading --------------------------------------------------------------------------------


def _visible(scope: SearchScope) -> Q:
    public = Q(owner_id__isnull=True)
    visible = Q(pk__in=[])
    if scope.body_ids:
        visible |= public & Q(body_id__in=scope.body_ids)
    if scope.dossier_ids:
        visible |= public & Q(dossier_id__in=scope.dossier_ids)
    if scope.owner_id is not None:
        visible |= Q(owner_id=scope.owner_id)
    return visible


def _filtered(filters: SearchFilters) -> Q:
    q = Q()
    if filters.kind:
        q &= Q(kind=filters.kind)
    if filters.doc_type_id is not None:
        q &= Q(doc_type_id=filters.doc_type_id)
    if filters.agency_id is not None:
        q &= Q(agency_id=filters.agency_id)
    if filters.dossier_id is not None:
        q &= Q(dossier_id=filters.dossier_id)
    if filters.meeting_ref:
        q &= Q(meeting_ref=filters.meeting_ref)
    if filters.ballot_ref:
        q &= Q(ballot_ref=filters.ballot_ref)
    if filters.date_from is not None:
        q &= Q(issued_on__gte=filters.date_from)
    if filters.date_to is not None:
        q &= Q(issued_on__lte=filters.date_to)
    return q


def _rows(ids: Sequence[int], scope: SearchScope) -> dict[int, Mapping[str, Any]]:
    """Fields needed to show hits; visibility is checked again in SQL."""
    rows = (
        SearchEntry.objects.filter(pk__in=ids)
        .filter(_visible(scope))
        .values("pk", "ref", "kind", "title", "summary", head=Substr("text", 1, SNIPPET_SCAN_CHARS))
    )
    return {row["pk"]: row for row in rows}


def _listing(scope: SearchScope, filters: SearchFilters, limit: int, offset: int) -> SearchPage:
    entries = SearchEntry.objects.filter(_visible(scope)).filter(_filtered(filters))
    total = entries[: RESULT_CAP + 1].count()
    page: list[int] = []
    if offset < RESULT_CAP:
        page = list(
            entries.order_by(F("issued_on").desc(nulls_last=True), "-pk").values_list(
                "pk", flat=True
            )[offset : min(offset + limit, RESULT_CAP)]
        )
    rows = _rows(page, scope)
    hits = [
        Hit(
            ref=row["ref"],
            kind=row["kind"],
            title=row["title"],
            snippet=render_snippet(row["summary"] or row["head"], []),
            score=0.0,
            exact=False,
        )
        for row in (rows[pk] for pk in page if pk in rows)
    ]
    return SearchPage(
        hits=hits,
        total=min(total, RESULT_CAP),
        total_capped=total > RESULT_CAP,
        offset=offset,
        limit=limit,
        has_next=offset + len(page) < min(total, RESULT_CAP),
        listing=True,
    )


def search_query(
    query: str,
    *,
    scope: SearchScope,
    filters: SearchFilters | None = None,
    limit: int = 20,
    offset: int = 0,
) -> SearchPage:
    """Search what ``scope`` may see. All words must match (accent-insensitively); quoted
    parts are phrases. Entries with the query's diacritics as typed come first, then by
    relevance. Empty text with at least one filter lists the matching entries, newest first.

    Raises SearchQueryError (a DomainError, message in Vietnamese) for a text that is too
    long, has too many terms, has nothing searchable and no filter, or an inverted date range.
    """
    filters = filters or SearchFilters()
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    parsed: ParsedQuery = parse_query(query or "")
    if (
        filters.date_from is not None
        and filters.date_to is not None
        and filters.date_from > filters.date_to
    ):
        raise SearchQueryError(
            _("Khoảng ngày không hợp lệ: ngày bắt đầu sau ngày kết thúc."),
            code="search_query_dates",
        )
    if parsed.is_empty:
        if filters.is_empty:
            raise SearchQueryError(
                _("Hãy nhập từ cần tìm (chữ hoặc số), hoặc chọn ít nhất một bộ lọc."),
                code="search_query_empty",
            )
        if scope.is_empty:
            return SearchPage(hits=[], total=0, offset=offset, limit=limit, listing=True)
        return _listing(scope, filters, limit, offset)
    if scope.is_empty:
        return SearchPage(hits=[], total=0, offset=offset, limit=limit)

    dates = _date_range(filters)
    if dates is not None and dates[0] > dates[1]:
        return SearchPage(hits=[], total=0, offset=offset, limit=limit)
    plan = backends.Plan(
        scope_tags=scope_tags(scope),
        filter_tags=filter_tags(filters),
        terms=parsed.terms,
        date_range=dates,
        exact_ranking=parsed.has_marks,
        narrow=dates is not None or any(t for t in filter_tags(replace(filters, kind=None))),
    )
    backend = backends.backend_for_connection()
    ranked: list[backends.Ranked] = []
    candidates: int | None = None
    if offset < RESULT_CAP:
        page = backend.ranked(
            plan, cap=RESULT_CAP + 1, limit=min(limit, RESULT_CAP - offset), offset=offset
        )
        ranked, candidates = page.rows, page.candidates
    total = candidates if candidates is not None else backend.count(plan, cap=RESULT_CAP + 1)
    rows = _rows([r.id for r in ranked], scope)
    sources = ("head", "summary", "title")
    hits = [
        Hit(
            ref=row["ref"],
            kind=row["kind"],
            title=row["title"],
            snippet=snippet_for([row[s] for s in sources], parsed.terms),
            score=r.score,
            exact=r.exact,
        )
        for r in ranked
        if (row := rows.get(r.id)) is not None
    ]
    return SearchPage(
        hits=hits,
        total=min(total, RESULT_CAP),
        total_capped=total > RESULT_CAP,
        offset=offset,
        limit=limit,
        has_next=offset + len(ranked) < min(total, RESULT_CAP),
        exact_ranking=parsed.has_marks,
    )
