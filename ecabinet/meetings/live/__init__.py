"""The live session of a meeting: attendance, the chair's console, floor lists, signed votes,
minutes notes and conclusions, over one WebSocket per screen (docs/decisions/1001)."""
