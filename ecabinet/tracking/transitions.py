"""The states of an assignment: open until done or withdrawn; only an open one moves."""

from __future__ import annotations

from ecabinet.core.transitions import StateMachine

MACHINE = StateMachine.build(
    "assignment",
    {
        "done": (["open"], "done"),
        "cancel": (["open"], "cancelled"),
        "reschedule": (["open"], "open"),
    },
)
