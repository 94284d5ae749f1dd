"""Vietnamese text forms for search: clean, normalised (accent-sensitive) and folded.

``clean(text)``, ``normalise(text)`` and ``fold(text)`` have the same length and are aligned
character by character: position ``i`` of the folded text is the folded form of position ``i``
of the cleaned original. A match found in the folded text therefore marks the same slice of
the original (with its diacritics). See docs/decisions/0700-search.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

# Tone marks (thanh điệu): huyền, sắc, hỏi, ngã, nặng.
_TONES = frozenset("\u0300\u0301\u0309\u0303\u0323")
# Vowel quality marks: breve (ă), circumflex (â ê ô), horn (ơ ư).
_QUALITY = frozenset("\u0306\u0302\u031b")
_VOWELS = frozenset("aeiouy")
_FINALS = frozenset({"", "c", "ch", "m", "n", "ng", "nh", "p", "t"})
# Open syllables whose tone may sit on either vowel; canonical form: on the second
# ("hoà", "khoẻ", "thuỷ", "uỷ"), the placement that follows the main vowel.
_SECOND_VOWEL_PAIRS = frozenset({"oa", "oe", "uy"})

# Words for ``normalise``: letters and digits, with marks NFC could not compose.
_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f"
TOKEN_RE = re.compile(rf"[^\W_](?:[^\W_]|[{_MARKS}])*")

# Characters that would break storage or display (NUL is refused by PostgreSQL).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")

# Letters that carry a mark Unicode does not decompose.
_SPECIAL_FOLDS = {"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ø": "o", "Ø": "o", "ł": "l", "Ł": "l"}


def _fold_char(ch: str) -> str:
    """The folded form of one character, always exactly one character."""
    special = _SPECIAL_FOLDS.get(ch)
    if special is not None:
        return special
    decomposed = unicodedata.normalize("NFD", ch)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    if not stripped:  # a lone combining mark: kept, tokens drop it later
        return ch
    for candidate in (stripped.casefold(), stripped.lower(), ch.lower()):
        if len(candidate) == 1:
            return candidate
    return ch


def _lower_char(ch: str) -> str:
    lowered = ch.lower()
    if len(lowered) == 1:
        return lowered
    return _fold_char(ch) if ch == "\u0130" else ch  # "İ" lowers to two characters


class _CharTable(dict[int, int]):
    """A ``str.translate`` table filled on first use (each code point computed once)."""

    def __init__(self, compute: Callable[[str], str]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, key: int) -> int:
        value = ord(self._compute(chr(key)))
        self[key] = value
        return value


_FOLD_TABLE = _CharTable(_fold_char)
_LOWER_TABLE = _CharTable(_lower_char)


def _token_char(convert: Callable[[str], str]) -> Callable[[str], str]:
    """Letters and digits converted, combining marks dropped, anything else a space."""

    def compute(ch: str) -> str:
        if unicodedata.combining(ch):
            return ""
        return convert(ch) if ch.isalnum() else " "

    return compute


class _TokenTable(dict[int, str]):
    """A ``str.translate`` table that may delete characters (marks) or turn them into spaces."""

    def __init__(self, compute: Callable[[str], str]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, key: int) -> str:
        value = self._compute(chr(key))
        self[key] = value
        return value


# Token streams: the index and the query parser split text with these two tables, so a word
# is the same token sequence on both sides, and the two streams always have the same length.
_FOLD_TOKENS = _TokenTable(_token_char(_fold_char))
_EXACT_TOKENS = _TokenTable(_token_char(_lower_char))


def clean(text: str) -> str:
    """NFC, with control characters replaced by spaces: the form stored and displayed."""
    return _CONTROL_RE.sub(" ", unicodedata.normalize("NFC", text))


def _split(ch: str) -> tuple[str, str, str]:
    """(base letter, quality marks, tone mark) of a lower-case letter."""
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], decomposed[1:]
    tone = "".join(m for m in marks if m in _TONES)
    quality = "".join(m for m in marks if m not in _TONES)
    return base, quality, tone


def _tone_position(bases: str, qualities: list[str], onset: str, final: str) -> int | None:
    """Index (in the syllable) where the tone belongs, or None if this is not a syllable."""
    start = len(onset)
    nucleus = bases[start : len(bases) - len(final)]
    # "qu" and "gi": the u / i belongs to the onset when another vowel follows.
    if len(nucleus) > 1 and (
        (onset.endswith("q") and nucleus[0] == "u") or (onset == "g" and nucleus[0] == "i")
    ):
        start += 1
        nucleus = nucleus[1:]
    if not nucleus or len(nucleus) > 3:
        return None
    marked = [i for i in range(len(nucleus)) if qualities[start + i]]
    if marked:
        return start + marked[-1]  # ư ơ → ơ ("người"), iê → ê, uô → ô
    if final or len(nucleus) == 1:
        return start + len(nucleus) - 1
    if len(nucleus) == 3:
        return start + 1  # "ngoài", "khuỷu"
    return start + (1 if nucleus in _SECOND_VOWEL_PAIRS else 0)


def _canonical_syllable(token: str) -> str:
    """Move the single tone mark of a lower-case Vietnamese syllable to its canonical place."""
    parts = [_split(ch) for ch in token]
    tones = [(i, tone) for i, (_, _, tone) in enumerate(parts) if tone]
    if len(tones) != 1 or len(tones[0][1]) != 1:
        return token
    bases = "".join(base for base, _, _ in parts)
    qualities = [quality for _, quality, _ in parts]
    if any(q and (len(q) > 1 or q not in _QUALITY) for q in qualities):
        return token  # marks foreign to Vietnamese ("naïve"): leave alone
    if not all("a" <= b <= "z" or b == "đ" for b in bases):
        return token
    vowel_at = [i for i, b in enumerate(bases) if b in _VOWELS]
    if not vowel_at or vowel_at[-1] - vowel_at[0] + 1 != len(vowel_at):
        return token  # not one vowel cluster: not a single syllable
    onset, final = bases[: vowel_at[0]], bases[vowel_at[-1] + 1 :]
    if final not in _FINALS:
        return token
    target = _tone_position(bases, qualities, onset, final)
    current, tone = tones[0]
    if target is None or target == current:
        return token
    letters = list(token)
    for index, with_tone in ((current, ""), (target, tone)):
        base, quality, _ = parts[index]
        letters[index] = unicodedata.normalize("NFC", base + quality + with_tone)
    return "".join(letters)


class _TokenCache(dict[str, str]):
    """Canonical spelling per distinct token, computed once (a language has few syllables)."""

    limit = 200_000

    def __missing__(self, token: str) -> str:
        if len(self) >= self.limit:
            self.clear()
        value = token if token.isascii() else _canonical_syllable(token)
        self[token] = value
        return value


_CANONICAL = _TokenCache()


def canonical_token(token: str) -> str:
    """Canonical tone placement of one lower-case token ("ủy" → "uỷ", "hỏa" → "hoả")."""
    return _CANONICAL[token]


def lower(cleaned: str) -> str:
    """Lower case, one character for one ("İ" becomes "i")."""
    if cleaned.isascii():
        return cleaned.lower()
    return cleaned.translate(_LOWER_TABLE)


def normalise(text: str) -> str:
    """Accent-sensitive comparison form: NFC, lower case, canonical tone placement.

    Same length as ``clean(text)`` and ``fold(text)``.
    """
    lowered = lower(clean(text))
    return TOKEN_RE.sub(lambda m: canonical_token(m.group()), lowered)


def fold(text: str) -> str:
    """Accent-insensitive form: marks dropped, đ→d, case folded; aligned with ``clean(text)``."""
    cleaned = clean(text)
    if cleaned.isascii():
        return cleaned.lower()
    return cleaned.translate(_FOLD_TABLE)


def _short(tokens: list[str], max_chars: int | None) -> list[str]:
    if max_chars is None or not tokens or max(map(len, tokens)) <= max_chars:
        return tokens
    return [t for t in tokens if len(t) <= max_chars]


def folded_terms(text: str, max_chars: int | None = None) -> list[str]:
    """Folded tokens of ``text``: what the accent-insensitive index holds."""
    return _short(clean(text).translate(_FOLD_TOKENS).split(), max_chars)


def exact_terms(text: str, max_chars: int | None = None) -> list[str]:
    """Normalised tokens of ``text`` (diacritics kept): what the accent-exact index holds.

    Always as many as ``folded_terms(text)`` (without ``max_chars``), token for token.
    """
    tokens = clean(text).translate(_EXACT_TOKENS).split()
    return _short(list(map(_CANONICAL.__getitem__, tokens)), max_chars)
