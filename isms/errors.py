"""Domain errors: one hierarchy, each error carries its HTTP status and a message key."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the service reports to a user."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message_key: str | None = None, /, **params: Any) -> None:
        self.message_key = message_key or f"error.{self.code}"
        self.params = params
        super().__init__(self.message_key)


class InvalidInput(DomainError):
    status_code = 400
    code = "invalid_input"


class Unauthorized(DomainError):
    status_code = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status_code = 403
    code = "forbidden"


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class PayloadTooLarge(DomainError):
    status_code = 413
    code = "payload_too_large"


class TooManyRequests(DomainError):
    status_code = 429
    code = "too_many_requests"

    def __init__(self, message_key: str | None = None, /, retry_after: int = 60, **params: Any):
        super().__init__(message_key, retry_after=retry_after, **params)
        self.retry_after = retry_after
