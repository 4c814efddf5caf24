"""Every API route and page under every role: the expected 2xx/401/403/404, nothing else.

A new route that is not listed here makes `test_every_route_is_in_the_matrix` fail.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from isms.database import session_scope
from isms.identity.models import Role, User
from isms.security import create_access_token
from isms.settings import Settings
from tests.conftest import SECRET
from tests.controls import samples
from tests.factories import PASSWORD, make_department, make_user
from tests.risk.analysis.conftest import THREATS_CSV

ROLES = ["anonymous", *[r.value for r in Role]]
_n = itertools.count(1)


@dataclass
class World:
    """The objects the routes are called with."""

    users: dict[str, User]
    own_department: int
    other_department: int
    engine: Engine
    categories: dict[str, int]
    own_asset: int = 0
    other_asset: int = 0
    data_dir: Path = Path()

    def fresh_asset(self, department: int | None = None) -> int:
        from tests.risk.assets.factories import make_asset

        asset = make_asset(
            self.engine,
            category_id=self.categories["IT-Systeme"],
            department_id=department or self.own_department,
        )
        return asset.id or 0

    def edge(self) -> tuple[int, int]:
        from isms.database import session_scope as scope
        from risk.assets import graph
        from risk.assets.models import Asset

        a, b = self.fresh_asset(), self.fresh_asset()
        with scope(self.engine) as session:
            graph.add_dependency(
                session, dependent=session.get(Asset, a), dependency=session.get(Asset, b)
            )  # type: ignore[arg-type]
        return a, b

    # Controls: a small catalog of our own (permissions, not content, are tested here).
    def _import(self, data: bytes, name: str) -> int:
        from controls.catalogs import service as catalogs
        from isms.database import session_scope as scope

        with scope(self.engine) as session:
            return catalogs.import_document(session, data, source=name, actor="test").id

    def catalog(self) -> int:
        from tests.controls import samples

        return self._import(samples.catalog(), "test.json")

    def new_version(self) -> int:
        from tests.controls import samples

        self.catalog()
        return self._import(samples.catalog(version="2"), "test-2.json")

    def control(self) -> int:
        from controls.catalogs.models import Control
        from isms.database import session_scope as scope

        catalog = self.catalog()
        with scope(self.engine, write=False) as session:
            found = session.scalars(
                select(Control).where(Control.catalog_id == catalog, Control.ref == "TST.1")
            ).one()
            return found.id or 0

    def entry(self) -> int:
        """A check entry of an asset of the department user's own department."""
        from controls.check import modelling
        from controls.check.models import CheckEntry
        from isms.database import session_scope as scope

        self.catalog()
        asset = self.fresh_asset()
        with scope(self.engine) as session:
            modelling.model(session, [asset])
            return session.scalars(select(CheckEntry.id).where(CheckEntry.asset_id == asset)).one()

    def decision(self) -> tuple[int, int]:
        from controls.catalogs.models import Control
        from controls.check import modelling
        from controls.check.models import Decision
        from isms.database import session_scope as scope
        from risk.assets.models import Asset

        control_id, asset_id = self.control(), self.fresh_asset()
        with scope(self.engine) as session:
            made = modelling.decide(
                session,
                asset=session.get(Asset, asset_id),  # type: ignore[arg-type]
                control=session.get(Control, control_id),  # type: ignore[arg-type]
                decision=Decision.EXCLUDE,
                reason="Nicht relevant für den Test",
                actor="test",
            )
            return asset_id, made.id or 0

    def soa(self) -> str:
        from tests.controls import samples

        self._import(samples.iso(), "iso.json")
        return "5.1"

    def evidence(self) -> int:
        from controls.evidence import service as evidence
        from isms.database import session_scope as scope
        from tests.controls import samples

        with scope(self.engine) as session:
            made = evidence.upload(
                session,
                data_dir=self.data_dir,
                stream=io.BytesIO(samples.pdf()),
                filename="nachweis.pdf",
                title="Nachweis",
                valid_until=date.today() + timedelta(days=30),
                department_id=self.own_department,
                actor="test",
                scope=None,
            )
            return made.id or 0

    # Risk analysis: an own threat, a risk on the department user's asset, a measure.
    def threat(self) -> int:
        from isms.database import session_scope as scope
        from risk.analysis import threats

        with scope(self.engine) as session:
            return (
                threats.create_threat(
                    session, ref=f"ZG {next(_n)}", name="Manipulierte Firmware", description=""
                ).id
                or 0
            )

    def risk(self, department: int | None = None) -> int:
        from isms.database import session_scope as scope
        from risk.analysis import service
        from risk.analysis.schemas import RiskCreate

        threat, asset = self.threat(), self.fresh_asset(department)
        with scope(self.engine) as session:
            made = service.create_risk(
                session,
                data=RiskCreate(
                    asset_id=asset,
                    threat_id=threat,
                    title="Ransomware",
                    availability=True,
                    frequency="mittel",
                    impact="begrenzt",
                ),
                scope=None,
                actor="test",
            )
            return made.id or 0

    def measure(self) -> int:
        from isms.database import session_scope as scope
        from risk.analysis import measures
        from risk.analysis.schemas import MeasureCreate

        risk = self.risk()
        with scope(self.engine) as session:
            made = measures.create_measure(
                session, data=MeasureCreate(risk_id=risk, title="Backup"), scope=None, actor="t"
            )
            return made.id or 0

    def matrix(self) -> int:
        from isms.database import session_scope as scope
        from risk.analysis import service

        with scope(self.engine) as session:
            return service.matrix_for_new_risks(session).id or 0

    # Reviews: a task of the department user's own asset (generated by the real generator).
    def review(self, state: str = "offen") -> int:
        from datetime import date as day

        from isms.database import session_scope as scope
        from reviews import generation, service
        from reviews.models import ReviewTask, Subject
        from reviews.schemas import ReviewAnswer

        asset = self.fresh_asset()
        with scope(self.engine) as session:
            generation.generate(session, today=day(2026, 12, 15), names=["schutzbedarf"])
            task = session.scalars(
                select(ReviewTask).where(
                    ReviewTask.object_id == asset, ReviewTask.subject == Subject.PROTECTION
                )
            ).one()
            if state == "beantwortet":
                service.answer(
                    session,
                    task=task,
                    data=ReviewAnswer(unchanged=True, version=task.version),
                    actor="test",
                    evidence_scope=None,
                )
            return task.id or 0

    def policy(self) -> int:
        from isms.database import session_scope as scope
        from reviews import generation
        from reviews.models import ReviewPolicy

        with scope(self.engine) as session:
            generation.ensure_default_policies(session)
            return session.scalars(
                select(ReviewPolicy.id).where(ReviewPolicy.name == "schutzbedarf")
            ).one()

    # Reports: a finished job of the department user (built synchronously here).
    def report_job(self) -> int:
        from isms.database import session_scope as scope
        from reports import jobs

        with scope(self.engine) as session:
            user = session.get(User, self.users["department"].id)
            assert user is not None
            job = jobs.submit(
                session,
                user=user,
                document="a1",
                department_id=None,
                asset_ids=[],
                kritis=False,
                period_start=None,
                period_end=None,
                language="de",
            )
            job_id = job.id or 0
        jobs.run(self.engine, self.data_dir, job_id)
        return job_id

    # GDPR records: a processing activity of a department (own by default).
    def activity_body(self, department: int | None = None) -> dict[str, Any]:
        return {
            "name": "Melderegister",
            "department_id": department or self.own_department,
            "controller": "Stadt",
            "dpo_contact": "DSB",
            "purposes": "Meldewesen",
            "legal_bases": ["art6_1_e"],
            "data_subjects": ["Einwohner"],
            "data_categories": [{"name": "Anschrift", "erasure": "5 Jahre"}],
        }

    def activity(self, department: int | None = None) -> int:
        from isms.database import session_scope as scope
        from privacy import service
        from privacy.schemas import ActivityCreate

        with scope(self.engine) as session:
            made = service.create_activity(
                session,
                data=ActivityCreate(**self.activity_body(department)),
                scope=None,
                actor="test",
            )
            return made.id or 0

    def incident_body(self, department: int | None = None) -> dict[str, Any]:
        known = "2025-01-06T08:00:00+00:00"  # fixed: a department may not move it later
        return {
            "title": "Ausfall",
            "department_id": department or self.own_department,
            "detected_at": known,
            "aware_at": known,
        }

    def incident(self, department: int | None = None, *, breach: bool = False) -> int:
        from isms.database import session_scope as scope
        from privacy import incidents
        from privacy.schemas import IncidentCreate

        body = self.incident_body(department)
        if breach:
            body.update(personal_data=True, risk_to_rights="risiko")
        with scope(self.engine) as session:
            made = incidents.create_incident(
                session,
                data=IncidentCreate(**body),
                scope=None,
                actor="test",
            )
            return made.id or 0

    # Impact assessments: one of a department's processing activity, ready for the next step.
    def dpia(self, department: int | None = None, *, step: str = "opened") -> int:
        from isms.database import session_scope as scope
        from privacy import dpia
        from privacy.schemas import DpiaCreate, DpiaOpinion, DpiaRisk, DpiaUpdate

        activity_id = self.activity(department)
        with scope(self.engine) as session:
            made = dpia.create_dpia(
                session,
                data=DpiaCreate(activity_id=activity_id, criteria=["art35_3_c"]),
                scope=None,
                actor="test",
            )
            if step in ("assessed", "heard"):
                risk = DpiaRisk(
                    title="Kenntnisnahme",
                    likelihood=2,
                    severity=2,
                    residual_likelihood=1,
                    residual_severity=2,
                )
                content = {k: "x" for k in ("description", "purposes", "necessity", "measures")}
                update = DpiaUpdate(criteria=["art35_3_c"], risks=[risk], **content)
                dpia.update_dpia(session, dpia=made, data=update, actor="test")
            if step == "heard":
                dpia.give_opinion(session, dpia=made, data=DpiaOpinion(opinion="ok"), actor="dsb")
            return made.id or 0

    def criterion(self) -> str:
        from isms.database import session_scope as scope
        from privacy import dpia
        from privacy.schemas import CriterionCreate

        with scope(self.engine) as session:
            data = CriterionCreate(code="dsk_liste_1", title="DSK-Liste Nr. 1", kind="muss")
            return dpia.add_criterion(session, data=data, actor="test").code

    def fresh_user(self) -> int:
        return make_user(self.engine, role=Role.AUDITOR).id or 0

    def fresh_department(self) -> int:
        return make_department(self.engine).id or 0


