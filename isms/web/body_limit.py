"""Request size limit, answered in the service's own error format (JSON under /api)."""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from isms.i18n import normalise_language, translate


class BodyLimitMiddleware:
    """Refuse bodies over max_bytes: at once by Content-Length, else while reading."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Raised inside the route's body parsing, which lets HTTPException through
                    # (anything else it turns into a 400); the error handlers answer it.
                    raise HTTPException(413)
            return message

        await self.app(scope, limited_receive, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        path: str = scope.get("path", "")
        accept_language = dict(scope.get("headers") or []).get(b"accept-language", b"").decode()
        language = normalise_language(accept_language)
        limit = round(self.max_bytes / (1024 * 1024), 1)
        detail = translate(language, "error.payload_too_large_limit", limit=limit)
        if path.startswith("/api/"):
            body = json.dumps({"error": "payload_too_large", "detail": detail}).encode()
            content_type = b"application/json"
        else:
            page = (
                f'<!doctype html><html lang="{language}"><title>413</title><p>{detail}</p></html>'
            )
            body = page.encode()
            content_type = b"text/html; charset=utf-8"
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", content_type),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
