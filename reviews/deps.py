"""Permissions of the periodic reviews."""

from typing import Annotated

from fastapi import Depends

from isms.identity.deps import require_roles
from isms.identity.models import Role, User

_READERS = (Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT)

# Department users see and answer their departments' tasks; the ISB decides and sets policies.
ReviewReader = Annotated[User, Depends(require_roles(*_READERS))]
ReviewAnswerer = Annotated[User, Depends(require_roles(Role.ISB, Role.DEPARTMENT))]
ReviewDecider = Annotated[User, Depends(require_roles(Role.ISB))]

UiReviewReader = Annotated[User, Depends(require_roles(*_READERS, ui=True))]
UiReviewAnswerer = Annotated[User, Depends(require_roles(Role.ISB, Role.DEPARTMENT, ui=True))]
UiReviewDecider = Annotated[User, Depends(require_roles(Role.ISB, ui=True))]
# A task's answer is decided by the ISB, or for the GDPR records by the DPO (service.decider)
TaskDecider = Annotated[User, Depends(require_roles(Role.ISB, Role.DPO))]
UiTaskDecider = Annotated[User, Depends(require_roles(Role.ISB, Role.DPO, ui=True))]
