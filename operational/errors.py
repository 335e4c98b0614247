"""Exceptions the operational core raises; the HTTP edge maps each to one status and error code."""

from __future__ import annotations

from typing import Any


class CoreError(Exception):
    """Base of the core's own errors: a message for people and optional structured details."""

    def __init__(
        self, message: str, details: list[dict[str, Any]] | None = None, code: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.code = code  # a more precise error code than the class's, for the API's body


class NotFound(CoreError):
    """The thing asked for does not exist (in any account)."""


class WrongAccount(CoreError):
    """The thing exists but belongs to another account than the caller's."""


class Invalid(CoreError):
    """Input that breaks a rule; ``details`` name the fields."""


class Conflict(CoreError):
    """A request the current state refuses (a number on the DNC list, a duplicate name)."""
