"""Reminders of the incidents' legal deadlines: planned by the scheduler's job, in the app and
by mail through a real SMTP server (aiosmtpd) to the ISB and the DPO; when a deadline starts,
when little of it is left, when it is missed; never twice, and not once it is met."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlmodel import col

from isms.clock import LOCAL, utcnow
from isms.database import session_scope
from isms.identity.models import User
from isms.settings import Settings
from privacy import incidents
from privacy.models import Incident
from privacy.schemas import IncidentCreate
from reviews import deadlines
from reviews.models import DeadlineNotice
from tests.privacy.conftest import Org
from tests.reviews.test_notifications import Inbox, smtp  # noqa: F401  (fixture)


def _breach(engine: Engine, org: Org, aware: datetime, **extra: object) -> int:
    with session_scope(engine) as session:
        data = IncidentCreate(
            title="Fehlversand Meldedaten",
            department_id=org.vt.id,
            detected_at=aware,
            aware_at=aware,
            personal_data=True,
            risk_to_rights="risiko",  # type: ignore[arg-type]
            **extra,  # type: ignore[arg-type]
        )
        return incidents.create_incident(session, data=data, scope=None, actor="isb").id or 0


def _notices(engine: Engine) -> list[tuple[str, str, str]]:
    with session_scope(engine, write=False) as session:
        rows = session.execute(
            select(col(User.username), col(DeadlineNotice.deadline), col(DeadlineNotice.stage))
            .join(User, col(User.id) == col(DeadlineNotice.user_id))
            .order_by(col(DeadlineNotice.id))
        )
        return [(u, d, s.value) for u, d, s in rows]


def _plan(engine: Engine, now: datetime) -> int:
    with session_scope(engine) as session:
        return deadlines.plan(session, now=now)


def test_a_breach_deadline_is_reminded_when_it_starts_ends_soon_and_is_missed(
    client: TestClient,
    org: Org,
    dpo: dict[str, str],
    engine: Engine,
    settings: Settings,
    smtp: tuple[Inbox, int],  # noqa: F811
    login_ui,  # type: ignore[no-untyped-def]
) -> None:
    inbox, port = smtp
    now = utcnow()
    aware = now - timedelta(hours=10)
    incident_id = _breach(engine, org, aware)
    with session_scope(engine) as session:
        session.execute(update(User).values(email=None))
        session.execute(
            update(User).where(col(User.username) == "dsb").values(email="dsb@hannover.de")
        )
    assert _plan(engine, now) == 2  # the ISB and the DPO
    assert _plan(engine, now + timedelta(minutes=10)) == 0  # never twice
    assert _notices(engine) == [("isb", "art33", "laeuft"), ("dsb", "art33", "laeuft")]
    mail = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    with session_scope(engine) as session:
        sent = deadlines.deliver(session, mail)
    assert (sent.sent, sent.failed) == (1, 0)  # the ISB has no address: in the app only
    [message] = inbox.messages
    assert message["To"] == "dsb@hannover.de"
    assert "Frist läuft" in str(message["Subject"]) and "SV-0001" in str(message["Subject"])
    body = message.get_content()  # type: ignore[attr-defined]
    assert f"/incidents/{incident_id}" in body
    due = (aware + timedelta(hours=72)).astimezone(LOCAL)
    assert due.strftime("%d.%m.%Y %H:%M") in body  # in the city's time
    # 18 h of the 72 h left: soon; past the due time: missed
    assert _plan(engine, aware + timedelta(hours=60)) == 2
    assert _plan(engine, aware + timedelta(hours=73)) == 2
    assert [s for u, _, s in _notices(engine) if u == "dsb"] == ["laeuft", "bald", "ueberfaellig"]
    with session_scope(engine) as session:
        assert deadlines.deliver(session, mail).sent == 2
        assert deadlines.deliver(session, mail).sent == 0
    api = client.get("/api/v1/deadline-notifications", headers=dpo).json()
    assert [n["stage"] for n in api] == ["ueberfaellig", "bald", "laeuft"]
    # the page lists them for the DPO
    page = login_ui("dsb").get("/notifications")
    assert page.status_code == 200 and "Meldefristen" in page.text and "Frist versäumt" in page.text


def test_no_reminder_once_met_and_a_corrected_time_gives_a_fresh_one(
    org: Org, dpo: dict[str, str], engine: Engine
) -> None:
    now = utcnow()
    met = _breach(engine, org, now - timedelta(hours=5), authority_notified_at=now)
    assert _plan(engine, now) == 0  # Art. 33 met, Art. 34 not required for this risk
    incident_id = _breach(engine, org, now - timedelta(hours=5))
    assert _plan(engine, now) == 2
    with session_scope(engine) as session:  # the time of becoming aware corrected
        session.execute(
            update(Incident)
            .where(col(Incident.id) == incident_id)
            .values(aware_at=now - timedelta(hours=7))
        )
    assert _plan(engine, now) == 2
    assert {i for (i,) in _ids(engine)} == {incident_id} and met != incident_id


def _ids(engine: Engine) -> list[tuple[int]]:
    with session_scope(engine, write=False) as session:
        return [(i,) for i in session.scalars(select(col(DeadlineNotice.incident_id)))]


def test_a_critical_facility_gets_the_bsig_early_warning_reminded(
    org: Org, dpo: dict[str, str], engine: Engine
) -> None:
    now = utcnow()
    with session_scope(engine) as session:
        data = IncidentCreate(
            title="Schadsoftware Leitstand",
            department_id=org.vt.id,
            detected_at=now - timedelta(hours=20),
            aware_at=now - timedelta(hours=20),
            kritis=True,
        )
        incidents.create_incident(session, data=data, scope=None, actor="isb")
    assert _plan(engine, now) == 6
    stages = {(d, s) for _, d, s in _notices(engine)}
    # 4 of 24 hours left for the early warning: soon; the notification (72 h) runs, and the
    # final report a month after it
    assert stages == {
        ("bsig_fruehwarnung", "bald"),
        ("bsig_meldung", "laeuft"),
        ("bsig_abschluss", "laeuft"),
    }


def test_no_mail_for_a_deadline_met_before_it_went_out(
    org: Org,
    dpo: dict[str, str],
    engine: Engine,
    settings: Settings,
    smtp: tuple[Inbox, int],  # noqa: F811
) -> None:
    inbox, port = smtp
    now = utcnow()
    incident_id = _breach(engine, org, now - timedelta(hours=5))
    with session_scope(engine) as session:
        session.execute(update(User).values(email="x@hannover.de"))
    assert _plan(engine, now) == 2  # planned while the mail server was down
    with session_scope(engine) as session:  # the authority is notified meanwhile
        session.execute(
            update(Incident)
            .where(col(Incident.id) == incident_id)
            .values(authority_notified_at=now)
        )
    mail = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})
    with session_scope(engine) as session:
        delivered = deadlines.deliver(session, mail)
        reasons = set(session.scalars(select(col(DeadlineNotice.mail_error))))
    assert (delivered.sent, delivered.failed) == (0, 0) and inbox.messages == []
    assert reasons == {"deadline met or changed since"}
