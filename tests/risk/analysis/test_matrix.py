"""The BSI 200-3 matrix cell by cell, and matrices the ISB defines."""

from __future__ import annotations

import pytest

from isms.errors import InvalidInput
from risk.analysis.matrix import BSI_200_3, build_spec

# The table of BSI-Standard 200-3 (impact rows, frequency columns), written out independently.
FREQUENCIES = ["selten", "mittel", "häufig", "sehr häufig"]
TABLE = {
    "existenzbedrohend": ["mittel", "hoch", "sehr hoch", "sehr hoch"],
    "beträchtlich": ["mittel", "mittel", "hoch", "sehr hoch"],
    "begrenzt": ["gering", "gering", "mittel", "hoch"],
    "vernachlässigbar": ["gering", "gering", "gering", "gering"],
}
CELLS = [
    (impact, frequency, category)
    for impact, row in TABLE.items()
    for frequency, category in zip(FREQUENCIES, row, strict=True)
]


@pytest.mark.parametrize(("impact", "frequency", "expected"), CELLS)
def test_every_cell_of_the_bsi_matrix(impact: str, frequency: str, expected: str) -> None:
    assert BSI_200_3.category(frequency, impact) == expected


def test_the_table_has_sixteen_cells_and_four_categories() -> None:
    assert len(CELLS) == 16
    assert {c for _, _, c in CELLS} == set(BSI_200_3.categories)
    assert [BSI_200_3.rank(c) for c in ("gering", "mittel", "hoch", "sehr hoch")] == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("frequency", "impact", "field"),
    [("oft", "begrenzt", "frequency"), ("selten", "katastrophal", "impact"), ("", "", "impact")],
)
def test_unknown_levels_name_the_field_and_the_choices(
    frequency: str, impact: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        BSI_200_3.category(frequency, impact)
    assert raised.value.message_key == "error.risk_level_unknown"
    assert raised.value.params["field"] == field
    expected = "selten" if field == "frequency" else "vernachlässigbar"
    assert expected in raised.value.params["allowed"]


def five_by_five() -> dict[str, list]:
    levels = ["1", "2", "3", "4", "5"]
    return {
        "frequencies": levels,
        "impacts": levels,
        "categories": ["niedrig", "mittel", "hoch"],
        "cells": [
            ["niedrig"] * 5,
            ["niedrig", "niedrig", "mittel", "mittel", "mittel"],
            ["niedrig", "mittel", "mittel", "hoch", "hoch"],
            ["mittel", "mittel", "hoch", "hoch", "hoch"],
            ["mittel", "hoch", "hoch", "hoch", "hoch"],
        ],
    }


def test_a_five_by_five_matrix() -> None:
    spec = build_spec(**five_by_five())
    assert spec.category("5", "5") == "hoch"
    assert spec.category("1", "5") == "mittel"
    assert spec.category("3", "1") == "niedrig"


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"cells": [["niedrig"] * 5] * 4}, "error.matrix_shape"),
        ({"frequencies": ["1", "1", "3", "4", "5"]}, "error.matrix_duplicate_level"),
        ({"categories": []}, "error.matrix_levels"),
        ({"impacts": [str(i) for i in range(8)]}, "error.matrix_levels"),
        (
            {"cells": [["hoch"] + ["niedrig"] * 4, *five_by_five()["cells"][1:]]},
            "error.matrix_not_monotonic",
        ),
        (
            {"cells": [["unbekannt"] * 5, *five_by_five()["cells"][1:]]},
            "error.risk_level_unknown",
        ),
    ],
)
def test_bad_matrices_are_refused(change: dict, key: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        build_spec(**{**five_by_five(), **change})
    assert raised.value.message_key == key
