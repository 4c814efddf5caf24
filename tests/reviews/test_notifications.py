"""Notifications of review tasks: in the app and by mail through a real SMTP server (aiosmtpd);
reminders before and on the due date, escalation to the ISB; the calendar feed."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import date, timedelta
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlmodel import col

from isms.database import session_scope
from isms.identity.models import Role, User
from isms.settings import Settings
from reviews import generation, notify
from reviews.models import NoticeKind, ReviewNotice, ReviewTask
from tests.factories import make_user
from tests.risk.analysis.conftest import Org, create_asset

DEC = date(2026, 12, 15)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def reviewed(client: TestClient, org: Org, engine: Engine) -> dict:
    scada = create_asset(client, org, "SCADA-1", "ICS/OT-Systeme", org.vt)
    with session_scope(engine) as session:
        session.execute(update(User).values(email=None))
        for name in ("verkehr", "isb"):
            session.execute(
                update(User).where(col(User.username) == name).values(email=f"{name}@hannover.de")
            )
        generation.generate(session, today=DEC, names=["schutzbedarf"])
    return scada


def notices(engine: Engine) -> list[tuple[str, str]]:
    with session_scope(engine, write=False) as session:
        rows = session.execute(
            select(col(User.username), col(ReviewNotice.kind))
            .join(User, col(User.id) == col(ReviewNotice.user_id))
            .order_by(col(ReviewNotice.id))
        )
        return [(u, k.value) for u, k in rows]


def test_new_reminder_due_and_escalation(engine: Engine, reviewed: dict) -> None:
    def plan(today: date) -> int:
        with session_scope(engine) as session:
            return notify.plan(session, today=today)

    assert plan(DEC) == 1 and notices(engine) == [("verkehr", "neu")]
    assert plan(DEC) == 0  # idempotent
    assert plan(date(2026, 12, 24)) == 1  # 7 days before 31 December
    assert plan(date(2026, 12, 31)) == 1
    assert plan(date(2027, 1, 1)) == 1
    assert notices(engine) == [
        ("verkehr", "neu"),
        ("verkehr", "erinnerung"),
        ("verkehr", "faellig"),
        ("isb", "eskalation"),
    ]


def test_mails_through_a_real_smtp_server(
    engine: Engine, settings: Settings, reviewed: dict, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    mail = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    with session_scope(engine) as session:
        notify.plan(session, today=date(2027, 1, 2))
        delivered = notify.deliver(session, mail)
    # Overdue before the department ever heard of it: the new task to the department (one
    # notice a day, not three at once) and the escalation to the ISB.
    assert (delivered.sent, delivered.failed) == (2, 0)
    subjects = sorted(str(m["Subject"]) for m in inbox.messages)
    assert any("neue Prüfaufgabe" in s and "SCADA-1" in s for s in subjects)
    assert any("überfällig" in s for s in subjects)
    escalation = next(m for m in inbox.messages if "überfällig" in str(m["Subject"]))
    assert escalation["To"] == "isb@hannover.de"
    body = escalation.get_content()  # type: ignore[attr-defined]
    assert "/reviews/" in body and "31.12.2026" in body
    with session_scope(engine) as session:
        assert notify.deliver(session, mail).sent == 0  # nothing twice


def test_digest_and_failed_delivery_is_retried(
    engine: Engine, settings: Settings, reviewed: dict, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    with session_scope(engine) as session:
        for day in (DEC, date(2026, 12, 24), date(2026, 12, 31)):
            notify.plan(session, today=day)
        down = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": _free_port()})
        failed = notify.deliver(session, down)
    assert failed.failed == 3 and inbox.messages == []
    with session_scope(engine, write=False) as session:
        errors = list(session.scalars(select(col(ReviewNotice.mail_error))))
    assert all(errors)
    digest = settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "mail_digest": True}
    )
    with session_scope(engine) as session:
        assert notify.deliver(session, digest).sent == 3
    assert len(inbox.messages) == 1 and "3 Hinweise" in str(inbox.messages[0]["Subject"])


def test_in_app_notifications_and_calendar_feed(
    client: TestClient, org: Org, engine: Engine, reviewed: dict
) -> None:
    with session_scope(engine) as session:
        notify.plan(session, today=DEC)
    mine = client.get("/api/v1/notifications?unread=true", headers=org.verkehr).json()
    assert [(n["kind"], n["label"].split()[0]) for n in mine] == [("neu", "SCADA-1")]
    assert client.get("/api/v1/notifications", headers=org.feuerwehr).json() == []
    marked = client.post("/api/v1/notifications/read", headers=org.verkehr, json={"ids": None})
    assert marked.json() == {"marked": 1}
    assert client.get("/api/v1/notifications?unread=true", headers=org.verkehr).json() == []
    url = client.get("/api/v1/review-calendar", headers=org.verkehr).json()["url"]
    path = url.split("://", 1)[1].split("/", 1)[1]
    feed = client.get("/" + path)
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in feed.text and "DTSTART;VALUE=DATE:20261231" in feed.text
    assert "SCADA-1" in feed.text and feed.text.endswith("END:VCALENDAR\r\n")
    forged = "/" + path.replace(path.split("/")[-1], "0" * 40 + ".ics")
    assert client.get(forged).status_code == 404
    other = client.get("/api/v1/review-calendar", headers=org.feuerwehr).json()["url"]
    other_feed = client.get("/" + other.split("://", 1)[1].split("/", 1)[1])
    assert "SCADA-1" not in other_feed.text


def test_a_user_without_mail_gets_in_app_notices_only(
    engine: Engine, settings: Settings, smtp: tuple[Inbox, int], org: Org, client: TestClient
) -> None:
    create_asset(client, org, "ALARM-1", "Anwendungen", org.fw)
    make_user(engine, role=Role.ISB)
    with session_scope(engine) as session:
        session.execute(update(User).values(email=None))
        generation.generate(session, today=DEC, names=["schutzbedarf"])
        notify.plan(session, today=DEC)
        mail = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp[1]})
        notify.deliver(session, mail)
    assert smtp[0].messages == []
    with session_scope(engine, write=False) as session:
        kinds = set(session.scalars(select(col(ReviewNotice.kind))))
        mailed = list(session.scalars(select(col(ReviewNotice.mail_error))))
        tasks = list(session.scalars(select(ReviewTask)))
    assert kinds == {NoticeKind.NEW} and set(mailed) == {"no e-mail address"}
    assert len(tasks) == 1 and tasks[0].due_date == date(2026, 12, 31) + timedelta(days=0)


def test_feed_tokens_that_are_not_ascii_and_other_roles_get_404(
    client: TestClient, org: Org, engine: Engine
) -> None:
    with session_scope(engine, write=False) as session:
        admin = session.scalars(select(User).where(col(User.username) == "admin")).one()
    assert client.get(f"/calendar/{admin.id}/%C3%A4.ics").status_code == 404
    from reviews.calendar import feed_token

    token = feed_token(client.app.state.secret_key, admin.id or 0, admin.token_version)  # type: ignore[attr-defined]
    assert client.get(f"/calendar/{admin.id}/{token}.ics").status_code == 404


def test_a_line_break_in_a_name_does_not_stop_the_mail(
    client: TestClient, org: Org, engine: Engine, settings: Settings, smtp: tuple[Inbox, int]
) -> None:
    create_asset(client, org, "ZEILE-1", "Anwendungen", org.vt, name="Erste\nZweite Zeile")
    with session_scope(engine) as session:
        session.execute(
            update(User).where(col(User.username) == "verkehr").values(email="v@hannover.de")
        )
        generation.generate(session, today=DEC, names=["schutzbedarf"])
        notify.plan(session, today=DEC)
        mail = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp[1]})
        assert notify.deliver(session, mail).sent == 1
    assert "Erste Zweite Zeile" in str(smtp[0].messages[0]["Subject"])
