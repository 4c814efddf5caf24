"""Every table of the application, imported so that the metadata is complete (Alembic, tests)."""

from isms.audit.models import AuditEvent
from isms.identity.models import Department, LoginThrottle, RevokedToken, User, UserDepartment
from isms.scheduler import JOB_TABLE, SchedulerLease

__all__ = [
    "JOB_TABLE",
    "AuditEvent",
    "Department",
    "LoginThrottle",
    "RevokedToken",
    "SchedulerLease",
    "User",
    "UserDepartment",
]
