"""The immutable content of a report: built from the database first, rendered afterwards
without touching it (so rendering can run in a job, and a report is what its context says)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] = ()  # relative column widths; empty: equal
    caption: str = ""


@dataclass(frozen=True)
class Bars:
    """A horizontal bar chart of percentages; the values are also printed at the bars."""

    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]  # 0-100


@dataclass(frozen=True)
class Heat:
    """A risk matrix: impact rows (highest first) by frequency columns, count and category
    written in every cell (colour only repeats the category)."""

    title: str
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    categories: tuple[tuple[str, ...], ...]
    ranks: tuple[tuple[int, ...], ...]  # 0 = lowest category ... 3 = highest


@dataclass(frozen=True)
class Section:
    title: str
    text: tuple[str, ...] = ()  # paragraphs before the tables
    tables: tuple[Table, ...] = ()
    subsections: tuple[Section, ...] = ()
    charts: tuple[Bars | Heat, ...] = ()


@dataclass(frozen=True)
class Meta:
    """What the cover page says."""

    title: str
    subtitle: str
    organisation: str
    scope: str
    version: str
    created: date
    language: str
    labels: dict[str, str] = field(default_factory=dict)  # cover and footer wording


@dataclass(frozen=True)
class Document:
    meta: Meta
    sections: tuple[Section, ...]
