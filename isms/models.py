"""Every table of the application, imported so that the metadata is complete (Alembic, tests)."""

from isms.audit.models import AuditEvent
from isms.identity.models import Department, LoginThrottle, RevokedToken, User, UserDepartment
from isms.scheduler import JOB_TABLE, SchedulerLease
from risk.assets.models import Asset, AssetCategory, AssetDependency

__all__ = [
    "JOB_TABLE",
    "Asset",
    "AssetCategory",
    "AssetDependency",
    "AuditEvent",
    "Department",
    "LoginThrottle",
    "RevokedToken",
    "SchedulerLease",
    "User",
    "UserDepartment",
]
