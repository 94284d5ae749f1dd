"""Domain errors: a refused action explained to the user, never a stack trace."""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """An action the rules do not allow (invalid transition, duplicate, overlap, ...).

    The message is user-facing and translatable. Views render it as a message; the
    DomainErrorMiddleware turns an uncaught one into a 409 page.
    """

    status_code = 409

    def __init__(self, message: str | Promise, *, code: str = "invalid") -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code


class InvalidTransition(DomainError):
    """The object is not in a state from which this action is allowed."""

    def __init__(self, message: str | Promise) -> None:
        super().__init__(message, code="invalid_transition")
