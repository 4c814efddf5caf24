"""One place that turns errors into answers: JSON under /api, a friendly page elsewhere."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from isms.errors import DomainError, TooManyRequests, Unauthorized
from isms.i18n import translate
from isms.identity.deps import LoginRequired
from isms.web.render import render, request_language

log = logging.getLogger("isms.errors")

RETRY_AFTER = 5  # seconds: about what a restart of PostgreSQL or a failover takes
# SQLSTATE classes that mean the server is not there for us: connection exception, operator
# intervention (shutting down, starting up, terminated), too many connections
_UNREACHABLE_STATES = ("08", "57P", "53300")
_SECRET_IN_MESSAGE = re.compile(r"(password=|://[^:/@\s]+:)[^@\s]+", re.IGNORECASE)

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
}


def is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path in {"/healthz", "/readyz", "/openapi.json"}


def _answer(
    request: Request,
    status: int,
    code: str,
    message: str,
    *,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    if is_api(request):
        body: dict[str, Any] = {"error": code, "detail": message}
        body.update(extra or {})
        return JSONResponse(body, status_code=status, headers=headers)
    context = {"status": status, "code": code, "message": message, "extra": extra or {}}
    response = render(request, "errors/error.html", context, status_code=status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, LoginRequired) and not is_api(request):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
    message = translate(request_language(request), exc.message_key, **exc.params)
    # The input field at fault, for API clients to point at (the message names it in words).
    field = exc.params.get("field")
    extra = {"field": field} if isinstance(field, str) else None
    return _answer(request, exc.status_code, exc.code, message, headers=headers, extra=extra)


async def validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    language = request_language(request)
    # Never echo the submitted input back: it may hold a password.
    errors = [
        {
            "loc": [str(part) for part in err.get("loc", ())],
            "msg": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]
    fields = ", ".join(".".join(e["loc"][1:] or e["loc"]) for e in errors)
    message = translate(language, "error.validation", fields=fields)
    return _answer(request, 422, "validation_error", message, extra={"errors": errors})


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code = HTTP_CODES.get(exc.status_code, "error")
    message = translate(request_language(request), f"error.{code}")
    return _answer(request, exc.status_code, code, message, headers=dict(exc.headers or {}))


async def value_out_of_range(request: Request, exc: Exception) -> Response:
    """A number the database cannot hold (an id beyond 64 bits on SQLite, beyond 32 bits in an
    integer column on PostgreSQL): the request is wrong, not the service. Nothing was written:
    the request's transaction is rolled back."""
    message = translate(request_language(request), "error.value_out_of_range")
    return _answer(request, 400, "invalid_input", message)


async def concurrent_write(request: Request, exc: Exception) -> Response:
    """Two writes of the same record at once: the second is refused like a stale version."""
    message = translate(request_language(request), "error.concurrent_write")
    return _answer(request, 409, "conflict", message)


def database_unreachable(exc: Exception) -> bool:
    """Whether exc says the database cannot be reached, not that a statement was wrong.

    Yes: the driver reported the connection broken; the server answered with a connection or
    shutdown state; no connection could be opened (no statement ran, no state); no pooled
    connection came free in time. No: every error a statement caused (a missing table, a
    deadlock, a constraint), which stays an internal error.
    """
    if isinstance(exc, PoolTimeout):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    state = getattr(exc.orig, "sqlstate", None)  # psycopg; sqlite3 has none
    if state:
        return str(state).startswith(_UNREACHABLE_STATES)
    return exc.statement is None


async def database_error(request: Request, exc: Exception) -> Response:
    """The database is down or restarting: 503 with Retry-After, the cause logged in one line."""
    if not database_unreachable(exc):
        raise exc  # a genuine error: the catch-all answers 500 and logs the traceback
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    first_line = (str(cause).strip().splitlines() or [""])[0][:300]
    log.warning(
        "database unreachable on %s %s: %s: %s",
        request.method,
        request.url.path,
        type(cause).__name__,
        _SECRET_IN_MESSAGE.sub(r"\1***", first_line),
    )
    message = translate(request_language(request), "error.database_unavailable")
    headers = {"Retry-After": str(RETRY_AFTER)}
    return _answer(request, 503, "service_unavailable", message, headers=headers)


async def unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    message = translate(request_language(request), "error.internal_error")
    return _answer(request, 500, "internal_error", message)


def install(app: FastAPI) -> None:
    """Register every handler on app."""
    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(OverflowError, value_out_of_range)
    app.add_exception_handler(DataError, value_out_of_range)
    app.add_exception_handler(StaleDataError, concurrent_write)
    for failure in (OperationalError, InterfaceError, PoolTimeout):
        app.add_exception_handler(failure, database_error)
    app.add_exception_handler(Exception, unexpected_error)
