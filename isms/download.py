"""Downloading a published file (catalogs, vocabularies) over https, size-limited."""

from __future__ import annotations

import http.client
import urllib.request

from isms.errors import InvalidInput


def fetch(url: str, *, timeout: float = 30, limit: int = 20 * 1024 * 1024) -> bytes:
    """Download a catalog file over https (size-limited)."""
    if not url.startswith("https://"):
        raise InvalidInput("error.download_https_only", url=url)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (https checked)
            data: bytes = response.read(limit + 1)
    except (OSError, ValueError, http.client.HTTPException) as exc:  # also a URL's control chars
        raise InvalidInput("error.download_failed", url=url, reason=str(exc)[:200]) from exc
    if len(data) > limit:
        raise InvalidInput("error.download_too_large", url=url)
    return data
