"""Permissions of the control catalogs, the Grundschutz-Check, evidence and the SoA."""

from typing import Annotated

from fastapi import Depends

from isms.identity.deps import require_roles
from isms.identity.models import Role, User

_READERS = (Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT)

# Catalogs are public texts: everyone working in the ISMS reads them; the ISB imports.
CatalogReader = Annotated[User, Depends(require_roles(*_READERS))]
CatalogManager = Annotated[User, Depends(require_roles(Role.ISB))]
# Check entries: department users read and record those of their departments' objects.
CheckReader = Annotated[User, Depends(require_roles(*_READERS))]
CheckEditor = Annotated[User, Depends(require_roles(Role.ISB, Role.DEPARTMENT))]
Modeller = Annotated[User, Depends(require_roles(Role.ISB))]
# The Statement of Applicability is the ISB's; auditors and the DPO read it.
SoaReader = Annotated[User, Depends(require_roles(Role.ISB, Role.DPO, Role.AUDITOR))]
SoaEditor = Annotated[User, Depends(require_roles(Role.ISB))]

UiCatalogReader = Annotated[User, Depends(require_roles(*_READERS, ui=True))]
UiCatalogManager = Annotated[User, Depends(require_roles(Role.ISB, ui=True))]
UiCheckReader = Annotated[User, Depends(require_roles(*_READERS, ui=True))]
UiCheckEditor = Annotated[User, Depends(require_roles(Role.ISB, Role.DEPARTMENT, ui=True))]
UiModeller = Annotated[User, Depends(require_roles(Role.ISB, ui=True))]
UiSoaReader = Annotated[User, Depends(require_roles(Role.ISB, Role.DPO, Role.AUDITOR, ui=True))]
UiSoaEditor = Annotated[User, Depends(require_roles(Role.ISB, ui=True))]
