"""Risk matrices as data and scoring as a pure function (no database).

A matrix names its frequency levels (columns, lowest first), its impact levels (rows, lowest
first), its risk categories (lowest first) and, per impact and frequency, the category. The BSI
200-3 matrix is the default; the ISB may define another one (e.g. 5x5) for new analyses, while
existing risks keep the matrix they were rated with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from isms.errors import InvalidInput

MAX_LEVELS = 7


@dataclass(frozen=True)
class MatrixSpec:
    frequencies: tuple[str, ...]
    impacts: tuple[str, ...]
    categories: tuple[str, ...]
    # cells[impact index][frequency index] -> category
    cells: tuple[tuple[str, ...], ...]

    def category(
        self, frequency: str, impact: str, fields: tuple[str, str] = ("frequency", "impact")
    ) -> str:
        """The risk category of frequency x impact; an unknown level is a 400 naming the choices
        (reported under fields, e.g. the residual rating's)."""
        return self.cells[level_index(self.impacts, impact, fields[1])][
            level_index(self.frequencies, frequency, fields[0])
        ]

    def rank(self, category: str) -> int:
        """0 for the lowest category; -1 when unknown."""
        return self.categories.index(category) if category in self.categories else -1

    def as_dict(self) -> dict[str, Any]:
        return {
            "frequencies": list(self.frequencies),
            "impacts": list(self.impacts),
            "categories": list(self.categories),
            "cells": [list(row) for row in self.cells],
        }


def level_index(levels: Sequence[str], value: str, field: str) -> int:
    if value not in levels:
        raise InvalidInput(
            "error.risk_level_unknown",
            field=field,
            value=str(value)[:60],
            allowed=", ".join(levels),
        )
    return levels.index(value)


# vocabulary: BSI 200-3, Tabelle "Matrix zur Einstufung von Risiken"
BSI_200_3 = MatrixSpec(
    frequencies=("selten", "mittel", "häufig", "sehr häufig"),  # vocabulary: BSI 200-3
    impacts=(
        "vernachlässigbar",  # vocabulary: BSI 200-3
        "begrenzt",
        "beträchtlich",  # vocabulary: BSI 200-3
        "existenzbedrohend",
    ),
    categories=("gering", "mittel", "hoch", "sehr hoch"),
    cells=(
        ("gering", "gering", "gering", "gering"),  # negligible
        ("gering", "gering", "mittel", "hoch"),  # limited
        ("mittel", "mittel", "hoch", "sehr hoch"),  # considerable
        ("mittel", "hoch", "sehr hoch", "sehr hoch"),  # existence-threatening
    ),
)


def _levels(raw: Any, field: str) -> tuple[str, ...]:
    if not isinstance(raw, list | tuple) or not raw:
        raise InvalidInput("error.matrix_levels", field=field, max=MAX_LEVELS)
    levels = tuple(str(v).strip() for v in raw)
    if len(levels) > MAX_LEVELS or any(not v or len(v) > 40 for v in levels):
        raise InvalidInput("error.matrix_levels", field=field, max=MAX_LEVELS)
    if len(set(levels)) != len(levels):
        raise InvalidInput("error.matrix_duplicate_level", field=field)
    return levels


def build_spec(
    frequencies: Sequence[str],
    impacts: Sequence[str],
    categories: Sequence[str],
    cells: Sequence[Sequence[str]],
) -> MatrixSpec:
    """A checked matrix: 1-7 distinct levels per axis, one known category in every cell, and
    categories that never fall when frequency or impact rises."""
    spec_frequencies = _levels(frequencies, "frequencies")
    spec_impacts = _levels(impacts, "impacts")
    spec_categories = _levels(categories, "categories")
    if len(cells) != len(spec_impacts) or any(len(row) != len(spec_frequencies) for row in cells):
        raise InvalidInput(
            "error.matrix_shape",
            field="cells",
            rows=len(spec_impacts),
            columns=len(spec_frequencies),
        )
    rows = tuple(tuple(str(c).strip() for c in row) for row in cells)
    for row in rows:
        for cell in row:
            level_index(spec_categories, cell, "cells")
    rank = {c: i for i, c in enumerate(spec_categories)}
    for i, row in enumerate(rows):
        for j, cell in enumerate(row):
            right = j + 1 < len(row) and rank[row[j + 1]] < rank[cell]
            above = i + 1 < len(rows) and rank[rows[i + 1][j]] < rank[cell]
            if right or above:
                raise InvalidInput(
                    "error.matrix_not_monotonic",
                    field="cells",
                    impact=spec_impacts[i],
                    frequency=spec_frequencies[j],
                )
    return MatrixSpec(spec_frequencies, spec_impacts, spec_categories, rows)
