"""The ballot's state machine (DESIGN.md, "Ballot"), one row per action.

draft → in_review → awaiting_approval → open → closed → summarised → decided; a reviewer
or the chair may return it to draft; withdrawn from any state before closed.
"""

from __future__ import annotations

from ecabinet.core.transitions import StateMachine

DRAFT = "draft"
IN_REVIEW = "in_review"
AWAITING_APPROVAL = "awaiting_approval"
OPEN = "open"
CLOSED = "closed"
SUMMARISED = "summarised"
DECIDED = "decided"
WITHDRAWN = "withdrawn"

BEFORE_SENDING = (DRAFT, IN_REVIEW, AWAITING_APPROVAL)

MACHINE = StateMachine.build(
    "ballot",
    {
        # The drafter sends the draft up the Office's route (or straight to the chair when
        # the body's route has no review step).
        "submit": ([DRAFT], IN_REVIEW),
        "submit_to_chair": ([DRAFT], AWAITING_APPROVAL),
        # A reviewer passes the step on; the last reviewer passes it to the chair.
        "forward": ([IN_REVIEW], IN_REVIEW),
        "forward_to_chair": ([IN_REVIEW], AWAITING_APPROVAL),
        "return": ([IN_REVIEW, AWAITING_APPROVAL], DRAFT),
        # The chair's signed approval sends the ballot to the members.
        "approve": ([AWAITING_APPROVAL], OPEN),
        "close": ([OPEN], CLOSED),
        "summarise": ([CLOSED], SUMMARISED),
        "decide": ([SUMMARISED], DECIDED),
        "withdraw": ([DRAFT, IN_REVIEW, AWAITING_APPROVAL, OPEN], WITHDRAWN),
    },
)
