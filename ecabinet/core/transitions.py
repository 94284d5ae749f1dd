"""A state machine as data: a table of allowed moves, checked in one place."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from ecabinet.core.errors import InvalidTransition


@dataclass(frozen=True)
class StateMachine:
    """Allowed transitions of one entity: ``action -> (from states, to state)``."""

    name: str
    transitions: Mapping[str, tuple[frozenset[str], str]] = field(default_factory=dict)

    @classmethod
    def build(cls, name: str, table: Mapping[str, tuple[Iterable[str], str]]) -> StateMachine:
        return cls(name, {action: (frozenset(src), dst) for action, (src, dst) in table.items()})

    def allowed(self, action: str, state: str) -> bool:
        rule = self.transitions.get(action)
        return rule is not None and state in rule[0]

    def target(self, action: str, state: str) -> str:
        """The state after ``action`` from ``state``; raises InvalidTransition if not allowed."""
        rule = self.transitions.get(action)
        if rule is None:
            raise InvalidTransition(_("Thao tác không tồn tại: %(action)s") % {"action": action})
        sources, dst = rule
        if state not in sources:
            raise InvalidTransition(
                _("Không thể thực hiện thao tác này ở trạng thái hiện tại (%(state)s).")
                % {"state": state}
            )
        return dst

    def actions_from(self, state: str) -> list[str]:
        return [a for a, (src, _dst) in self.transitions.items() if state in src]
