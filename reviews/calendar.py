"""The per-user calendar feed of review due dates (iCalendar, RFC 5545), behind a token that
changes when the user's sessions are revoked (password change, logout everywhere)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import date, datetime

from reviews.models import ReviewTask


def feed_token(secret: str, user_id: int, token_version: int) -> str:
    message = f"review-calendar:{user_id}:{token_version}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:40]


def token_matches(secret: str, user_id: int, token_version: int, token: str) -> bool:
    expected = feed_token(secret, user_id, token_version).encode()
    return hmac.compare_digest(expected, token.encode("utf-8", "replace"))


def _escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11); other control characters become spaces."""
    text = text.replace(chr(13) + chr(10), chr(10))
    text = "".join(" " if ord(c) < 32 and c != chr(10) else c for c in text)
    for plain, escaped in ((chr(92), chr(92) * 2), (";", chr(92) + ";"), (",", chr(92) + ",")):
        text = text.replace(plain, escaped)
    return text.replace(chr(10), chr(92) + "n")


def _fold(line: str) -> list[str]:
    """Lines of at most 75 octets, continued with a leading space (RFC 5545 3.1)."""
    data, parts = line.encode(), list[str]()
    while len(data) > 75:
        cut = 75 if not parts else 74
        while cut and (data[cut] & 0xC0) == 0x80:  # not inside a UTF-8 sequence
            cut -= 1
        parts.append(data[:cut].decode())
        data = data[cut:]
    parts.append(data.decode())
    return [parts[0], *(" " + p for p in parts[1:])]


def ics(tasks: Iterable[ReviewTask], *, name: str, base_url: str, host: str, now: datetime) -> str:
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//ISMS Kommunal//Reviews//DE",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for task in tasks:
        due: date = task.due_date
        lines += [
            "BEGIN:VEVENT",
            f"UID:review-{task.id}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{due.strftime('%Y%m%d')}",
            f"SUMMARY:{_escape(task.object_label)}",
            f"URL:{base_url}/reviews/{task.id}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(folded for line in lines for folded in _fold(line)) + "\r\n"
