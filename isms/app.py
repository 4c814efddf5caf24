"""The app factory: the one module that wires every domain's routes, pages and jobs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, func, select
from sqlmodel import Session

import isms.models  # noqa: F401  (registers every table)
from controls.catalogs import routes as catalog_routes
from controls.catalogs import views as catalog_views
from controls.check import modelling
from controls.check import routes as check_routes
from controls.check import views as check_views
from controls.evidence import routes as evidence_routes
from controls.evidence import service as evidence_service
from controls.evidence import storage as evidence_storage
from controls.evidence import views as evidence_views
from controls.soa import routes as soa_routes
from controls.soa import views as soa_views
from frontend import STATIC_DIR
from isms import __version__, scheduler
from isms.audit import routes as audit_routes
from isms.audit import views as audit_views
from isms.audit.models import AuditEvent
from isms.database import create_db_engine
from isms.identity import admin_views
from isms.identity import routes as identity_routes
from isms.identity import views as identity_views
from isms.identity.models import Department, Role, User
from isms.settings import Settings, get_settings, resolve_secret_key
from isms.web import handlers
from isms.web.body_limit import BodyLimitMiddleware
from isms.web.render import register_nav
from isms.web.security_headers import SecurityHeadersMiddleware
from isms.web.views import health_router, register_widget
from isms.web.views import router as web_router
from privacy import record_views as privacy_record_views
from privacy import routes as privacy_routes
from privacy import views as privacy_views
from reports import jobs as report_jobs
from reports import routes as report_routes
from reports import views as report_views
from reviews import routes as review_routes
from reviews import tasks as review_tasks
from reviews import views as review_views
from risk.analysis import routes as risk_routes
from risk.analysis import views as risk_views
from risk.assets import exchange_views
from risk.assets import routes as asset_routes
from risk.assets import views as asset_views

log = logging.getLogger("isms")
SHUTDOWN_GRACE = 20.0  # seconds a running report gets to finish when the app stops

API_DESCRIPTION = (
    "ISMS for public bodies running critical infrastructure. Authenticate with the OAuth2 "
    "password flow at /api/v1/auth/token and send `Authorization: Bearer <token>`. Lists take "
    "`limit`, `offset` and `sort` and answer `{items, total}`; errors answer `{error, detail}`."
)


def _kernel_widget(session: Session, user: User) -> dict[str, Any]:
    return {
        "users": session.scalar(select(func.count()).select_from(User)) or 0,
        "departments": session.scalar(select(func.count()).select_from(Department)) or 0,
        "audit_events": session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        "my_departments": [d.name for d in user.departments],
    }


def _register_ui() -> None:
    everyone = set(Role)
    register_nav("nav.dashboard", "/", everyone)
    register_nav("nav.assets", "/assets", {Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT})
    register_nav("nav.check", "/check", {Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT})
    register_nav("nav.catalogs", "/catalogs", {Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT})
    register_nav("nav.risks", "/risks", {Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT})
    register_nav("nav.plan", "/plan", {Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT})
    register_nav("nav.reviews", "/reviews", {Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT})
    register_nav("nav.soa", "/soa", {Role.ISB, Role.DPO, Role.AUDITOR})
    register_nav("nav.incidents", "/incidents", {Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT})
    register_nav(
        "nav.processing",
        "/processing-activities",
        {Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT},
    )
    register_nav("nav.dpias", "/dpias", {Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT})
    register_nav("nav.reports", "/reports", {Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT})
    register_nav("nav.evidence", "/evidence", {Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT})
    register_nav("nav.users", "/admin/users", {Role.ADMIN, Role.ISB, Role.AUDITOR})
    register_nav("nav.departments", "/admin/departments", {Role.ADMIN, Role.ISB, Role.AUDITOR})
    register_nav("nav.audit", "/audit", {Role.ISB, Role.AUDITOR})
    register_widget("widgets/overview.html", everyone, _kernel_widget)
    register_widget(
        "widgets/check.html",
        {Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT},
        check_views.dashboard_widget,
    )
    register_widget(
        "widgets/reviews.html",
        {Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT},
        review_views.dashboard_widget,
    )
    register_widget(
        "widgets/incidents.html",
        {Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT},
        privacy_views.dashboard_widget,
    )
    register_widget(
        "widgets/risks.html",
        {Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT},
        risk_views.dashboard_widget,
    )


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    run_scheduler: bool | None = None,
) -> FastAPI:
    """Build the application; the database must already be migrated (`isms migrate`)."""
    settings = settings or get_settings()
    engine = engine or create_db_engine(settings)
    with_scheduler = settings.scheduler_enabled if run_scheduler is None else run_scheduler

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        report_jobs.watch(engine, settings.data_dir)  # jobs of a stopped process fail visibly
        # uploads cut off by a killed process; every worker runs this, only old parts go
        parts = evidence_storage.remove_stale_parts(evidence_service.root(settings.data_dir))
        if parts:
            log.warning("removed %d part files of interrupted evidence uploads", len(parts))
        running = scheduler.start(engine) if with_scheduler else None
        try:
            yield
        finally:
            report_jobs.unwatch(engine)
            # a report being written gets a moment to finish; one that does not is failed
            # later by another server, as its heartbeat goes stale
            await anyio.to_thread.run_sync(report_jobs.settle, engine, SHUTDOWN_GRACE)
            if running is not None:
                scheduler.stop(running, engine)

    app = FastAPI(
        title="ISMS Kommunal",
        version=__version__,
        description=API_DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.secret_key = resolve_secret_key(settings)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    handlers.install(app)
    for router in (
        health_router,
        identity_routes.auth_router,
        identity_routes.users_router,
        identity_routes.departments_router,
        audit_routes.router,
        exchange_views.api,
        asset_routes.router,
        asset_routes.categories_router,
        catalog_routes.router,
        check_routes.router,
        evidence_routes.router,
        soa_routes.router,
        risk_routes.router,
        privacy_routes.router,
        privacy_routes.incidents_router,
        privacy_routes.dpias_router,
        privacy_routes.criteria_router,
        review_routes.router,
        review_routes.feed_router,
        report_routes.router,
        web_router,
        identity_views.router,
        admin_views.router,
        audit_views.router,
        exchange_views.pages,
        asset_views.router,
        check_views.router,
        catalog_views.router,
        soa_views.router,
        evidence_views.router,
        risk_views.router,
        privacy_record_views.router,  # before the incident pages: /incidents/new
        privacy_views.router,
        review_views.router,
        report_views.router,
        report_views.incident_router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _register_ui()
    modelling.subscribe()  # modelling follows changes of the asset register
    review_tasks.register()
    return app


def app_factory() -> FastAPI:
    """Entry point for uvicorn --factory."""
    return create_app()
