"""Every table of the application, imported so that the metadata is complete (Alembic, tests)."""

from controls.catalogs.models import (
    Catalog,
    CatalogGroup,
    Control,
    ControlMapping,
    MappingCollection,
)
from controls.check.models import CheckEntry, ModellingDecision
from controls.evidence.models import CheckEvidence, Evidence
from controls.soa.models import SoaEntry
from isms.audit.models import AuditEvent
from isms.identity.models import Department, LoginThrottle, RevokedToken, User, UserDepartment
from isms.scheduler import JOB_TABLE, SchedulerLease
from privacy.models import (
    Incident,
    IncidentActivity,
    IncidentAsset,
    ProcessingActivity,
    ProcessingAsset,
)
from reports.models import ReportJob
from reviews.models import ReviewPolicy, ReviewTask
from risk.analysis.models import (
    AssetThreat,
    Measure,
    Risk,
    RiskEvent,
    RiskMatrix,
    RiskRequirement,
    Threat,
)
from risk.assets.models import Asset, AssetCategory, AssetDependency

__all__ = [
    "JOB_TABLE",
    "Asset",
    "AssetCategory",
    "AssetDependency",
    "AssetThreat",
    "AuditEvent",
    "Catalog",
    "CatalogGroup",
    "CheckEntry",
    "CheckEvidence",
    "Control",
    "ControlMapping",
    "Department",
    "Evidence",
    "Incident",
    "IncidentActivity",
    "IncidentAsset",
    "LoginThrottle",
    "MappingCollection",
    "Measure",
    "ModellingDecision",
    "ProcessingActivity",
    "ProcessingAsset",
    "ReportJob",
    "ReviewPolicy",
    "ReviewTask",
    "RevokedToken",
    "Risk",
    "RiskEvent",
    "RiskMatrix",
    "RiskRequirement",
    "SchedulerLease",
    "SoaEntry",
    "Threat",
    "User",
    "UserDepartment",
]
