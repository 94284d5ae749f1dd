"""The delivery states of an outgoing message.

queued → sent, queued → failed, failed → sent (a later attempt), failed → failed (another
failed attempt). A sent message is final, and a manual one never enters the machine: it has
no message to send (docs/decisions/1101-edxml.md).
"""

from __future__ import annotations

from ecabinet.core.transitions import StateMachine

MACHINE = StateMachine.build(
    "outgoing_message",
    {
        "sent": (["queued", "failed"], "sent"),
        "fail": (["queued", "failed"], "failed"),
    },
)
