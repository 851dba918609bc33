"""Typed errors raised by the domain functions.

Each carries a message already translated into the request's language, and the HTTP
status that views and APIs return. Views catch ``DomainError`` and show the message;
nothing below this layer renders HTML.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the platform stopped the operation; nothing was changed."""

    status_code = 400

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):
    """The input is invalid. ``field`` names the form field when there is one."""


class PermissionDenied(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    """The object is in a state that does not allow the operation."""

    status_code = 409