@dataclass
class Case:
    method: str
    path: str
    expect: dict[str, int]
    url: Callable[[World], str]
    body: Callable[[World], dict[str, Any]] | None = None
    form: Callable[[World, str], dict[str, str]] | None = None
    files: Callable[[World], dict[str, tuple[str, bytes]]] | None = None
    roles_ok: int = 200
    extra: dict[str, Any] = field(default_factory=dict)


def allow(
    ok: int, *roles: Role, anonymous: int = 401, others: int = 403, **special: int
) -> dict[str, int]:
    expect = {"anonymous": anonymous}
    for role in Role:
        expect[role.value] = ok if role in roles else others
    expect.update(special)
    return expect


EVERYONE = tuple(Role)
IDENTITY_READERS = (Role.ADMIN, Role.ISB, Role.AUDITOR)
ASSET_READERS = (Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT)
IMPORT_CSV = "Kennung;Name;Kategorie;Organisationseinheit\r\nNEU-1;Neu;IT-Systeme;OWN\r\n".encode(
    "utf-8-sig"
)

CASES = [
    Case("GET", "/healthz", allow(200, *EVERYONE, anonymous=200), lambda w: "/healthz"),
    Case("GET", "/readyz", allow(200, *EVERYONE, anonymous=200), lambda w: "/readyz"),
    Case(
        "POST",
        "/api/v1/auth/token",
        allow(200, *EVERYONE),
        lambda w: "/api/v1/auth/token",
        form=lambda w, role: {
            "username": role if role != "anonymous" else "nobody",
            "password": PASSWORD,
        },
    ),
    Case("GET", "/api/v1/auth/me", allow(200, *EVERYONE), lambda w: "/api/v1/auth/me"),
    Case("POST", "/api/v1/auth/logout", allow(204, *EVERYONE), lambda w: "/api/v1/auth/logout"),
    Case(
        "POST",
        "/api/v1/auth/password",
        allow(204, *EVERYONE),
        lambda w: "/api/v1/auth/password",
        body=lambda w: {
            "current_password": PASSWORD,
            "new_password": f"Neues-Passwort-{next(_n)}-x",
        },
    ),
    Case("GET", "/api/v1/users", allow(200, *IDENTITY_READERS), lambda w: "/api/v1/users"),
    Case(
        "POST",
        "/api/v1/users",
        allow(201, Role.ADMIN),
        lambda w: "/api/v1/users",
        body=lambda w: {
            "username": f"neu{next(_n)}",
            "full_name": "Neu",
            "role": "auditor",
            "password": "Ein-gutes-Passwort-1",
        },
    ),
    Case(
        "GET",
        "/api/v1/users/{user_id}",
        allow(200, *IDENTITY_READERS),
        lambda w: f"/api/v1/users/{w.fresh_user()}",
    ),
    Case(
        "PATCH",
        "/api/v1/users/{user_id}",
        allow(200, Role.ADMIN),
        lambda w: f"/api/v1/users/{w.fresh_user()}",
        body=lambda w: {"full_name": "Geändert"},
    ),
    Case(
        "DELETE",
        "/api/v1/users/{user_id}",
        allow(204, Role.ADMIN),
        lambda w: f"/api/v1/users/{w.fresh_user()}",
    ),
    Case("GET", "/api/v1/departments", allow(200, *EVERYONE), lambda w: "/api/v1/departments"),
    Case(
        "POST",
        "/api/v1/departments",
        allow(201, Role.ADMIN),
        lambda w: "/api/v1/departments",
        body=lambda w: {"code": f"N{next(_n)}", "name": f"Neu {next(_n)}"},
    ),
    Case(
        "GET",
        "/api/v1/departments/{department_id}",
        allow(200, *EVERYONE, department=404),
        lambda w: f"/api/v1/departments/{w.other_department}",
    ),
    Case(
        "PATCH",
        "/api/v1/departments/{department_id}",
        allow(200, Role.ADMIN),
        lambda w: f"/api/v1/departments/{w.fresh_department()}",
        body=lambda w: {"description": "neu"},
    ),
    Case(
        "DELETE",
        "/api/v1/departments/{department_id}",
        allow(204, Role.ADMIN),
        lambda w: f"/api/v1/departments/{w.fresh_department()}",
    ),
    Case(
        "GET",
        "/api/v1/audit-events",
        allow(200, Role.ISB, Role.AUDITOR),
        lambda w: "/api/v1/audit-events",
    ),
    Case(
        "GET",
        "/api/v1/asset-categories",
        allow(200, *ASSET_READERS),
        lambda w: "/api/v1/asset-categories",
    ),
    Case("GET", "/api/v1/assets", allow(200, *ASSET_READERS), lambda w: "/api/v1/assets"),
    Case(
        "POST",
        "/api/v1/assets",
        allow(201, Role.ISB, Role.DEPARTMENT),
        lambda w: "/api/v1/assets",
        body=lambda w: {
            "short_id": f"N-{next(_n)}",
            "name": "Neu",
            "department_id": w.own_department,
            "category_id": w.categories["IT-Systeme"],
        },
    ),
    Case(
        "POST",
        "/api/v1/assets/recalculate",
        allow(200, Role.ISB),
        lambda w: "/api/v1/assets/recalculate",
    ),
    Case(
        "GET",
        "/api/v1/assets/{asset_id}",
        allow(200, *ASSET_READERS, department=404),
        lambda w: f"/api/v1/assets/{w.other_asset}",
    ),
    Case(
        "PATCH",
        "/api/v1/assets/{asset_id}",
        allow(200, Role.ISB, Role.DEPARTMENT),
        lambda w: f"/api/v1/assets/{w.fresh_asset()}",
        body=lambda w: {"location": "Rechenzentrum 2"},
    ),
    Case(
        "DELETE",
        "/api/v1/assets/{asset_id}",
        allow(204, Role.ISB),
        lambda w: f"/api/v1/assets/{w.fresh_asset()}",
    ),
    Case(
        "PUT",
        "/api/v1/assets/{asset_id}/protection",
        allow(200, Role.ISB),
        lambda w: f"/api/v1/assets/{w.fresh_asset()}/protection",
        body=lambda w: {"availability": {"level": "hoch", "justification": "Begründung"}},
    ),
    Case(
        "POST",
        "/api/v1/assets/{asset_id}/dependencies",
        allow(201, Role.ISB),
        lambda w: f"/api/v1/assets/{w.fresh_asset()}/dependencies",
        body=lambda w: {"dependency_id": w.fresh_asset()},
    ),
    Case(
        "DELETE",
        "/api/v1/assets/{asset_id}/dependencies/{dependency_id}",
        allow(204, Role.ISB),
        lambda w: "/api/v1/assets/{}/dependencies/{}".format(*w.edge()),
    ),
    Case(
        "GET",
        "/api/v1/assets/export",
        allow(200, *ASSET_READERS),
        lambda w: "/api/v1/assets/export",
    ),
    Case(
        "POST",
        "/api/v1/assets/import",
        allow(200, Role.ISB),
        lambda w: "/api/v1/assets/import",
        files=lambda w: {"file": ("a.csv", IMPORT_CSV)},
    ),
    # Catalogs: everyone in the ISMS reads them; the ISB imports and decides.
    Case("GET", "/api/v1/catalogs", allow(200, *ASSET_READERS), lambda w: "/api/v1/catalogs"),
    Case(
        "POST",
        "/api/v1/catalogs",
        allow(201, Role.ISB),
        lambda w: "/api/v1/catalogs",
        files=lambda w: {"file": ("katalog.json", samples.catalog("Hochgeladen"))},
    ),
    Case(
        "POST",
        "/api/v1/catalogs/import-url",
        allow(400, Role.ISB),  # the ISB may; nothing answers on that port, which is a clear 400
        lambda w: "/api/v1/catalogs/import-url",
        body=lambda w: {"url": "https://127.0.0.1:9/katalog.json"},
    ),
    Case(
        "GET",
        "/api/v1/catalogs/{catalog_id}",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/catalogs/{w.catalog()}",
    ),
    Case(
        "PATCH",
        "/api/v1/catalogs/{catalog_id}",
        allow(200, Role.ISB),
        lambda w: f"/api/v1/catalogs/{w.catalog()}",
        body=lambda w: {"modelled": False},
    ),
    Case(
        "POST",
        "/api/v1/catalogs/{catalog_id}/activate",
        allow(200, Role.ISB),
        lambda w: f"/api/v1/catalogs/{w.new_version()}/activate",
    ),
    Case(
        "GET",
        "/api/v1/catalogs/{catalog_id}/controls",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/catalogs/{w.catalog()}/controls",
    ),
    Case(
        "GET",
        "/api/v1/controls/{control_id}",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/controls/{w.control()}",
    ),
    Case(
        "GET",
        "/api/v1/mapping-collections",
        allow(200, *ASSET_READERS),
        lambda w: "/api/v1/mapping-collections",
    ),
    # Grundschutz-Check: department users record their own objects' entries.
    Case(
        "GET",
        "/api/v1/check-entries",
        allow(200, *ASSET_READERS),
        lambda w: "/api/v1/check-entries",
    ),
    Case(
        "PATCH",
        "/api/v1/check-entries",
        allow(200, Role.ISB, Role.DEPARTMENT),
        lambda w: "/api/v1/check-entries",
        body=lambda w: {"items": [{"id": w.entry(), "status": "ja"}]},
    ),
    Case(
        "GET",
        "/api/v1/check-entries/{entry_id}",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/check-entries/{w.entry()}",
    ),
    Case(
        "PATCH",
        "/api/v1/check-entries/{entry_id}",
        allow(200, Role.ISB, Role.DEPARTMENT),
        lambda w: f"/api/v1/check-entries/{w.entry()}",
        body=lambda w: {"status": "ja"},
    ),
    Case(
        "GET",
        "/api/v1/check-progress",
        allow(200, *ASSET_READERS),
        lambda w: "/api/v1/check-progress",
    ),
    Case(
        "GET",
        "/api/v1/assets/{asset_id}/modelling",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/assets/{w.own_asset}/modelling",
    ),
    Case(
        "POST",
        "/api/v1/assets/{asset_id}/modelling",
        allow(201, Role.ISB),
        lambda w: f"/api/v1/assets/{w.own_asset}/modelling",
        body=lambda w: {
            "control_id": w.control(),
            "decision": "exclude",
            "reason": "Im Test nicht relevant",
        },
    ),
    Case(
        "DELETE",
        "/api/v1/assets/{asset_id}/modelling/{decision_id}",
        allow(204, Role.ISB),
        lambda w: "/api/v1/assets/{}/modelling/{}".format(*w.decision()),
    ),
    Case("POST", "/api/v1/modelling/run", allow(200, Role.ISB), lambda w: "/api/v1/modelling/run"),
    # The Statement of Applicability is the ISB's; auditors and the DPO read it.
    Case(
        "GET",
        "/api/v1/soa",
        allow(200, Role.ISB, Role.DPO, Role.AUDITOR),
        lambda w: (w.soa(), "/api/v1/soa")[1],
    ),
    Case(
        "PUT",
        "/api/v1/soa/{ref}",
        allow(200, Role.ISB),
        lambda w: f"/api/v1/soa/{w.soa()}",
        body=lambda w: {"applicable": True, "justification": "Leitlinie beschlossen"},
    ),
    # Evidence: departments file their own, everyone reading the check reads it.
    Case(
        "POST",
        "/api/v1/evidence",
        allow(201, Role.ISB, Role.DEPARTMENT),
        lambda w: "/api/v1/evidence",
        form=lambda w, role: {"valid_until": (date.today() + timedelta(days=30)).isoformat()},
        files=lambda w: {"file": ("nachweis.pdf", samples.pdf())},
    ),
    Case("GET", "/api/v1/evidence", allow(200, *ASSET_READERS), lambda w: "/api/v1/evidence"),
    Case(
        "GET",
        "/api/v1/evidence/{evidence_id}",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/evidence/{w.evidence()}",
    ),
    Case(
        "GET",
        "/api/v1/evidence/{evidence_id}/download",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/evidence/{w.evidence()}/download",
    ),
    # Risk analysis: everyone in the ISMS reads (department users their own); the ISB analyses.
    Case("GET", "/api/v1/threats", allow(200, *ASSET_READERS), lambda w: "/api/v1/threats"),
    Case(
        "POST",
        "/api/v1/threats",
        allow(201, Role.ISB),
        lambda w: "/api/v1/threats",
        body=lambda w: {"ref": f"ZG {next(_n)}", "name": "Sabotage am Schaltschrank"},
    ),
    Case(
        "POST",
        "/api/v1/threats/import",
        allow(200, Role.ISB),
        lambda w: "/api/v1/threats/import",
        files=lambda w: {"file": ("basethreats.csv", THREATS_CSV.read_bytes())},
    ),
    Case(
        "GET",
        "/api/v1/threats/{threat_id}",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/threats/{w.threat()}",
    ),
    Case(
        "PUT",
        "/api/v1/threats/{threat_id}",
        allow(200, Role.ISB),
        lambda w: f"/api/v1/threats/{w.threat()}",
        body=lambda w: {"name": "Neu benannt"},
    ),
    Case(
        "DELETE",
        "/api/v1/threats/{threat_id}",
        allow(204, Role.ISB),
        lambda w: f"/api/v1/threats/{w.threat()}",
    ),
    Case(
        "GET",
        "/api/v1/assets/{asset_id}/threat-overview",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/assets/{w.own_asset}/threat-overview",
    ),
    Case(
        "PUT",
        "/api/v1/assets/{asset_id}/threat-overview",
        allow(200, Role.ISB),
        lambda w: f"/api/v1/assets/{w.own_asset}/threat-overview",
        body=lambda w: {"relevant": [w.threat()]},
    ),
    Case(
        "GET",
        "/api/v1/risk-analysis/candidates",
        allow(200, *ASSET_READERS),
        lambda w: "/api/v1/risk-analysis/candidates",
    ),
    Case(
        "GET",
        "/api/v1/risk-matrices",
        allow(200, *ASSET_READERS),
        lambda w: "/api/v1/risk-matrices",
    ),
    Case(
        "POST",
        "/api/v1/risk-matrices",
        allow(201, Role.ISB),
        lambda w: "/api/v1/risk-matrices",
        body=lambda w: {
            "name": f"Matrix {next(_n)}",
            "frequencies": ["selten", "oft"],
            "impacts": ["klein", "gross"],
            "categories": ["niedrig", "hoch"],
            "cells": [["niedrig", "niedrig"], ["niedrig", "hoch"]],
        },
    ),
    Case(
        "POST",
        "/api/v1/risk-matrices/{matrix_id}/activate",
        allow(200, Role.ISB),
        lambda w: f"/api/v1/risk-matrices/{w.matrix()}/activate",
    ),
    Case("GET", "/api/v1/risks", allow(200, *ASSET_READERS), lambda w: "/api/v1/risks"),
    Case(
        "POST",
        "/api/v1/risks",
        allow(201, Role.ISB),
        lambda w: "/api/v1/risks",
        body=lambda w: {
            "asset_id": w.own_asset,
            "threat_id": w.threat(),
            "title": "Ausfall",
            "availability": True,
            "frequency": "selten",
            "impact": "begrenzt",
        },
    ),
    Case(
        "GET", "/api/v1/risk-heatmap", allow(200, *ASSET_READERS), lambda w: "/api/v1/risk-heatmap"
    ),
    Case(
        "GET",
        "/api/v1/risks/{risk_id}",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/risks/{w.risk()}",
    ),
    Case(
        "PATCH",
        "/api/v1/risks/{risk_id}",
        allow(200, Role.ISB),
        lambda w: f"/api/v1/risks/{w.risk()}",
        body=lambda w: {"impact": "beträchtlich"},
    ),
    Case(
        "POST",
        "/api/v1/risks/{risk_id}/treatment",
        allow(200, Role.ISB),
        lambda w: f"/api/v1/risks/{w.risk()}/treatment",
        body=lambda w: {"treatment": "reduzieren"},
    ),
    Case(
        "POST",
        "/api/v1/risks/{risk_id}/acceptance",
        allow(200, Role.ISB),
        lambda w: f"/api/v1/risks/{w.risk()}/acceptance",
        body=lambda w: {
            "approver": "Oberbürgermeister",
            "justification": "Restrisiko tragbar",
            "expires_on": (date.today() + timedelta(days=90)).isoformat(),
        },
    ),
    Case(
        "POST",
        "/api/v1/risks/{risk_id}/close",
        allow(200, Role.ISB),
        lambda w: f"/api/v1/risks/{w.risk()}/close",
        body=lambda w: {"reason": "System ausgesondert"},
    ),
    Case(
        "POST",
        "/api/v1/risks/{risk_id}/reopen",
        allow(409, Role.ISB),  # an open risk cannot be reopened; the role check comes first
        lambda w: f"/api/v1/risks/{w.risk()}/reopen",
        body=lambda w: {"reason": "Neue Lage"},
    ),
    Case(
        "GET",
        "/api/v1/risks/{risk_id}/history",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/risks/{w.risk()}/history",
    ),
    Case("GET", "/api/v1/measures", allow(200, *ASSET_READERS), lambda w: "/api/v1/measures"),
    Case(
        "POST",
        "/api/v1/measures",
        allow(201, Role.ISB),
        lambda w: "/api/v1/measures",
        body=lambda w: {"risk_id": w.risk(), "title": "Netzsegmentierung"},
    ),
    Case(
        "GET",
        "/api/v1/measures/{measure_id}",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/measures/{w.measure()}",
    ),
    Case(
        "PATCH",
        "/api/v1/measures/{measure_id}",
        allow(200, Role.ISB, Role.DEPARTMENT),
        lambda w: f"/api/v1/measures/{w.measure()}",
        body=lambda w: {"status": "in_umsetzung"},
    ),
    Case(
        "GET",
        "/api/v1/implementation-plan",
        allow(200, *ASSET_READERS),
        lambda w: "/api/v1/implementation-plan",
    ),
    # Reviews: departments answer their tasks; the ISB decides and keeps the policies.
    Case("GET", "/api/v1/reviews", allow(200, *ASSET_READERS), lambda w: "/api/v1/reviews"),
    Case(
        "GET",
        "/api/v1/reviews/{task_id}",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/reviews/{w.review()}",
    ),
    Case(
        "POST",
        "/api/v1/reviews/{task_id}/answer",
        allow(200, Role.ISB, Role.DEPARTMENT),
        lambda w: f"/api/v1/reviews/{w.review()}/answer",
        body=lambda w: {"unchanged": True, "version": 1},
    ),
    Case(
        "POST",
        "/api/v1/reviews/{task_id}/accept",
        allow(200, Role.ISB),
        lambda w: f"/api/v1/reviews/{w.review('beantwortet')}/accept",
        body=lambda w: {"version": 2},
    ),
    Case(
        "POST",
        "/api/v1/reviews/{task_id}/return",
        allow(200, Role.ISB),
        lambda w: f"/api/v1/reviews/{w.review('beantwortet')}/return",
        body=lambda w: {"comment": "Bitte begründen", "version": 2},
    ),
    Case(
        "GET",
        "/api/v1/review-policies",
        allow(200, *ASSET_READERS),
        lambda w: "/api/v1/review-policies",
    ),
    Case(
        "PATCH",
        "/api/v1/review-policies/{policy_id}",
        allow(200, Role.ISB),
        lambda w: f"/api/v1/review-policies/{w.policy()}",
        body=lambda w: {"lead_days": 45},
    ),
    Case(
        "POST",
        "/api/v1/review-policies/run",
        allow(200, Role.ISB),
        lambda w: "/api/v1/review-policies/run?dry_run=true",
    ),
    # Notifications are each user's own; the calendar feed URL is handed to review readers.
    Case("GET", "/api/v1/notifications", allow(200, *EVERYONE), lambda w: "/api/v1/notifications"),
    Case(
        "GET",
        "/api/v1/deadline-notifications",
        allow(200, *EVERYONE),
        lambda w: "/api/v1/deadline-notifications",
    ),
    Case(
        "POST",
        "/api/v1/notifications/read",
        allow(200, *EVERYONE),
        lambda w: "/api/v1/notifications/read",
        body=lambda w: {"ids": None},
    ),
    Case(
        "GET",
        "/api/v1/review-calendar",
        allow(200, *ASSET_READERS),
        lambda w: "/api/v1/review-calendar",
    ),
    # The feed itself is protected by its token, not a login: a wrong token is a 404 for all.
    Case(
        "GET",
        "/calendar/{user_id}/{token}.ics",
        allow(404, *EVERYONE, anonymous=404),
        lambda w: f"/calendar/{w.users['department'].id}/{'0' * 40}.ics",
    ),
    # Reports and packs: every reader builds (departments for their departments) and sees
    # their own jobs; the ISB, the DPO and auditors see all.
    Case(
        "POST",
        "/api/v1/report-jobs",
        allow(202, *ASSET_READERS),
        lambda w: "/api/v1/report-jobs",
        body=lambda w: {"document": "a1"},
    ),
    Case("GET", "/api/v1/report-jobs", allow(200, *ASSET_READERS), lambda w: "/api/v1/report-jobs"),
    Case(
        "GET",
        "/api/v1/report-jobs/{job_id}",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/report-jobs/{w.report_job()}",
    ),
    Case(
        "GET",
        "/api/v1/report-jobs/{job_id}/download",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/report-jobs/{w.report_job()}/download",
    ),
    Case(
        "GET",
        "/api/v1/pack-public-key",
        allow(200, *ASSET_READERS),
        lambda w: "/api/v1/pack-public-key",
    ),
    # GDPR records: the DPO keeps the record, departments their own entries; all readers read.
    Case(
        "POST",
        "/api/v1/processing-activities",
        allow(201, Role.DPO, Role.DEPARTMENT),
        lambda w: "/api/v1/processing-activities",
        body=lambda w: w.activity_body(),
    ),
    Case(
        "GET",
        "/api/v1/processing-activities",
        allow(200, *ASSET_READERS),
        lambda w: "/api/v1/processing-activities",
    ),
    Case(
        "GET",
        "/api/v1/processing-activities/{activity_id}",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/processing-activities/{w.activity()}",
    ),
    Case(
        "PUT",
        "/api/v1/processing-activities/{activity_id}",
        allow(200, Role.DPO, Role.DEPARTMENT),
        lambda w: f"/api/v1/processing-activities/{w.activity()}",
        body=lambda w: w.activity_body(),
    ),
    Case(
        "DELETE",
        "/api/v1/processing-activities/{activity_id}",
        allow(204, Role.DPO, Role.DEPARTMENT),
        lambda w: f"/api/v1/processing-activities/{w.activity()}",
    ),
    Case(
        "GET",
        "/api/v1/processing-activities/{activity_id}/report",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/processing-activities/{w.activity()}/report",
    ),
    Case(
        "GET",
        "/api/v1/processing-activities/{activity_id}/toms",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/processing-activities/{w.activity()}/toms",
    ),
    # Incidents: the ISB and the DPO handle them, departments report their own, auditors read.
    Case(
        "POST",
        "/api/v1/incidents",
        allow(201, Role.ISB, Role.DPO, Role.DEPARTMENT),
        lambda w: "/api/v1/incidents",
        body=lambda w: w.incident_body(),
    ),
    Case("GET", "/api/v1/incidents", allow(200, *ASSET_READERS), lambda w: "/api/v1/incidents"),
    Case(
        "GET",
        "/api/v1/incidents/deadlines",
        allow(200, *ASSET_READERS),
        lambda w: "/api/v1/incidents/deadlines",
    ),
    Case(
        "GET",
        "/api/v1/incidents/{incident_id}",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/incidents/{w.incident()}",
    ),
    Case(
        "PUT",
        "/api/v1/incidents/{incident_id}",
        allow(200, Role.ISB, Role.DPO, Role.DEPARTMENT),
        lambda w: f"/api/v1/incidents/{w.incident()}",
        body=lambda w: w.incident_body(),
    ),
    Case(
        "GET",
        "/api/v1/incidents/{incident_id}/notification-draft",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/incidents/{w.incident(breach=True)}/notification-draft",
    ),
    Case(
        "DELETE",
        "/api/v1/incidents/{incident_id}",
        allow(204, Role.ISB, Role.DPO),
        lambda w: f"/api/v1/incidents/{w.incident()}",
    ),
    # Impact assessments: the DPO and the owning department write them, the DPO gives the
    # opinion and keeps the criteria, the owning department signs off; all readers read.
    Case(
        "POST",
        "/api/v1/dpias",
        allow(201, Role.DPO, Role.DEPARTMENT),
        lambda w: "/api/v1/dpias",
        body=lambda w: {"activity_id": w.activity(), "criteria": ["art35_3_c"]},
    ),
    Case("GET", "/api/v1/dpias", allow(200, *ASSET_READERS), lambda w: "/api/v1/dpias"),
    Case(
        "GET",
        "/api/v1/dpias/{dpia_id}",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/dpias/{w.dpia()}",
    ),
    Case(
        "PUT",
        "/api/v1/dpias/{dpia_id}",
        allow(200, Role.DPO, Role.DEPARTMENT),
        lambda w: f"/api/v1/dpias/{w.dpia()}",
        body=lambda w: {"criteria": ["art35_3_c"], "description": "Kameras"},
    ),
    Case(
        "POST",
        "/api/v1/dpias/{dpia_id}/opinion",
        allow(200, Role.DPO),
        lambda w: f"/api/v1/dpias/{w.dpia(step='assessed')}/opinion",
        body=lambda w: {"opinion": "Einverstanden."},
    ),
    Case(
        "POST",
        "/api/v1/dpias/{dpia_id}/sign-off",
        allow(200, Role.DEPARTMENT),
        lambda w: f"/api/v1/dpias/{w.dpia(step='heard')}/sign-off",
        body=lambda w: {},
    ),
    Case(
        "DELETE",
        "/api/v1/dpias/{dpia_id}",
        allow(204, Role.DPO),
        lambda w: f"/api/v1/dpias/{w.dpia()}",
    ),
    Case(
        "GET",
        "/api/v1/dpias/{dpia_id}/report",
        allow(200, *ASSET_READERS),
        lambda w: f"/api/v1/dpias/{w.dpia(step='heard')}/report",
    ),
    Case(
        "GET",
        "/api/v1/dpia-criteria",
        allow(200, *ASSET_READERS),
        lambda w: "/api/v1/dpia-criteria",
    ),
    Case(
        "POST",
        "/api/v1/dpia-criteria",
        allow(201, Role.DPO),
        lambda w: "/api/v1/dpia-criteria",
        body=lambda w: {"code": "dsk_liste_2", "title": "DSK-Liste Nr. 2", "kind": "muss"},
    ),
    Case(
        "PUT",
        "/api/v1/dpia-criteria/{code}",
        allow(200, Role.DPO),
        lambda w: f"/api/v1/dpia-criteria/{w.criterion()}",
        body=lambda w: {"title": "DSK-Liste Nr. 1", "kind": "indiz", "active": False},
    ),
]

