"""List conventions: limit/offset/sort parameters and the {"items", "total"} answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select

from isms.errors import InvalidInput

T = TypeVar("T")
MAX_LIMIT = 500


@dataclass(frozen=True)
class PageParams:
    """Validated paging and sorting of a list request."""

    limit: int = 50
    offset: int = 0
    sort: str | None = None


def page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size")] = 50,
    offset: Annotated[int, Query(ge=0, description="Items to skip")] = 0,
    sort: Annotated[
        str | None,
        Query(max_length=60, description="Field to sort by; prefix with - for descending"),
    ] = None,
) -> PageParams:
    return PageParams(limit=limit, offset=offset, sort=sort)


PageDep = Annotated[PageParams, Depends(page_params)]


@dataclass
class Page(Generic[T]):
    """One page of results and the total count."""

    items: list[T]
    total: int


class PageRead(BaseModel, Generic[T]):
    """The JSON shape of every list endpoint."""

    items: list[T]
    total: int


def apply_sort(query: Select[Any], sort: str, allowed: Mapping[str, Any]) -> Select[Any]:
    """Order query by a whitelisted field; an unknown field is a 400 naming the choices."""
    descending = sort.startswith("-")
    name = sort.lstrip("-")
    column = allowed.get(name)
    if column is None:
        raise InvalidInput("error.unknown_sort", field=name, allowed=", ".join(sorted(allowed)))
    return query.order_by(column.desc() if descending else column.asc())
