"""Who wants to know when target objects change in a way that matters beyond the register.

Layers above (modelling in `controls`) subscribe; the register notifies them inside the same
transaction, so what follows from a change is written with it or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

Listener = Callable[[Session, set[int]], None]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    """Call listener(session, asset_ids) after assets were created, re-categorised, moved to another
    department or changed their highest protection requirement (idempotent)."""
    if listener not in _listeners:
        _listeners.append(listener)


def notify(session: Session, asset_ids: Iterable[int]) -> None:
    ids = {i for i in asset_ids if i}
    if ids:
        for listener in list(_listeners):
            listener(session, ids)
