"""Permissions of reports and evidence packs."""

from typing import Annotated

from fastapi import Depends

from isms.identity.deps import require_roles
from isms.identity.models import Role, User

_READERS = (Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT)

# Everyone in the ISMS may build reports and packs (department users: of their departments,
# and they see only their own jobs); auditors download what was built.
ReportUser = Annotated[User, Depends(require_roles(*_READERS))]
UiReportUser = Annotated[User, Depends(require_roles(*_READERS, ui=True))]
