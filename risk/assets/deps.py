"""Permissions of the asset register and the loader that applies department scoping."""

from typing import Annotated

from fastapi import Depends

from isms.identity.deps import require_roles
from isms.identity.models import Role, User

# Reading: everyone but the user administrators; department users only their departments.
AssetReader = Annotated[
    User, Depends(require_roles(Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT))
]
# Master data: the ISB, and department users for their own departments' assets.
AssetEditor = Annotated[User, Depends(require_roles(Role.ISB, Role.DEPARTMENT))]
# Structure analysis proper (dependencies, Schutzbedarf, import): the ISB.
StructureAnalyst = Annotated[User, Depends(require_roles(Role.ISB))]

UiAssetReader = Annotated[
    User, Depends(require_roles(Role.ISB, Role.DPO, Role.AUDITOR, Role.DEPARTMENT, ui=True))
]
UiAssetEditor = Annotated[User, Depends(require_roles(Role.ISB, Role.DEPARTMENT, ui=True))]
UiStructureAnalyst = Annotated[User, Depends(require_roles(Role.ISB, ui=True))]
