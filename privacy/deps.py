"""Permissions of the GDPR documentation."""

from typing import Annotated

from fastapi import Depends

from isms.identity.deps import require_roles
from isms.identity.models import Role, User

# The DPO keeps the whole record; departments keep their own entries; the ISB and auditors read.
PrivacyReader = Annotated[
    User, Depends(require_roles(Role.DPO, Role.ISB, Role.AUDITOR, Role.DEPARTMENT))
]
PrivacyEditor = Annotated[User, Depends(require_roles(Role.DPO, Role.DEPARTMENT))]

# Incidents: the ISB and the DPO handle them; departments report and follow their own;
# auditors read.
IncidentReader = PrivacyReader
IncidentReporter = Annotated[User, Depends(require_roles(Role.ISB, Role.DPO, Role.DEPARTMENT))]
IncidentManager = Annotated[User, Depends(require_roles(Role.ISB, Role.DPO))]

UiIncidentReader = Annotated[
    User, Depends(require_roles(Role.DPO, Role.ISB, Role.AUDITOR, Role.DEPARTMENT, ui=True))
]

# Impact assessments: the DPO and the owning department write them; the DPO gives the opinion
# and keeps the threshold criteria; the controller (the owning department) signs off.
DpoOnly = Annotated[User, Depends(require_roles(Role.DPO))]
DpiaSigner = Annotated[User, Depends(require_roles(Role.DEPARTMENT))]
UiPrivacyReader = UiIncidentReader
UiPrivacyEditor = Annotated[User, Depends(require_roles(Role.DPO, Role.DEPARTMENT, ui=True))]
UiIncidentReporter = Annotated[
    User, Depends(require_roles(Role.ISB, Role.DPO, Role.DEPARTMENT, ui=True))
]
UiDpo = Annotated[User, Depends(require_roles(Role.DPO, ui=True))]
UiDpiaSigner = Annotated[User, Depends(require_roles(Role.DEPARTMENT, ui=True))]
