"""Demo: a Grundschutz-Check in progress for the city of Hannover.

Deterministic: the state of each entry follows from a hash of object and requirement, so the demo
looks the same on every machine. About a third is done, some is open with target dates, a little
is dispensable with reasons; the rest is still to do, as in a real first check.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from controls.check.models import CheckEntry, CheckStatus
from controls.soa.models import SoaEntry
from isms.identity.models import Department
from risk.assets.models import Asset

IMPLEMENTED = (
    "Umgesetzt gemäß IT-Betriebskonzept; Nachweis im Betriebshandbuch.",
    "Regelung in der Dienstanweisung IT verankert und bekannt gegeben.",
    "Technisch umgesetzt und im letzten Audit stichprobenartig geprüft.",
)
PARTLY = (
    "Für die Leitstelle umgesetzt, für die Außenstellen noch offen.",
    "Konzept liegt vor, die Umsetzung im Rechenzentrum läuft.",
)
MISSING = "Noch nicht begonnen; Haushaltsmittel sind für das nächste Jahr beantragt."
DISPENSABLE = "Entbehrlich: Die Funktion wird auf diesem System nicht genutzt."
# Progress differs by department, as it would in a city administration.
SHARE_DONE = {"VT": 40, "FW": 50, "SE": 35, "IUK": 40, "BA": 20, "PER": 15}

SOA = {
    "7.5": (
        False,
        "Keine eigenen Gebäude mit besonderen physischen oder umweltbedingten Bedrohungen; "
        "der Vermieter ist zuständig.",
    ),
    "8.30": (False, "Keine ausgelagerte Softwareentwicklung."),
}


def _roll(*parts: str) -> int:
    return int(hashlib.sha256("|".join(parts).encode()).hexdigest()[:8], 16) % 100


def fill(session: Session, *, today: date | None = None) -> int:
    """Give the untouched demo check entries a realistic state; returns how many changed."""
    today = today or date.today()
    rows = session.execute(
        select(CheckEntry, col(Asset.short_id))
        .outerjoin(Asset, col(Asset.id) == col(CheckEntry.asset_id))
        .where(col(CheckEntry.status) == CheckStatus.UNBEARBEITET, col(CheckEntry.modelled))
    ).all()
    department_of = dict(
        session.execute(
            select(col(Asset.id), col(Department.code)).join(
                Department, col(Department.id) == col(Asset.department_id)
            )
        ).all()
    )
    changed = 0
    for entry, short_id in rows:
        key = short_id or "Informationsverbund"
        roll = _roll(key, entry.control_ref)
        done_share = SHARE_DONE.get(str(department_of.get(entry.asset_id or 0, "")), 30)
        values: dict[str, object]
        if roll < done_share:
            values = {
                "status": CheckStatus.JA,
                "implementation": IMPLEMENTED[roll % len(IMPLEMENTED)],
                "checked_on": today - timedelta(days=roll * 3),
            }
        elif roll < done_share + 12:
            values = {
                "status": CheckStatus.TEILWEISE,
                "implementation": PARTLY[roll % len(PARTLY)],
                "justification": PARTLY[roll % len(PARTLY)],
                "checked_on": today - timedelta(days=roll),
                # A few open items are already overdue.
                "target_date": today + timedelta(days=(roll % 9 - 2) * 30),
            }
        elif roll < done_share + 17:
            values = {
                "status": CheckStatus.NEIN,
                "justification": MISSING,
                "checked_on": today - timedelta(days=roll),
                "target_date": today + timedelta(days=180),
            }
        elif roll < done_share + 20:
            values = {"status": CheckStatus.ENTBEHRLICH, "justification": DISPENSABLE}
        else:
            continue
        session.execute(update(CheckEntry).where(col(CheckEntry.id) == entry.id).values(values))
        changed += 1
    return changed


def soa(session: Session, family: str) -> None:
    for ref, (applicable, justification) in SOA.items():
        exists = session.scalars(
            select(SoaEntry).where(col(SoaEntry.family) == family, col(SoaEntry.control_ref) == ref)
        ).first()
        if exists is None:
            session.add(
                SoaEntry(
                    family=family,
                    control_ref=ref,
                    applicable=applicable,
                    justification=justification,
                    updated_by="demo",
                )
            )
    session.flush()
