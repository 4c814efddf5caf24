"""Permissions of the risk analysis."""

from typing import Annotated

from fastapi import Depends

from isms.identity.deps import require_roles
from isms.identity.models import Role, User

_READERS = (Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT)

# Everyone in the ISMS reads risks (department users: those their departments own); the ISB
# analyses, decides the treatment and records the management's acceptance.
RiskReader = Annotated[User, Depends(require_roles(*_READERS))]
RiskAnalyst = Annotated[User, Depends(require_roles(Role.ISB))]
# Measures: department users keep the state of their departments' measures up to date.
MeasureEditor = Annotated[User, Depends(require_roles(Role.ISB, Role.DEPARTMENT))]

UiRiskReader = Annotated[User, Depends(require_roles(*_READERS, ui=True))]
UiRiskAnalyst = Annotated[User, Depends(require_roles(Role.ISB, ui=True))]
UiMeasureEditor = Annotated[User, Depends(require_roles(Role.ISB, Role.DEPARTMENT, ui=True))]