OTHER_ACTIVITY = Case(
    "GET",
    "/api/v1/processing-activities/{activity_id}",
    allow(200, Role.ISB, Role.DPO, Role.AUDITOR, department=404),
    lambda w: f"/api/v1/processing-activities/{w.activity(w.other_department)}",
)

OTHER_DPIA = Case(
    "GET",
    "/api/v1/dpias/{dpia_id}",
    allow(200, Role.ISB, Role.DPO, Role.AUDITOR, department=404),
    lambda w: f"/api/v1/dpias/{w.dpia(w.other_department)}",
)

OTHER_INCIDENT = Case(
    "GET",
    "/api/v1/incidents/{incident_id}",
    allow(200, Role.ISB, Role.DPO, Role.AUDITOR, department=404),
    lambda w: f"/api/v1/incidents/{w.incident(w.other_department)}",
)

OTHER_RISK = Case(
    "GET",
    "/api/v1/risks/{risk_id}",
    allow(200, Role.ISB, Role.DPO, Role.AUDITOR, department=404),
    lambda w: f"/api/v1/risks/{w.risk(w.other_department)}",
)

OWN_DEPARTMENT = Case(
    "GET",
    "/api/v1/departments/{department_id}",
    allow(200, *EVERYONE),
    lambda w: f"/api/v1/departments/{w.own_department}",
)
OWN_ASSET = Case(
    "GET",
    "/api/v1/assets/{asset_id}",
    allow(200, *ASSET_READERS),
    lambda w: f"/api/v1/assets/{w.own_asset}",
)
OTHER_ASSET_EDIT = Case(
    "PATCH",
    "/api/v1/assets/{asset_id}",
    allow(200, Role.ISB, department=404),
    lambda w: f"/api/v1/assets/{w.other_asset}",
    body=lambda w: {"location": "X"},
)

