"""The two full-text backends behind one interface, chosen by ``connection.vendor``.

Both receive a ``Plan`` built from sanitised terms (letters and digits only) and tags, and
quote every token themselves, so no user text reaches a query language unquoted. The SQL
text is assembled from constants only (hence the S608 waivers); every value is a parameter.

Ranking is the same on both backends (docs/decisions/0700-search.md). The ``cap`` most
recently indexed matches are the candidates. They are ordered by two signals the index
answers without reading every match, then by recency:

1. exact: the entry has the query's diacritics as typed (tone placement normalised);
2. head: every term occurs in the title or summary.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise
from typing import Any, Protocol

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from ecabinet.search.query import Term

SQLITE_FTS_TABLE = "search_fts"
EXACT_WEIGHT = 2.0
HEAD_WEIGHT = 1.0


@dataclass(frozen=True)
class Plan:
    """What to look for. Entries must carry every filter tag, one of the date tags (when
    given) and one of the scope tags, and match every term."""

    scope_tags: tuple[str, ...]
    filter_tags: tuple[str, ...]
    terms: tuple[Term, ...]
    date_range: tuple[date, date] | None = None  # issued within, both days included
    exact_ranking: bool = True
    narrow: bool = False  # a selective filter (type, agency, dossier, meeting, ballot, dates)

    @property
    def date_tags(self) -> tuple[str, ...]:
        return tuple(date_tags(*self.date_range)) if self.date_range is not None else ()

    def exact_tokens(self) -> list[str]:
        """Tokens typed with diacritics (or đ), each of which an exact match must contain as
        typed; tokens typed without marks accept any marks."""
        if not self.exact_ranking:
            return []
        return list(dict.fromkeys(token for term in self.terms for token in term.marked))


def date_tags(start: date, end: date) -> list[str]:
    """The fewest year, month and day tags (see services.entry_tags) that cover
    ``start``..``end``, both included."""
    tags: list[str] = []
    day = start
    try:
        while day <= end:
            if day.month == 1 and day.day == 1 and date(day.year, 12, 31) <= end:
                tags.append(f"iy{day:%Y}")
                day = date(day.year + 1, 1, 1)
                continue
            next_month = date(day.year + day.month // 12, day.month % 12 + 1, 1)
            if day.day == 1 and next_month - timedelta(days=1) <= end:
                tags.append(f"im{day:%Y%m}")
                day = next_month
                continue
            tags.append(f"id{day:%Y%m%d}")
            day += timedelta(days=1)
    except (OverflowError, ValueError):  # past date.max
        pass
    return tags


def word_pairs(tokens: Sequence[str]) -> list[str]:
    """Adjacent token pairs as single tokens ("cai", "cach" → "3caicach": length-prefixed, so
    different pairs never spell the same token). PostgreSQL matches phrases with them."""
    return [f"{len(a)}{a}{b}" for a, b in pairwise(tokens)]


@dataclass(frozen=True)
class Ranked:
    id: int
    score: float
    exact: bool


@dataclass(frozen=True)
class RankedPage:
    rows: list[Ranked]
    candidates: int | None  # how many candidates there were (None: the page was empty)


class Backend(Protocol):
    def ranked(self, plan: Plan, *, cap: int, limit: int, offset: int) -> RankedPage:
        """The page ``offset:offset+limit`` of the first ``cap`` candidates, ranked."""
        ...

    def count(self, plan: Plan, *, cap: int) -> int:
        """Matching entries, counted up to ``cap``."""
        ...


def _ranked_page(rows: Sequence[tuple[Any, ...]]) -> RankedPage:
    return RankedPage(
        rows=[
            Ranked(
                id=int(pk),
                score=EXACT_WEIGHT * bool(exact) + HEAD_WEIGHT * bool(head),
                exact=bool(exact),
            )
            for pk, exact, head, _ in rows
        ],
        candidates=int(rows[0][3]) if rows else None,
    )


class SqliteBackend:
    """SQLite FTS5 over the shadow columns (tokenizer unicode61, remove_diacritics 0)."""

    fts = SQLITE_FTS_TABLE

    @staticmethod
    def _quote(tokens: Sequence[str]) -> str:
        return '"' + " ".join(tokens).replace('"', '""') + '"'

    def _any(self, tags: Sequence[str]) -> str:
        return "tags : (" + " OR ".join(self._quote([t]) for t in tags) + ")"

    def _words(self, plan: Plan) -> str:
        return " ".join(self._quote(term.folded) for term in plan.terms)

    def _filters(self, plan: Plan) -> list[str]:
        """The selective parts first: FTS5 steps through an AND in the order written."""
        parts = [f"tags : {self._quote([t])}" for t in plan.filter_tags]
        if plan.date_tags:
            parts.append(self._any(plan.date_tags))
        return parts

    def match(self, plan: Plan) -> str:
        parts = self._filters(plan)
        parts.append(f"{{fold_head fold_body}} : ({self._words(plan)})")
        parts.append(self._any(plan.scope_tags))
        return " AND ".join(parts)

    def _candidates(self) -> str:
        fts = self.fts
        return f"SELECT rowid AS id FROM {fts} WHERE {fts} MATCH %s ORDER BY rowid DESC LIMIT %s"  # noqa: S608

    def _signal(self, plan: Plan, condition: str | None) -> tuple[str, list[Any]]:
        """``id`` is among the entries meeting ``condition`` within the candidates' id range
        (the filters narrow that scan; the candidates already satisfy them)."""
        if condition is None:
            return "0", []
        match = " AND ".join([*self._filters(plan), condition])
        return (
            f"id IN (SELECT rowid FROM {self.fts} WHERE {self.fts} MATCH %s "  # noqa: S608
            "AND rowid >= (SELECT lo FROM bounds))",
            [match],
        )

    def ranked(self, plan: Plan, *, cap: int, limit: int, offset: int) -> RankedPage:
        exact_tokens = plan.exact_tokens()
        exact, exact_params = self._signal(
            plan,
            f"exact_terms : ({' '.join(self._quote([t]) for t in exact_tokens)})"
            if exact_tokens
            else None,
        )
        head, head_params = self._signal(plan, f"fold_head : ({self._words(plan)})")
        sql = (
            f"WITH cand AS MATERIALIZED ({self._candidates()}), "  # noqa: S608
            "bounds AS MATERIALIZED (SELECT min(id) AS lo FROM cand) "
            f"SELECT id, {exact} AS exact, {head} AS head, (SELECT count(*) FROM cand) "
            "FROM cand ORDER BY exact DESC, head DESC, id DESC LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.match(plan), cap, *exact_params, *head_params, limit, offset])
            return _ranked_page(cursor.fetchall())

    def count(self, plan: Plan, *, cap: int) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM ({self._candidates()})",  # noqa: S608
                [self.match(plan), cap],
            )
            return int(cursor.fetchone()[0])


# PostgreSQL: entries fall into buckets of 1,024 consecutive ids, and groups of 16 buckets
# (tokens "r<id >> 10>" and "s<id >> 14>" in tags_vector). Candidates are looked for in the
# newest 2 buckets first; if those hold too few, in as many newest buckets as the density
# seen suggests (at most 32), then everywhere. GIN then walks short posting lists, and most
# searches end at the first step.
BUCKET_SHIFT = 10
GROUP_SHIFT = 4  # buckets per group: 16
FIRST_BUCKETS = 2
MAX_BUCKETS = 32


def bucket_tags(buckets: range) -> list[str]:
    """The fewest bucket and group tokens that cover ``buckets``."""
    size = 1 << GROUP_SHIFT
    tags: list[str] = []
    bucket = buckets.start
    while bucket < buckets.stop:
        if bucket % size == 0 and bucket + size <= buckets.stop:
            tags.append(f"s{bucket >> GROUP_SHIFT}")
            bucket += size
        else:
            tags.append(f"r{bucket}")
            bucket += 1
    return tags


class PostgresBackend:
    """PostgreSQL full text: generated tsvector columns ('simple') and one GIN index.

    Every condition is answered by the GIN index (words, tags and id buckets; exact and head
    signals too), so no statement reads each matching row's vectors. The planner does not
    price that reading (detoasting), so the search statements run with sequential and plain
    index scans switched off for their transaction: bitmap scans of the GIN index only.
    """

    @staticmethod
    def _phrase(tokens: Sequence[str]) -> str:
        quoted = [f"'{t}'" for t in tokens]  # tokens hold only letters and digits
        return quoted[0] if len(quoted) == 1 else "(" + " <-> ".join(quoted) + ")"

    def _any(self, tags: Sequence[str]) -> str:
        return "(" + " | ".join(self._phrase([t]) for t in tags) + ")"

    def words(self, plan: Plan) -> str:
        """Every token of every term (phrases are checked with pairs and positions)."""
        tokens = dict.fromkeys(t for term in plan.terms for t in term.folded)
        return " & ".join(self._phrase([t]) for t in tokens)

    def pairs(self, plan: Plan) -> str | None:
        """Adjacent pairs of every phrase: GIN answers two-word phrases exactly and narrows
        longer ones to near-certain matches before positions are checked."""
        pairs = dict.fromkeys(p for term in plan.terms for p in word_pairs(term.folded))
        return " & ".join(self._phrase([p]) for p in pairs) if pairs else None

    def long_phrases(self, plan: Plan) -> str | None:
        phrases = [self._phrase(term.folded) for term in plan.terms if len(term.folded) > 2]
        return " & ".join(phrases) if phrases else None

    def tags(self, plan: Plan, buckets: range | None = None) -> str:
        """Filters, dates, scope and id buckets. GIN drives a scan by the rarest group that
        must match (a filter, the dates, the buckets), so selective tags make it cheap."""
        parts = [self._phrase([t]) for t in plan.filter_tags]
        if plan.date_tags:
            parts.append(self._any(plan.date_tags))
        parts.append(self._any(plan.scope_tags))
        if buckets is not None:
            parts.append(self._buckets(buckets))
        return " & ".join(parts)

    def _buckets(self, buckets: range) -> str:
        return self._any(bucket_tags(buckets))

    def _match(
        self, plan: Plan, buckets: range | None, *, columns: str = "id"
    ) -> tuple[str, list[Any]]:
        """Entries matching everything the GIN index decides exactly (no positions)."""
        sql = (
            f"SELECT {columns} FROM search_searchentry "  # noqa: S608
            "WHERE search_vector @@ to_tsquery('simple'::regconfig, %s) "
            "AND tags_vector @@ to_tsquery('simple'::regconfig, %s) "
        )
        params: list[Any] = [self.words(plan), self.tags(plan, buckets)]
        pairs = self.pairs(plan)
        if pairs is not None:
            sql += "AND pairs_vector @@ to_tsquery('simple'::regconfig, %s) "
            params.append(pairs)
        return sql, params

    def _candidates(self, plan: Plan, buckets: range | None, *, cap: int) -> tuple[str, list[Any]]:
        """The newest ``cap`` matches. Positions of phrases longer than two words are read
        last, newest first, and only until ``cap`` rows pass (a GIN recheck would read them
        for every row)."""
        phrases = self.long_phrases(plan)
        if phrases is None:
            sql, params = self._match(plan, buckets)
            return f"{sql}ORDER BY id DESC LIMIT %s", [*params, cap]
        sql, params = self._match(plan, buckets, columns="id, search_vector")
        return (
            f"WITH m AS MATERIALIZED ({sql}ORDER BY id DESC) SELECT id FROM m "  # noqa: S608
            "WHERE search_vector @@ to_tsquery('simple'::regconfig, %s) LIMIT %s",
            [*params, phrases, cap],
        )

    @contextmanager
    def _bitmap_scans_only(self) -> Iterator[CursorWrapper]:
        """A transaction in which the planner may only use bitmap scans (GIN, B-tree)."""
        outer = connection.in_atomic_block
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting('enable_seqscan'), current_setting('enable_indexscan'), "
                "set_config('enable_seqscan', 'off', true), "
                "set_config('enable_indexscan', 'off', true)"
            )
            seqscan, indexscan, _, _ = cursor.fetchone()
            yield cursor
            if outer:  # a savepoint: the settings would outlive it
                cursor.execute(
                    "SELECT set_config('enable_seqscan', %s, true), "
                    "set_config('enable_indexscan', %s, true)",
                    [seqscan, indexscan],
                )

    def _candidate_ids(self, cursor: CursorWrapper, plan: Plan, top: int, cap: int) -> list[int]:
        # A selective filter drives the GIN scan by itself: no need to start small.
        buckets: range | None = None if plan.narrow else range(top - FIRST_BUCKETS + 1, top + 1)
        while True:
            if buckets is not None and buckets.start <= 0:
                buckets = None  # the whole table
            cursor.execute(*self._candidates(plan, buckets, cap=cap))
            ids = [int(row[0]) for row in cursor.fetchall()]
            if len(ids) >= cap or buckets is None:
                return ids
            # Too few: widen to what the density seen suggests, or to everything.
            wanted = len(buckets) * cap * 5 // (4 * len(ids)) + 1 if ids else MAX_BUCKETS + 1
            buckets = range(top - wanted + 1, top + 1) if wanted <= MAX_BUCKETS else None

    def ranked(self, plan: Plan, *, cap: int, limit: int, offset: int) -> RankedPage:
        with connection.cursor() as cursor:
            cursor.execute("SELECT max(id) FROM search_searchentry")
            newest = cursor.fetchone()[0]
        if newest is None:
            return RankedPage(rows=[], candidates=0)
        words = self.words(plan)
        exact_tokens = plan.exact_tokens()
        exact_query = " & ".join(self._phrase([t]) for t in exact_tokens) if exact_tokens else None
        with self._bitmap_scans_only() as cursor:
            ids = self._candidate_ids(cursor, plan, int(newest) >> BUCKET_SHIFT, cap)
            if not ids:
                return RankedPage(rows=[], candidates=0)
            # The signals are GIN lookups within the candidates' buckets, narrowed by the
            # filters and dates (not by the scope: every candidate is in it).
            spanned = range(min(ids) >> BUCKET_SHIFT, (max(ids) >> BUCKET_SHIFT) + 1)
            narrowing = [self._phrase([t]) for t in plan.filter_tags]
            if plan.date_tags:
                narrowing.append(self._any(plan.date_tags))
            within = " & ".join([*narrowing, self._buckets(spanned)])
            signal = (
                "c.id IN (SELECT id FROM search_searchentry WHERE {} @@ "
                "to_tsquery('simple'::regconfig, %s) "
                "AND tags_vector @@ to_tsquery('simple'::regconfig, %s))"
            )
            exact = signal.format("exact_vector") if exact_query else "false"
            exact_params = [exact_query, within] if exact_query else []
            cursor.execute(
                "WITH c AS (SELECT unnest(%s::bigint[]) AS id) "  # noqa: S608
                f"SELECT c.id, {exact} AS exact, {signal.format('head_vector')} AS head, 0 "
                "FROM c ORDER BY exact DESC, head DESC, c.id DESC LIMIT %s OFFSET %s",
                ["{" + ",".join(map(str, ids)) + "}", *exact_params, words, within, limit, offset],
            )
            rows = cursor.fetchall()
        return RankedPage(rows=_ranked_page(rows).rows, candidates=len(ids))

    def count(self, plan: Plan, *, cap: int) -> int:
        sql, params = self._candidates(plan, None, cap=cap)
        with self._bitmap_scans_only() as cursor:
            cursor.execute(f"SELECT count(*) FROM ({sql}) c", params)  # noqa: S608
            return int(cursor.fetchone()[0])


def backend_for_connection() -> Backend:
    vendor = connection.vendor
    if vendor == "sqlite":
        return SqliteBackend()
    if vendor == "postgresql":
        return PostgresBackend()
    raise NotImplementedError(f"search is not written for {vendor}")
