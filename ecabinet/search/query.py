"""Turning what a person typed into plain search terms.

Nothing the user types reaches a full-text query language: the text is split into letters and
digits only (quotes, ``*``, ``:``, ``-``, parentheses and ``^`` separate words; AND, OR, NOT
and NEAR in capitals are dropped), and the backends quote every token themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from ecabinet.core.errors import DomainError
from ecabinet.search.folding import clean, exact_terms, folded_terms

MAX_QUERY_CHARS = 200
MAX_TERMS = 32
MAX_TOKEN_CHARS = 64

# Operators of full-text query languages, typed in capitals: dropped (every word must match).
_OPERATORS_RE = re.compile(r"\b(?:AND|OR|NOT|NEAR)\b")
# Straight and typographic double quotes delimit phrases.
_QUOTES_RE = re.compile(r"[\"“”„«»]")


class SearchQueryError(DomainError):
    """The search text cannot be searched (too long, or nothing searchable in it)."""


@dataclass(frozen=True)
class Term:
    """One word or one quoted phrase: the folded tokens and their accent-exact forms."""

    folded: tuple[str, ...]
    exact: tuple[str, ...]

    @property
    def marked(self) -> tuple[str, ...]:
        """The tokens typed with diacritics (or đ): those whose exact form matters."""
        return tuple(e for f, e in zip(self.folded, self.exact, strict=True) if e != f)


@dataclass(frozen=True)
class ParsedQuery:
    terms: tuple[Term, ...]

    @property
    def is_empty(self) -> bool:
        return not self.terms

    @property
    def has_marks(self) -> bool:
        return any(term.marked for term in self.terms)


def _term(folded: list[str], exact: list[str]) -> Term | None:
    pairs = [(f, e) for f, e in zip(folded, exact, strict=True) if len(f) <= MAX_TOKEN_CHARS]
    if not pairs:
        return None
    return Term(folded=tuple(f for f, _ in pairs), exact=tuple(e for _, e in pairs))


def parse_query(text: str) -> ParsedQuery:
    """Split ``text`` into terms; quoted parts are phrases, the rest single words (all ANDed).

    Raises SearchQueryError when the text is too long. An unbalanced last quote is ignored.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise SearchQueryError(
            _("Nội dung tìm kiếm quá dài: tối đa %(max)d ký tự.") % {"max": MAX_QUERY_CHARS},
            code="search_query_too_long",
        )
    parts = _QUOTES_RE.split(_OPERATORS_RE.sub(" ", clean(text)))
    if len(parts) % 2 == 0:  # an odd number of quotes: the last one opens nothing
        last = parts.pop()
        parts[-1] = f"{parts[-1]} {last}"
    terms: list[Term] = []
    seen: set[tuple[tuple[str, ...], tuple[str, ...]]] = set()
    for index, part in enumerate(parts):
        folded, exact = folded_terms(part), exact_terms(part)
        if index % 2 == 1:
            groups = [(folded, exact)]
        else:
            groups = [([f], [e]) for f, e in zip(folded, exact, strict=True)]
        for group_folded, group_exact in groups:
            term = _term(group_folded, group_exact)
            if term is not None and (term.folded, term.exact) not in seen:
                seen.add((term.folded, term.exact))
                terms.append(term)
    if len(terms) > MAX_TERMS:
        raise SearchQueryError(
            _("Quá nhiều từ cần tìm: tối đa %(max)d từ hoặc cụm từ.") % {"max": MAX_TERMS},
            code="search_query_too_many_terms",
        )
    return ParsedQuery(terms=tuple(terms))