PAGES = {
    "/": allow(200, *EVERYONE, anonymous=303),
    "/account/password": allow(200, *EVERYONE, anonymous=303),
    "/admin/users": allow(200, *IDENTITY_READERS, anonymous=303),
    "/admin/users/new": allow(200, Role.ADMIN, anonymous=303),
    "/admin/departments": allow(200, *IDENTITY_READERS, anonymous=303),
    "/admin/departments/new": allow(200, Role.ADMIN, anonymous=303),
    "/audit": allow(200, Role.ISB, Role.AUDITOR, anonymous=303),
    "/login": allow(200, *EVERYONE, anonymous=200),
    "/api/docs": allow(200, *EVERYONE, anonymous=200),
    "/assets": allow(200, *ASSET_READERS, anonymous=303),
    "/assets/protection": allow(200, *ASSET_READERS, anonymous=303),
    "/assets/new": allow(200, Role.ISB, Role.DEPARTMENT, anonymous=303),
    "/assets/import": allow(200, Role.ISB, anonymous=303),
    "/assets/export.csv": allow(200, *ASSET_READERS, anonymous=303),
    "/assets/export.xlsx": allow(200, *ASSET_READERS, anonymous=303),
    "/catalogs": allow(200, *ASSET_READERS, anonymous=303),
    "/soa": allow(200, Role.ISB, Role.DPO, Role.AUDITOR, anonymous=303),  # 200 without ISO too
    "/evidence": allow(200, *ASSET_READERS, anonymous=303),
    "/check": allow(200, *ASSET_READERS, anonymous=303),
    "/risks": allow(200, *ASSET_READERS, anonymous=303),
    "/risks/heatmap": allow(200, *ASSET_READERS, anonymous=303),
    "/risks/analysis": allow(200, *ASSET_READERS, anonymous=303),
    "/risks/new": allow(200, Role.ISB, anonymous=303),
    "/threats": allow(200, *ASSET_READERS, anonymous=303),
    "/plan": allow(200, *ASSET_READERS, anonymous=303),
    "/reviews": allow(200, *ASSET_READERS, anonymous=303),
    "/reviews/overview": allow(200, *ASSET_READERS, anonymous=303),
    "/reviews/policies": allow(200, *ASSET_READERS, anonymous=303),
    "/notifications": allow(200, *EVERYONE, anonymous=303),
    "/reports": allow(200, *ASSET_READERS, anonymous=303),
    "/incidents": allow(200, *ASSET_READERS, anonymous=303),
    "/incidents/new": allow(200, Role.ISB, Role.DPO, Role.DEPARTMENT, anonymous=303),
    "/processing-activities": allow(200, *ASSET_READERS, anonymous=303),
    "/processing-activities/new": allow(200, Role.DPO, Role.DEPARTMENT, anonymous=303),
    "/dpias": allow(200, *ASSET_READERS, anonymous=303),
    "/dpias/criteria": allow(200, *ASSET_READERS, anonymous=303),
}


