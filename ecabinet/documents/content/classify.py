"""The classification gate: find a state-secret mark ("MẬT", "TỐI MẬT", "TUYỆT MẬT").

Such material belongs to the classified channel and is refused here. A mark counts when it
stands as a stamp or heading: a line holding the mark alone, in capitals, possibly framed or
decorated ("- TUYỆT MẬT -", "[MẬT]", "M Ậ T") or labelled ("ĐỘ MẬT: TỐI MẬT"); in the first
lines of a page also as a cell of a header row ("BỘ TÀI CHÍNH    MẬT"). The word inside
ordinary prose ("bí mật", "mật khẩu", "mật độ dân số", "mật ong") does not count.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

SECRET_MARKS = ("TUYỆT MẬT", "TỐI MẬT", "MẬT")  # strongest first
# How many non-empty lines at the top of a page are read as a header (agency | stamp).
HEADER_LINES = 8

_MARK_TOKENS = {tuple(mark.split()): mark for mark in SECRET_MARKS}
_MARK_JOINED = {mark.replace(" ", ""): mark for mark in SECRET_MARKS}
# "Độ mật:" — the label of the classification field, in any case.
_LABEL = re.compile(r"^\W*độ\s+mật\s*[:：]?\s*", re.IGNORECASE)
# Header cells: columns laid out with tabs or runs of spaces.
_CELL_SPLIT = re.compile(r"\t+| {2,}|\u00a0{2,}")
_MARK_ALTERNATIVES = "|".join(re.escape(mark).replace(r"\ ", r"\s+") for mark in SECRET_MARKS)
# Metadata: a field that opens with a capitalised mark followed by punctuation or its end.
_FIELD_PREFIX = re.compile(rf"^[^\w]*({_MARK_ALTERNATIVES})\s*(?:[-–—:|/.,;)\]»]|$)")
# Metadata: a capitalised mark in brackets anywhere: "Báo cáo (MẬT)".
_FIELD_BRACKETED = re.compile(rf"[(\[]\s*({_MARK_ALTERNATIVES})\s*[)\]]")


def secret_mark(text: str | Sequence[str]) -> str | None:
    """The strongest secret mark stamped in ``text`` (or in each page of a list), else None."""
    pages = [text] if isinstance(text, str) else list(text)
    found: list[str] = []
    for page in pages:
        for chunk in unicodedata.normalize("NFC", page).split("\f"):
            found += _page_marks(chunk)
    return _strongest(found)


def secret_mark_in_metadata(*fields: str) -> str | None:
    """The strongest secret mark set in metadata (title, summary, a "Độ mật" field), else None.

    A field counts when it is a mark (any case, "Tối mật"), is labelled ("Độ mật: Mật"),
    opens with a capitalised mark followed by punctuation ("MẬT - Báo cáo ...", "TỐI MẬT:")
    or holds one in brackets ("Báo cáo (TUYỆT MẬT)").
    """
    found: list[str] = []
    for field in fields:
        value = " ".join(unicodedata.normalize("NFC", field or "").split())
        if not value:
            continue
        mark = _mark_of(value, any_case=True)
        if mark is None:
            match = _FIELD_PREFIX.match(value) or _FIELD_BRACKETED.search(value)
            mark = _canonical(match[1]) if match else None
        if mark is not None:
            found.append(mark)
    return _strongest(found)


def _page_marks(page: str) -> list[str]:
    found: list[str] = []
    previous = ""
    header_left = HEADER_LINES
    for raw in page.split("\n"):
        line = raw.strip()
        if not line:
            continue
        mark = _mark_of(line)
        # "... BẢO VỆ BÍ" + "MẬT": a capitalised title wrapped before the last word.
        if mark == "MẬT" and previous.split()[-1:] == ["BÍ"]:
            mark = None
        if mark is None and header_left > 0:
            cells = [cell for cell in _CELL_SPLIT.split(raw) if cell.strip()]
            if len(cells) > 1:
                marks = (_mark_of(cell.strip()) for cell in cells)
                mark = _strongest([m for m in marks if m is not None])
        if mark is not None:
            found.append(mark)
        previous = line
        header_left -= 1
    return found


def _mark_of(segment: str, *, any_case: bool = False) -> str | None:
    """The mark when ``segment`` is a mark alone (decorations and the label aside)."""
    labelled = _LABEL.match(segment)
    if labelled:
        segment = segment[labelled.end() :]
        any_case = True
    if any(ch.isdigit() for ch in segment):
        return None
    # Keep letters and spaces; frames, dashes, stars, brackets and quotes are decoration.
    words = "".join(ch if ch.isalpha() else " " for ch in segment).split()
    if not words:
        return None
    if any_case:
        words = [word.upper() for word in words]
    if len(words) > 1 and all(len(word) == 1 for word in words):
        return _MARK_JOINED.get("".join(words))
    return _MARK_TOKENS.get(tuple(words))


def _canonical(mark: str) -> str:
    return " ".join(mark.split())


def _strongest(marks: list[str]) -> str | None:
    for mark in SECRET_MARKS:
        if mark in marks:
            return mark
    return None
