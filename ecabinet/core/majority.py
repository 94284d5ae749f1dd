"""The legal majority of a collegial body's decision, shared by ballots and live polls.

A decision passes with the votes of more than half of ALL members (the electorate, not
those present or those who voted); when exactly half agree, the side the chair voted for
prevails (Law on Government Organisation 2015, art. 46; decree30.md).
"""

from __future__ import annotations

from enum import StrEnum


class Majority(StrEnum):
    ADOPTED = "adopted"
    ADOPTED_TIE = "adopted_tie"
    NOT_ADOPTED = "not_adopted"
    PENDING = "pending"


def required_votes(electorate: int) -> int:
    """The smallest number of agreeing votes that is more than half of the electorate."""
    return electorate // 2 + 1


def majority_outcome(*, agree: int, electorate: int, chair_agrees: bool, final: bool) -> Majority:
    """Adopted with more than half of ALL members; on an exact half, adopted when the chair
    agreed. Otherwise not adopted once final (the count is closed), pending before that."""
    if electorate > 0 and agree * 2 > electorate:
        return Majority.ADOPTED
    if electorate > 0 and agree * 2 == electorate and chair_agrees:
        return Majority.ADOPTED_TIE
    return Majority.NOT_ADOPTED if final else Majority.PENDING