@pytest.fixture
def world(engine: Engine, categories: dict[str, int], settings: Settings) -> World:
    own, other = (
        make_department(engine, code="OWN", name="Eigene"),
        make_department(engine, code="OTH", name="Andere"),
    )
    users = {
        role.value: make_user(
            engine,
            role=role,
            username=role.value,
            departments=[own] if role is Role.DEPARTMENT else [],
        )
        for role in Role
    }
    world = World(users, own.id or 0, other.id or 0, engine, categories, data_dir=settings.data_dir)
    world.own_asset, world.other_asset = world.fresh_asset(), world.fresh_asset(other.id)
    return world


def _headers(app: FastAPI, world: World, role: str) -> dict[str, str]:
    if role == "anonymous":
        return {}
    with session_scope(world.engine, write=False) as session:
        user = session.get(User, world.users[role].id)
        assert user is not None
        assert user.id is not None
        version = user.token_version
    token, _ = create_access_token(
        user_id=user.id,
        token_version=version,
        key=SECRET,
        issuer="isms",
        audience="isms-api",
        minutes=5,
    )
    return {"Authorization": f"Bearer {token}"}


def _call(client: TestClient, app: FastAPI, world: World, case: Case, role: str) -> int:
    kwargs: dict[str, Any] = {"headers": _headers(app, world, role)}
    if case.body:
        kwargs["json"] = case.body(world)
    if case.form:
        kwargs["data"] = case.form(world, role)
    if case.files:
        kwargs["files"] = case.files(world)
    response = client.request(case.method, case.url(world), **kwargs)
    assert response.status_code < 500, response.text
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "case",
    [
        *CASES,
        OWN_DEPARTMENT,
        OWN_ASSET,
        OTHER_ASSET_EDIT,
        OTHER_RISK,
        OTHER_ACTIVITY,
        OTHER_INCIDENT,
        OTHER_DPIA,
    ],
    ids=lambda c: f"{c.method} {c.path}",
)
def test_api_route_under_role(
    client: TestClient, app: FastAPI, world: World, case: Case, role: str
) -> None:
    assert _call(client, app, world, case, role) == case.expect[role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", sorted(PAGES))
def test_page_under_role(
    client: TestClient, app: FastAPI, world: World, path: str, role: str
) -> None:
    if role != "anonymous":
        client.cookies.set("isms_token", _headers(app, world, role)["Authorization"].split()[1])
    response = client.get(path, follow_redirects=False)
    assert response.status_code == PAGES[path][role], response.text[:500]
    if response.status_code == 303:
        assert response.headers["location"].startswith("/login?next=")


def test_every_route_is_in_the_matrix(app: FastAPI) -> None:
    listed = {(c.method, c.path) for c in CASES}
    routes = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    assert len(routes) >= 17
    assert routes - listed == set(), "add the new routes to the role matrix"
    assert listed - routes == set(), "the matrix lists routes that do not exist"
