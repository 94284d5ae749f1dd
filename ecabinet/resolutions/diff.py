"""A readable difference between two versions of a resolution.

Sections are paired by their key (stable across versions), so a section that was moved is
shown as moved, not as deleted and added. Inside a field or a section the difference is
word by word (``difflib``); the page marks it with ``<ins>``/``<del>`` and a text label for
each change, never by colour alone.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from enum import StrEnum

from ecabinet.resolutions.content import Content, Section

# Words, runs of white space (newlines kept: they separate paragraphs), punctuation.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]", re.UNICODE)


class Op(StrEnum):
    EQUAL = "equal"
    INSERT = "insert"
    DELETE = "delete"


@dataclass(frozen=True)
class Segment:
    op: Op
    text: str


def word_diff(old: str, new: str) -> list[Segment]:
    """The segments that turn ``old`` into ``new``, word by word.

    A run of changed words separated only by spaces is shown as one deletion followed by
    one insertion ("~~hoàn thiện hồ sơ~~ __với các sửa đổi__"), not interleaved word by word.
    """
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    # Chunks of (old text, new text, unchanged?).
    chunks: list[tuple[str, str, bool]] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_text, new_text = "".join(a[i1:i2]), "".join(b[j1:j2])
        chunks.append((old_text, new_text, tag == "equal"))
    for i in range(1, len(chunks) - 1):
        old_text, _new, equal = chunks[i]
        if equal and not old_text.strip() and not chunks[i - 1][2] and not chunks[i + 1][2]:
            chunks[i] = (old_text, old_text, False)
    segments: list[Segment] = []

    def add(op: Op, text: str) -> None:
        if not text:
            return
        if segments and segments[-1].op == op:
            segments[-1] = Segment(op, segments[-1].text + text)
        else:
            segments.append(Segment(op, text))

    pending_old, pending_new = "", ""
    for old_text, new_text, equal in chunks:
        if not equal:
            pending_old += old_text
            pending_new += new_text
            continue
        add(Op.DELETE, pending_old)
        add(Op.INSERT, pending_new)
        pending_old = pending_new = ""
        add(Op.EQUAL, old_text)
    add(Op.DELETE, pending_old)
    add(Op.INSERT, pending_new)
    return segments


@dataclass(frozen=True)
class FieldDiff:
    name: str
    segments: list[Segment]

    @property
    def changed(self) -> bool:
        return any(s.op != Op.EQUAL for s in self.segments)


class SectionChange(StrEnum):
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"


@dataclass
class SectionDiff:
    key: str
    change: SectionChange
    heading: list[Segment]
    body: list[Segment]
    moved: bool = False
    old_position: int | None = None
    new_position: int | None = None


@dataclass
class ContentDiff:
    fields: list[FieldDiff] = field(default_factory=list)
    sections: list[SectionDiff] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(f.changed for f in self.fields) or any(
            s.change != SectionChange.UNCHANGED or s.moved for s in self.sections
        )

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(SectionChange, 0)
        for s in self.sections:
            counts[s.change] += 1
        return {str(k): v for k, v in counts.items()}


def _signer_text(content: Content) -> str:
    return "\n".join(content.signer.lines())


def _recipients_text(content: Content) -> str:
    return "\n".join(r.name for r in content.recipients)


def _section(s: Section, op: Op) -> tuple[list[Segment], list[Segment]]:
    heading = [Segment(op, s.heading)] if s.heading else []
    body = [Segment(op, s.text)] if s.text else []
    return heading, body


def content_diff(old: Content, new: Content) -> ContentDiff:
    """Field by field (title, summary, preamble, signer, recipients), then each section."""
    result = ContentDiff(
        fields=[
            FieldDiff("title", word_diff(old.title, new.title)),
            FieldDiff("summary", word_diff(old.summary, new.summary)),
            FieldDiff("preamble", word_diff("\n".join(old.preamble), "\n".join(new.preamble))),
            FieldDiff("signer", word_diff(_signer_text(old), _signer_text(new))),
            FieldDiff("recipients", word_diff(_recipients_text(old), _recipients_text(new))),
        ]
    )
    old_index = {s.key: i for i, s in enumerate(old.sections)}
    new_keys = [s.key for s in new.sections]
    # Relative order of the sections kept in both versions: one out of place was moved.
    kept_old = [s.key for s in old.sections if s.key in set(new_keys)]
    kept_new = [k for k in new_keys if k in old_index]
    stay = _longest_common_order(kept_old, kept_new)
    rows: list[SectionDiff] = []
    for position, section in enumerate(new.sections, start=1):
        if section.key not in old_index:
            heading, body = _section(section, Op.INSERT)
            rows.append(
                SectionDiff(section.key, SectionChange.ADDED, heading, body, new_position=position)
            )
            continue
        before = old.sections[old_index[section.key]]
        heading = word_diff(before.heading, section.heading)
        body = word_diff(before.text, section.text)
        changed = any(s.op != Op.EQUAL for s in (*heading, *body))
        rows.append(
            SectionDiff(
                section.key,
                SectionChange.CHANGED if changed else SectionChange.UNCHANGED,
                heading,
                body,
                moved=section.key not in stay,
                old_position=old_index[section.key] + 1,
                new_position=position,
            )
        )
    # A removed section is shown after the section that preceded it in the old version.
    for index, section in enumerate(old.sections):
        if section.key in set(new_keys):
            continue
        heading, body = _section(section, Op.DELETE)
        row = SectionDiff(section.key, SectionChange.REMOVED, heading, body, old_position=index + 1)
        at = 0
        for previous in reversed(old.sections[:index]):
            found = next((i for i, r in enumerate(rows) if r.key == previous.key), None)
            if found is not None:
                at = found + 1
                break
        rows.insert(at, row)
    result.sections = rows
    return result


def _longest_common_order(a: list[str], b: list[str]) -> set[str]:
    """Keys in the longest common subsequence of two orders: those that did not move."""
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    kept: set[str] = set()
    for block in matcher.get_matching_blocks():
        kept.update(a[block.a : block.a + block.size])
    return kept
