"""Highlighted snippets cut from the original text (diacritics kept), HTML-escaped."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ecabinet.search.folding import fold
from ecabinet.search.query import Term

SNIPPET_CHARS = 240
CONTEXT_BEFORE = 60
ELLIPSIS = "…"

Span = tuple[int, int, int]  # start, end, index of the term matched


MAX_SPANS = 64  # enough to choose a window; a long text stops being scanned there

_BEFORE = r"(?<![^\W_])"  # not preceded by a letter or digit
_AFTER = r"(?![^\W_])"
_BETWEEN = r"[\W_]+"  # what separates the words of a phrase
# Latin letters with their marks (Vietnamese included), by the letter they fold to.
_LATIN = (range(0x41, 0x5B), range(0x61, 0x7B), range(0xC0, 0x250), range(0x1E00, 0x1F00))


def _letter_classes() -> dict[str, str]:
    """For each folded letter, a regex class of every letter that folds to it ("d" → [dDđĐ])."""
    variants: dict[str, list[str]] = {}
    for block in _LATIN:
        for code in block:
            letter = chr(code)
            folded = fold(letter)
            if folded.isascii() and folded.isalpha():
                variants.setdefault(folded, []).append(letter)
    return {base: "[" + "".join(letters) + "]" for base, letters in variants.items()}


_CLASSES = _letter_classes()


def _token_pattern(token: str) -> str:
    return "".join(_CLASSES.get(ch) or re.escape(ch) for ch in token)


def _pattern(terms: Sequence[Term]) -> re.Pattern[str]:
    """A regex over the original text matching every term accent- and case-insensitively."""
    alternatives = sorted(
        (
            (index, _BETWEEN.join(_token_pattern(t) for t in term.folded))
            for index, term in enumerate(terms)
        ),
        key=lambda item: -len(item[1]),
    )
    groups = "|".join(f"(?P<t{index}>{pattern})" for index, pattern in alternatives)
    return re.compile(f"{_BEFORE}(?:{groups}){_AFTER}", re.IGNORECASE)


def match_spans(text: str, terms: Sequence[Term]) -> list[Span]:
    """Spans of ``text`` where a term (a word or a whole phrase) matches accent-insensitively.

    The regex runs on the text itself; a letter matches every letter that folds like it, so
    this finds what searching ``fold(text)`` would (the two are aligned character by
    character).
    """
    if not terms:
        return []
    spans: list[Span] = []
    seen: set[int] = set()
    complete_at: int | None = None  # where every term had been seen at least once
    for match in _pattern(terms).finditer(text):
        if complete_at is not None and match.start() > complete_at + SNIPPET_CHARS:
            break  # a window holding every term exists already
        if spans and match.start() > spans[0][0] + 4 * SNIPPET_CHARS:
            break  # far enough from the first match: choose among what was found
        term = int((match.lastgroup or "t0")[1:])
        spans.append((match.start(), match.end(), term))
        seen.add(term)
        if complete_at is None and len(seen) == len(terms):
            complete_at = match.end()
        if len(spans) >= MAX_SPANS:
            break
    return spans


def _best_window(spans: list[Span], width: int) -> tuple[int, int]:
    """(first, last) span indexes of the window of ``width`` chars with most distinct terms."""
    best = (0, 0)
    best_key = (-1, -1)
    last = 0
    for first, (start, _, _) in enumerate(spans):
        last = max(last, first)
        while last + 1 < len(spans) and spans[last + 1][1] - start <= width:
            last += 1
        window = spans[first : last + 1]
        key = (len({s[2] for s in window}), len(window))
        if key > best_key:
            best_key, best = key, (first, last)
    return best


def _word_start(text: str, index: int) -> int:
    """Move ``index`` back to the start of the word it is in (or stay at a space)."""
    while index > 0 and not text[index - 1].isspace():
        index -= 1
    return index


def _word_end(text: str, index: int) -> int:
    while index < len(text) and not text[index].isspace():
        index += 1
    return index


def render_snippet(text: str, spans: list[Span], width: int = SNIPPET_CHARS) -> SafeString:
    """Cut a window of about ``width`` characters around the best spans and mark them."""
    if not spans:
        end = _word_end(text, min(len(text), width)) if len(text) > width else len(text)
        body = escape(" ".join(text[:end].split()))
        return mark_safe(body + (ELLIPSIS if end < len(text) else ""))  # noqa: S308
    first, last = _best_window(spans, width)
    chosen = spans[first : last + 1]
    start = _word_start(text, max(0, chosen[0][0] - CONTEXT_BEFORE))
    end = max(chosen[-1][1], min(len(text), start + width))
    end = _word_end(text, end) if end < len(text) else end
    if end - start > width * 2:  # one very long "word": cut it hard
        start, end = max(0, chosen[0][0] - CONTEXT_BEFORE), min(len(text), chosen[-1][1] + 60)
    parts: list[str] = [ELLIPSIS] if start > 0 else []
    cursor = start
    for span_start, span_end, _ in spans:
        if span_end <= start or span_start >= end or span_start < cursor:
            continue
        parts.append(escape(text[cursor:span_start]))
        parts.append(f"<mark>{escape(text[span_start:span_end])}</mark>")
        cursor = span_end
    parts.append(escape(text[cursor:end]))
    if end < len(text):
        parts.append(ELLIPSIS)
    html = "".join(parts)
    return mark_safe(" ".join(html.split()))  # noqa: S308 (every piece is escaped above)


def snippet_for(sources: Sequence[str], terms: Sequence[Term]) -> SafeString:
    """The snippet from the first source (text, summary, title) in which a term matches."""
    for source in sources:
        if source:
            spans = match_spans(source, terms)
            if spans:
                return render_snippet(source, spans)
    for source in sources:
        if source:
            return render_snippet(source, [])
    return mark_safe("")
