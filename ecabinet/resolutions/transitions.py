"""The resolution's state machine (DESIGN.md, "Resolution"), one row per action.

drafting → consultation → drafting (the Office revises) → awaiting_signature → signed →
issued. The chair may return a resolution awaiting signature to drafting with a reason; a
draft may be cancelled before it is submitted. A signed resolution is never edited: an
amendment or a revocation is a new resolution.

``sign`` and ``issue`` are taken by ``signing.py`` (the chair signs the frozen version,
``selectors.version_to_sign``) and ``issuance.py`` (number, seal, distribution).
"""

from __future__ import annotations

from ecabinet.core.transitions import StateMachine

DRAFTING = "drafting"
CONSULTATION = "consultation"
AWAITING_SIGNATURE = "awaiting_signature"
SIGNED = "signed"
ISSUED = "issued"
CANCELLED = "cancelled"

# The content may change (a new version) only in these states.
EDITABLE = (DRAFTING, CONSULTATION)
# The version is frozen: it is the one the chair signs or signed.
FROZEN = (AWAITING_SIGNATURE, SIGNED, ISSUED)

MACHINE = StateMachine.build(
    "resolution",
    {
        # The Office sends a version to the members for their opinions.
        "consult": ([DRAFTING], CONSULTATION),
        # The Office ends the consultation (before or after the deadline) and revises.
        "close_consultation": ([CONSULTATION], DRAFTING),
        # The Office submits the final version to the chair: it is frozen from then on.
        "submit": ([DRAFTING], AWAITING_SIGNATURE),
        # The chair returns it with a reason.
        "return": ([AWAITING_SIGNATURE], DRAFTING),
        # The chair signs; the records office numbers and issues (the issuance step).
        "sign": ([AWAITING_SIGNATURE], SIGNED),
        "issue": ([SIGNED], ISSUED),
        "cancel": ([DRAFTING, CONSULTATION], CANCELLED),
    },
)
