"""The meeting's and the agenda item's state machines (DESIGN.md, "Meeting"), as data.

Meeting: draft → scheduled (invitations out) → documents_published → in_session →
adjourned → closed; cancelled from any state before the session opens.

Agenda item: planned → positions_open → consent | discussion → in_discussion → voting →
concluded. Preparation (this app's services) only moves meetings up to
``documents_published`` and cancels them; the other rows are the contract the live session
and the positions step build on.
"""

from __future__ import annotations

from ecabinet.core.transitions import StateMachine

DRAFT = "draft"
SCHEDULED = "scheduled"
DOCUMENTS_PUBLISHED = "documents_published"
IN_SESSION = "in_session"
ADJOURNED = "adjourned"
CLOSED = "closed"
CANCELLED = "cancelled"

# The agenda, its papers and the invitation answers change only before the session opens.
PREPARING = (DRAFT, SCHEDULED, DOCUMENTS_PUBLISHED)
# Invitations are out: the members have been asked and may answer.
INVITED = (SCHEDULED, DOCUMENTS_PUBLISHED)
# Observers read a meeting once its papers are published.
PUBLISHED = (DOCUMENTS_PUBLISHED, IN_SESSION, ADJOURNED, CLOSED)

MACHINE = StateMachine.build(
    "meeting",
    {
        # The Office sends the invitations (giấy mời) to every voting member.
        "invite": ([DRAFT], SCHEDULED),
        # The approved papers are released to everyone invited.
        "publish_documents": ([SCHEDULED], DOCUMENTS_PUBLISHED),
        # The live session (built later): open, adjourn, resume, close.
        "open": ([SCHEDULED, DOCUMENTS_PUBLISHED], IN_SESSION),
        "adjourn": ([IN_SESSION], ADJOURNED),
        "resume": ([ADJOURNED], IN_SESSION),
        "close": ([IN_SESSION, ADJOURNED], CLOSED),
        "cancel": ([DRAFT, SCHEDULED, DOCUMENTS_PUBLISHED], CANCELLED),
    },
)

ITEM_PLANNED = "planned"
ITEM_POSITIONS_OPEN = "positions_open"
ITEM_CONSENT = "consent"
ITEM_DISCUSSION = "discussion"
ITEM_IN_DISCUSSION = "in_discussion"
ITEM_VOTING = "voting"
# The poll closed; the secretary records the conclusion (live session, decision 1001).
ITEM_VOTED = "voted"
ITEM_CONCLUDED = "concluded"
# Not yet decided: the chair may take the item up, a poll may open on it.
ITEM_UNDECIDED = (
    ITEM_PLANNED,
    ITEM_POSITIONS_OPEN,
    ITEM_CONSENT,
    ITEM_DISCUSSION,
    ITEM_IN_DISCUSSION,
)

ITEM_MACHINE = StateMachine.build(
    "agenda_item",
    {
        # Members state their position (no objection / comment / object) before the meeting.
        "open_positions": ([ITEM_PLANNED], ITEM_POSITIONS_OPEN),
        # At the cut-off an item nobody objects to goes to the consent block, the others to
        # discussion; the chair may still move a consent item to discussion.
        "to_consent": ([ITEM_POSITIONS_OPEN, ITEM_DISCUSSION], ITEM_CONSENT),
        "to_discussion": ([ITEM_PLANNED, ITEM_POSITIONS_OPEN, ITEM_CONSENT], ITEM_DISCUSSION),
        # In the session the chair may take up any item not yet decided (the positions step
        # may not have run); a poll opens on the item under discussion or on consent items.
        "start_discussion": (
            [ITEM_PLANNED, ITEM_POSITIONS_OPEN, ITEM_CONSENT, ITEM_DISCUSSION],
            ITEM_IN_DISCUSSION,
        ),
        "start_vote": ([ITEM_IN_DISCUSSION, ITEM_CONSENT], ITEM_VOTING),
        "end_vote": ([ITEM_VOTING], ITEM_VOTED),
        # The secretary records the conclusion: after the vote, or without one (the chair's
        # conclusion, a deferral); never while a poll on the item is open.
        "conclude": ([*ITEM_UNDECIDED, ITEM_VOTED], ITEM_CONCLUDED),
    },
)
