"""CSV and XLSX import and export of the asset register, without a database."""

from __future__ import annotations

import codecs
import csv
import io
import random
import zipfile
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from isms.i18n import catalogue, translate
from risk.assets.levels import DamageScenario, Level, Override
from risk.assets.models import KritisSector, LifecycleStatus
from risk.assets.tabular import (
    COLUMNS,
    AssetRow,
    ParsedTable,
    ProtectionCell,
    RowError,
    column_headers,
    parse_table,
    parsing,
    reading,
    write_csv,
    write_xlsx,
)

HEADER_DE = ";".join(column_headers("de"))
REQUIRED_DE = "Kennung;Name;Kategorie;Organisationseinheit"


def sample_rows() -> list[AssetRow]:
    """Rows that use every enum value, awkward text and empty values."""
    statuses = list(LifecycleStatus)
    sectors = [*KritisSector, None]
    rows = [
        AssetRow(
            short_id=f"Z-{n:03d}",
            name=f"Objekt {n}",
            category="IT-Systeme",
            department="FW",
            status=statuses[n % len(statuses)],
            kritis_sector=sector,
            kritis_critical=n % 2 == 0,
            integrity=ProtectionCell(level=list(Level)[n % 3]),
        )
        for n, sector in enumerate(sectors)
    ]
    rows.append(
        AssetRow(
            short_id="SRV.01_A",
            name='Fileserver „Rathaus“ mit "Zitat"; Größe ÄÖÜ ß',
            category="Server",
            department="HA-10",
            responsible='=HYPERLINK("http://evil")',
            description='Erste Zeile; zweite\nZeile mit "Anführung"\n\n  eingerückt  ',
            location="+49 Keller, Raum 1",
            quantity=1_000_000,
            tags=("server", "rathaus-eg", "größe 1"),
            confidentiality=ProtectionCell(
                Level.SEHR_HOCH, Override.KUMULATION, "-weil viele", tuple(DamageScenario)
            ),
            integrity=ProtectionCell(
                Level.NORMAL,
                Override.VERTEILUNG,
                "@redundant\nzweifach",
                (DamageScenario.FINANCIAL, DamageScenario.LAWS),
            ),
            availability=ProtectionCell(Level.HOCH, None, "'=schon geschützt", ()),
            depends_on=("Z-000", "Z-001"),
        )
    )
    rows.append(AssetRow("MIN", "Minimal", "Raum", "FW", description="'zitiert", location="\tTab"))
    return rows


def csv_bytes(text: str, encoding: str = "utf-8-sig") -> bytes:
    return text.replace("\n", "\r\n").encode(encoding)


def parse_csv(*lines: str, header: str = REQUIRED_DE) -> ParsedTable:
    return parse_table(csv_bytes("\n".join([header, *lines]) + "\n"))


def keys(result: ParsedTable) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message_key) for e in result.errors]


def xlsx_from(rows: list[list[Any]], title: str = "Tabelle1") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# Round trips


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_export_reads_back_unchanged(writer: Any, language: str) -> None:
    rows = sample_rows()
    result = parse_table(writer(rows, language=language))
    assert result.errors == []
    assert result.rows == rows


@pytest.mark.parametrize("writer", [write_csv, write_xlsx])
def test_an_empty_register_exports_a_header_only(writer: Any) -> None:
    result = parse_table(writer([]))
    assert result.rows == []
    assert keys(result) == [(0, "", "error.import.empty")]


def test_the_cells_of_a_carriage_return_come_back_as_newlines() -> None:
    row = AssetRow("A", "n", "c", "d", description="eins\r\nzwei\rdrei")
    for data in (write_csv([row]), write_xlsx([row])):
        assert parse_table(data).rows[0].description == "eins\nzwei\ndrei"


# The CSV as German Excel opens it


def test_csv_is_utf8_with_bom_semicolons_crlf_and_german_labels() -> None:
    row = sample_rows()[-2]
    data = write_csv([row])
    assert data.startswith(codecs.BOM_UTF8)
    text = data[3:].decode("utf-8")
    assert text.startswith(HEADER_DE + "\r\n")
    assert text.count("\r\n") == 2  # header and row; newlines inside cells stay "\n"
    assert '"Erste Zeile; zweite\nZeile mit ""Anf' in text
    cells = next(iter(csv.reader(io.StringIO(text.split("\r\n", 1)[1]), delimiter=";")))
    values = dict(zip(COLUMNS, cells, strict=True))
    assert values["c_level"] == "sehr hoch"
    assert values["i_level"] == "normal"
    assert values["c_override"] == "Kumulationseffekt"
    assert values["i_override"] == "Verteilungseffekt"
    assert values["a_override"] == ""
    assert values["i_scenarios"] == (
        "finanzielle Auswirkungen, Verstoß gegen Gesetze, Vorschriften oder Verträge"
    )
    assert values["status"] == "in Betrieb"
    assert values["kritis_critical"] == "nein"
    assert values["kritis_sector"] == ""
    assert values["tags"] == "server, rathaus-eg, größe 1"
    assert values["depends_on"] == "Z-000, Z-001"
    assert values["quantity"] == "1000000"
    assert values["description"] == row.description


def test_csv_in_english() -> None:
    row = AssetRow(
        "A",
        "n",
        "c",
        "d",
        status=LifecycleStatus.RETIRING,
        kritis_sector=KritisSector.WASSER,
        kritis_critical=True,
        availability=ProtectionCell(
            Level.SEHR_HOCH, Override.KUMULATION, "", (DamageScenario.REPUTATION,)
        ),
    )
    text = write_csv([row], language="en")[3:].decode("utf-8")
    header, line = text.split("\r\n")[:2]
    assert header == ";".join(column_headers("en"))
    assert header.startswith("ID;Name;Category;Organisational unit;Responsible")
    values = dict(zip(COLUMNS, line.split(";"), strict=True))
    assert values["status"] == "being retired"
    assert values["kritis_sector"] == "Water"
    assert values["kritis_critical"] == "yes"
    assert values["a_level"] == "very high"
    assert values["a_override"] == "cumulation effect"
    assert values["a_scenarios"] == "negative internal or external impact"


def test_formula_injection_is_escaped_in_csv() -> None:
    dangerous = ["=1+1", "+49", "-3", "@SUM(A1)", "\tTab", "\rCR", "'quoted"]
    rows = [AssetRow(f"A{n}", text, "c", "d", responsible=text) for n, text in enumerate(dangerous)]
    reader = csv.reader(io.StringIO(write_csv(rows)[3:].decode("utf-8"), newline=""), delimiter=";")
    lines = list(reader)[1:]
    assert [line[1] for line in lines] == ["'" + text for text in dangerous]
    assert [line[4] for line in lines] == ["'" + text for text in dangerous]
    assert parse_table(write_csv(rows)).rows == [
        AssetRow(f"A{n}", text.strip(), "c", "d", responsible=text.replace("\r", "\n"))
        for n, text in enumerate(dangerous)
    ]


def test_harmless_text_is_not_escaped() -> None:
    row = AssetRow("A", "Server 1", "c", "d", description="a-b = c", location="Keller")
    line = write_csv([row])[3:].decode("utf-8").split("\r\n")[1]
    assert line.startswith("A;Server 1;c;d;;a-b = c;Keller;1;in Betrieb;")


# The workbook


def test_xlsx_has_a_bold_frozen_filtered_header_and_sized_columns() -> None:
    rows = sample_rows()
    workbook = load_workbook(io.BytesIO(write_xlsx(rows)))
    sheet = workbook.worksheets[0]
    assert workbook.sheetnames == ["Zielobjekte"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:Y{len(rows) + 1}"  # 25 columns
    header = [cell.value for cell in sheet[1]]
    assert header == column_headers("de")
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.column_dimensions["B"].width >= len(rows[-2].name)
    assert sheet.column_dimensions["F"].width <= 60
    assert sheet.cell(row=len(rows), column=8).value == 1_000_000  # quantity is a number


def test_xlsx_in_english_has_an_english_sheet() -> None:
    workbook = load_workbook(io.BytesIO(write_xlsx([], language="en")))
    assert workbook.sheetnames == ["Target objects"]
    assert [c.value for c in workbook.worksheets[0][1]][:2] == ["ID", "Name"]


def test_formula_injection_is_escaped_in_xlsx_and_no_cell_is_a_formula() -> None:
    dangerous = ["=1+1", "+49", "-3", "@SUM(A1)", '=HYPERLINK("x")']
    rows = [AssetRow(f"A{n}", "n", "c", "d", description=t) for n, t in enumerate(dangerous)]
    sheet = load_workbook(io.BytesIO(write_xlsx(rows))).worksheets[0]
    cells = [cell for row in sheet.iter_rows(min_row=2) for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert [sheet.cell(row=n + 2, column=6).value for n in range(5)] == ["'" + t for t in dangerous]
    assert [r.description for r in parse_table(write_xlsx(rows)).rows] == dangerous


def test_xlsx_drops_characters_a_workbook_cannot_hold() -> None:
    row = AssetRow("A", "n", "c", "d", description="vor\x01nach\x1b")
    assert parse_table(write_xlsx([row])).rows[0].description == "vornach"


# Reading what people bring


def test_csv_from_german_excel_in_windows_1252() -> None:
    text = (
        "Kennung;Name;Kategorie;Organisationseinheit;Verfügbarkeit;Verfügbarkeit Begründung;"
        "Integrität Schadensszenarien;Kritische Anlage;Status;KRITIS-Sektor\n"
        "ma-01;Großküche Bürgerhaus;Räume;SOZ;sehr hoch;Versorgung „Essen“;"
        '"Beeinträchtigung der Aufgabenerfüllung, Verstoß gegen Gesetze, Vorschriften oder '
        'Verträge";ja;in Aussonderung;Ernährung\n'
    )
    data = csv_bytes(text, "cp1252")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    result = parse_table(data, filename="export.csv")
    assert result.errors == []
    assert result.rows == [
        AssetRow(
            "MA-01",
            "Großküche Bürgerhaus",
            "Räume",
            "SOZ",
            status=LifecycleStatus.RETIRING,
            kritis_sector=KritisSector.ERNAEHRUNG,
            kritis_critical=True,
            integrity=ProtectionCell(
                scenarios=(DamageScenario.TASK_FULFILMENT, DamageScenario.LAWS)
            ),
            availability=ProtectionCell(Level.SEHR_HOCH, justification="Versorgung „Essen“"),
        )
    ]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp1252", "utf-16"])
def test_every_encoding_excel_writes_is_read(encoding: str) -> None:
    delimiter = "\t" if encoding == "utf-16" else ";"  # Excel's "Unicode text" uses tabs
    text = f"{REQUIRED_DE}\nA;Übersicht;Räume;FW\n".replace(";", delimiter)
    result = parse_table(text.encode(encoding))
    assert result.errors == []
    assert result.rows == [AssetRow("A", "Übersicht", "Räume", "FW")]


def test_a_bom_is_not_part_of_the_first_header() -> None:
    data = codecs.BOM_UTF8 + b"Kennung;Name;Kategorie;Organisationseinheit\r\nA;n;c;d\r\n"
    assert parse_table(data).rows == [AssetRow("A", "n", "c", "d")]


@pytest.mark.parametrize("delimiter", [",", "\t"])
def test_comma_or_tab_when_the_header_has_no_semicolon(delimiter: str) -> None:
    text = delimiter.join(["Kennung", "Name", "Kategorie", "Organisationseinheit", "Tags"])
    text += "\n" + delimiter.join(["A", "Server; Raum 2", "c", "d", '"x, y"']) + "\n"
    result = parse_table(text.encode())
    assert result.errors == []
    assert result.rows == [AssetRow("A", "Server; Raum 2", "c", "d", tags=("x", "y"))]


def test_english_headers_any_case_and_spacing_are_accepted() -> None:
    header = (
        "  id ;NAME;category; Organisational   unit ;Confidentiality;CRITICAL FACILITY;Depends on"
    )
    result = parse_csv("a;n;c;d;very high;yes;b, c", header=header)
    assert result.errors == []
    assert result.rows == [
        AssetRow(
            "A",
            "n",
            "c",
            "d",
            kritis_critical=True,
            confidentiality=ProtectionCell(Level.SEHR_HOCH),
            depends_on=("B", "C"),
        )
    ]


def test_values_in_either_language_or_as_stored_values() -> None:
    header = (
        f"{REQUIRED_DE};Status;KRITIS-Sektor;Vertraulichkeit;Integrität;Verfügbarkeit Abweichung"
    )
    result = parse_csv(
        "A;n;c;d;PLANNED;water;HIGH;Sehr Hoch;distribution effect",
        "B;n;c;d;ausgesondert;staat_verwaltung;sehr  hoch;normal;kumulationseffekt",
        header=header,
    )
    assert result.errors == []
    assert [(r.status, r.kritis_sector) for r in result.rows] == [
        (LifecycleStatus.PLANNED, KritisSector.WASSER),
        (LifecycleStatus.RETIRED, KritisSector.STAAT),
    ]
    assert [(r.confidentiality.level, r.integrity.level) for r in result.rows] == [
        (Level.HOCH, Level.SEHR_HOCH),
        (Level.SEHR_HOCH, Level.NORMAL),
    ]
    assert [r.availability.override for r in result.rows] == [
        Override.VERTEILUNG,
        Override.KUMULATION,
    ]


def test_scenarios_by_label_in_both_languages_or_by_value() -> None:
    cell = (
        '"aussenwirkung; Verstoß gegen Gesetze, Vorschriften oder Verträge,'
        'financial consequences, VERSTOSS_GESETZE"'
    )
    result = parse_csv(f"A;n;c;d;{cell}", header=f"{REQUIRED_DE};Vertraulichkeit Schadensszenarien")
    assert result.errors == []
    assert result.rows[0].confidentiality.scenarios == (
        DamageScenario.REPUTATION,
        DamageScenario.LAWS,
        DamageScenario.FINANCIAL,
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ja", True),
        ("Nein", False),
        ("YES", True),
        ("no", False),
        ("true", True),
        ("False", False),
        ("WAHR", True),
        ("falsch", False),
        ("1", True),
        ("0", False),
        ("x", True),
        ("X", True),
        ("", False),
    ],
)
def test_yes_and_no_in_their_many_spellings(value: str, expected: bool) -> None:
    result = parse_csv(f"A;n;c;d;{value}", header=f"{REQUIRED_DE};Kritische Anlage")
    assert result.errors == []
    assert result.rows[0].kritis_critical is expected


def test_ids_tags_and_dependencies_are_normalised() -> None:
    result = parse_csv(
        '  srv-1 ; Name  ; IT-Systeme ; fw ;"Foo, BAR ,foo,, ";"a-1; b-2 a-1,\nc.3"',
        header=f"{REQUIRED_DE};Tags;Abhängig von",
    )
    assert result.errors == []
    assert result.rows == [
        AssetRow(
            "SRV-1",
            "Name",
            "IT-Systeme",
            "fw",
            tags=("foo", "bar"),
            depends_on=("A-1", "B-2", "C.3"),
        )
    ]


def test_empty_rows_are_skipped_and_row_numbers_are_those_of_the_sheet() -> None:
    result = parse_csv("A;n;c;d", "", ";;;", 'B;"zwei\nZeilen";c;d', "C;;c;d")
    assert [r.short_id for r in result.rows] == ["A", "B"]
    assert keys(result) == [(6, "Name", "error.import.required")]


def test_a_leading_apostrophe_is_kept_unless_it_protects_something() -> None:
    result = parse_csv("A;'n;''c;'=d", "'B;n;c;d")
    assert result.rows == [AssetRow("A", "'n", "'c", "=d")]
    assert keys(result) == [(3, "Kennung", "error.import.invalid_short_id")]


def test_xlsx_from_excel_numbers_booleans_gaps_and_the_right_sheet() -> None:
    workbook = Workbook()
    other = workbook.active
    assert other is not None
    other.append(["not", "this"])
    sheet = workbook.create_sheet("Zielobjekte")
    sheet.append(
        ["Kennung", "Name", "Kategorie", "Organisationseinheit", "Anzahl", "Kritische Anlage"]
    )
    sheet.append([])
    sheet.append([1, "Eins", "c", "d", 3.0, True])
    sheet.append(["B", None, "c", "d", 2.5, False])
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = parse_table(buffer.getvalue(), filename="daten.xlsx")
    assert result.rows == [AssetRow("1", "Eins", "c", "d", quantity=3, kritis_critical=True)]
    assert keys(result) == [
        (4, "Name", "error.import.required"),
        (4, "Anzahl", "error.import.invalid_quantity"),
    ]


def test_xlsx_errors_name_the_header_as_written() -> None:
    data = xlsx_from(
        [["kennung", "NAME", "Kategorie", "Organisationseinheit", "Wert"], ["a", "n", "c", "d", 1]]
    )
    assert keys(parse_table(data)) == [(1, "Wert", "error.import.unknown_column")]


# Whole-file problems


@pytest.mark.parametrize(
    "data",
    [
        b"",
        codecs.BOM_UTF8,
        b"\r\n\r\n  \r\n",
        b";;;\r\n",
        csv_bytes(REQUIRED_DE + "\n"),
        csv_bytes(REQUIRED_DE + "\n;;;\n\n"),
    ],
)
def test_a_file_without_target_objects_is_empty(data: bytes) -> None:
    assert keys(parse_table(data)) == [(0, "", "error.import.empty")]


def test_an_empty_workbook_is_empty() -> None:
    assert keys(parse_table(xlsx_from([]))) == [(0, "", "error.import.empty")]


def unreadable(data: bytes, filename: str = "") -> None:
    result = parse_table(data, filename=filename)
    assert result.rows == []
    assert result.errors == [RowError(0, "", "error.import.unreadable", {"filename": filename})]


def test_random_bytes_named_xlsx_are_unreadable() -> None:
    unreadable(random.Random(7).randbytes(4096), "zielobjekte.xlsx")
    unreadable(b"PK\x03\x04" + random.Random(8).randbytes(4096), "zielobjekte.xlsx")


def test_a_zip_that_is_not_a_workbook_is_unreadable() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "Kennung;Name;Kategorie;Organisationseinheit\r\nA;n;c;d\r\n")
    unreadable(buffer.getvalue(), "zielobjekte.xlsx")


def test_a_truncated_workbook_is_unreadable() -> None:
    data = write_xlsx(sample_rows())
    unreadable(data[: len(data) // 2], "zielobjekte.xlsx")


def test_a_png_is_unreadable() -> None:
    png = (
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
        b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
        b"\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    unreadable(png, "zielobjekte.csv")


def test_an_old_binary_excel_file_is_unreadable() -> None:
    unreadable(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "zielobjekte.xls")


def test_a_workbook_that_unpacks_too_much_is_unreadable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_UNPACKED", 1000)
    unreadable(write_xlsx(sample_rows()))


def test_a_header_with_unknown_duplicate_and_missing_columns() -> None:
    result = parse_table(csv_bytes("Kennung; Farbe ;Name;name;Kategorie;\nA;rot;n;m;c;\n"))
    assert result.rows == []
    assert result.errors == [
        RowError(1, "Farbe", "error.import.unknown_column", {"value": "Farbe"}),
        RowError(1, "name", "error.import.duplicate_column", {"value": "name"}),
        RowError(1, "", "error.import.missing_column", {"column": "Organisationseinheit"}),
    ]


def test_missing_columns_are_named_in_the_language_of_the_file() -> None:
    result = parse_table(b"ID;Name;Category;Quantity\r\nA;n;c;1\r\n")
    assert result.errors == [
        RowError(1, "", "error.import.missing_column", {"column": "Organisational unit"})
    ]


def test_unknown_columns_do_not_hide_the_errors_of_the_rows() -> None:
    result = parse_csv("A;n;c;d;egal;0", header=f"{REQUIRED_DE};Farbe;Anzahl")
    assert keys(result) == [
        (1, "Farbe", "error.import.unknown_column"),
        (2, "Anzahl", "error.import.invalid_quantity"),
    ]


def test_more_than_the_maximum_of_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parsing, "MAX_ROWS", 3)
    assert parse_csv("A;n;c;d", "B;n;c;d", "C;n;c;d").errors == []
    result = parse_csv("A;n;c;d", "", "B;n;c;d", "C;n;c;d", "D;n;c;d")
    assert result.rows == []
    assert result.errors == [RowError(0, "", "error.import.too_many_rows", {"max": 3})]


def test_the_real_row_limit_is_fifty_thousand() -> None:
    assert parsing.MAX_ROWS == 50_000
    lines = "".join(f"Z{n};n;c;d\r\n" for n in range(50_001))
    result = parse_table((REQUIRED_DE + "\r\n" + lines).encode())
    assert keys(result) == [(0, "", "error.import.too_many_rows")]


# Cell problems


FULL_HEADER = (
    f"{REQUIRED_DE};Verantwortlich;Beschreibung;Standort;Anzahl;Status;Tags;KRITIS-Sektor;"
    "Kritische Anlage;Vertraulichkeit;Vertraulichkeit Abweichung;Vertraulichkeit Begründung;"
    "Vertraulichkeit Schadensszenarien;Abhängig von"
)


@pytest.mark.parametrize(
    ("line", "column", "message_key", "params"),
    [
        ("A B;n;c;d", "Kennung", "invalid_short_id", {"value": "A B"}),
        ("-A;n;c;d", "Kennung", "invalid_short_id", {"value": "-A"}),
        ("A" * 21 + ";n;c;d", "Kennung", "invalid_short_id", {"value": "A" * 21}),
        (" ;n;c;d", "Kennung", "required", {}),
        ("A; ;c;d", "Name", "required", {}),
        ("A;n;;d", "Kategorie", "required", {}),
        ("A;n;c;", "Organisationseinheit", "required", {}),
        (f"A;{'n' * 201};c;d", "Name", "too_long", {"length": 201, "max": 200}),
        (f"A;n;{'c' * 121};d", "Kategorie", "too_long", {"length": 121, "max": 120}),
        (f"A;n;c;{'D' * 21}", "Organisationseinheit", "too_long", {"length": 21, "max": 20}),
        (f"A;n;c;d;{'r' * 201}", "Verantwortlich", "too_long", {"length": 201, "max": 200}),
        (f"A;n;c;d;;{'b' * 10001}", "Beschreibung", "too_long", {"length": 10001, "max": 10000}),
        (f"A;n;c;d;;;{'s' * 201}", "Standort", "too_long", {"length": 201, "max": 200}),
        ("A;n;c;d;;;;0", "Anzahl", "invalid_quantity", {"value": "0", "max": 1_000_000}),
        ("A;n;c;d;;;;-2", "Anzahl", "invalid_quantity", {"value": "-2", "max": 1_000_000}),
        ("A;n;c;d;;;;2,5", "Anzahl", "invalid_quantity", {"value": "2,5", "max": 1_000_000}),
        ("A;n;c;d;;;;viele", "Anzahl", "invalid_quantity", {"value": "viele", "max": 1_000_000}),
        (
            "A;n;c;d;;;;1000001",
            "Anzahl",
            "invalid_quantity",
            {"value": "1000001", "max": 1_000_000},
        ),
        ("A;n;c;d;;;;;kaputt", "Status", "invalid_status", {"value": "kaputt"}),
        ("A;n;c;d;;;;;;" + "t" * 41, "Tags", "invalid_tag", {"value": "t" * 41}),
        (
            "A;n;c;d;;;;;;" + ",".join(f"t{n}" for n in range(21)),
            "Tags",
            "too_many_tags",
            {"count": 21, "max": 20},
        ),
        ("A;n;c;d;;;;;;;Bergbau", "KRITIS-Sektor", "invalid_kritis_sector", {"value": "Bergbau"}),
        (
            "A;n;c;d;;;;;;;;vielleicht",
            "Kritische Anlage",
            "invalid_boolean",
            {"value": "vielleicht"},
        ),
        ("A;n;c;d;;;;;;;;;mittel", "Vertraulichkeit", "invalid_level", {"value": "mittel"}),
        (
            "A;n;c;d;;;;;;;;;hoch;Zufall",
            "Vertraulichkeit Abweichung",
            "invalid_override",
            {"value": "Zufall"},
        ),
        (
            f"A;n;c;d;;;;;;;;;;;{'j' * 4001}",
            "Vertraulichkeit Begründung",
            "too_long",
            {"length": 4001, "max": 4000},
        ),
        (
            "A;n;c;d;;;;;;;;;;;;Hochwasser, finanzielle Auswirkungen",
            "Vertraulichkeit Schadensszenarien",
            "invalid_scenario",
            {"value": "Hochwasser"},
        ),
        (
            "A;n;c;d;;;;;;;;;;;;finanzielle Auswirkungen, Pech",
            "Vertraulichkeit Schadensszenarien",
            "invalid_scenario",
            {"value": "Pech"},
        ),
        ("A;n;c;d;;;;;;;;;;;;;B, c d!", "Abhängig von", "invalid_dependency", {"value": "d!"}),
        ("A;n;c;d;;;;;;;;;;;;;B, a", "Abhängig von", "self_dependency", {"value": "A"}),
    ],
)
def test_each_cell_problem_names_row_column_and_value(
    line: str, column: str, message_key: str, params: dict[str, str | int]
) -> None:
    result = parse_csv(line, header=FULL_HEADER)
    assert result.rows == []
    assert result.errors == [RowError(2, column, f"error.import.{message_key}", params)]


def test_a_repeated_id_is_reported_on_the_later_row_naming_the_first() -> None:
    result = parse_csv("A;n;c;d", "B;n;c;d", "a ;n;c;d", "A;n;c;d")
    assert [r.short_id for r in result.rows] == ["A", "B"]
    assert result.errors == [
        RowError(4, "Kennung", "error.import.duplicate_short_id", {"value": "A", "first_row": 2}),
        RowError(5, "Kennung", "error.import.duplicate_short_id", {"value": "A", "first_row": 2}),
    ]


def test_all_problems_are_collected_not_just_the_first() -> None:
    result = parse_csv(
        "a b;;c;d;;;;0;kaputt",
        "OK;n;c;d",
        "B;n;;d;;;;;;;;;sehr;;;Pech",
        header=FULL_HEADER,
    )
    assert [r.short_id for r in result.rows] == ["OK"]
    assert keys(result) == [
        (2, "Kennung", "error.import.invalid_short_id"),
        (2, "Name", "error.import.required"),
        (2, "Anzahl", "error.import.invalid_quantity"),
        (2, "Status", "error.import.invalid_status"),
        (4, "Kategorie", "error.import.required"),
        (4, "Vertraulichkeit", "error.import.invalid_level"),
        (4, "Vertraulichkeit Schadensszenarien", "error.import.invalid_scenario"),
    ]


# The catalogue


@pytest.mark.parametrize("language", ["de", "en"])
def test_every_header_and_label_is_in_the_catalogue(language: str) -> None:
    messages = catalogue(language)
    wanted = [f"asset.column.{key}" for key in COLUMNS]
    wanted += [f"asset.status.{s.value}" for s in LifecycleStatus]
    wanted += [f"kritis.sector.{s.value}" for s in KritisSector]
    wanted += [f"level.{level.term.replace(' ', '_')}" for level in Level]
    wanted += [f"override.{o.value}" for o in Override]
    wanted += [f"scenario.{s.value}" for s in DamageScenario]
    wanted += ["yesno.yes", "yesno.no", "asset.export.sheet"]
    assert [key for key in wanted if key not in messages] == []
    assert len(set(column_headers(language))) == len(COLUMNS)


def test_headers_of_the_two_languages_never_mean_different_columns() -> None:
    german = {h.lower(): key for h, key in zip(column_headers("de"), COLUMNS, strict=True)}
    english = {h.lower(): key for h, key in zip(column_headers("en"), COLUMNS, strict=True)}
    assert all(german[h] == english[h] for h in german.keys() & english.keys())


def test_every_error_key_has_a_german_and_an_english_message() -> None:
    problems = ["unreadable", "empty", "too_many_rows", "unknown_column", "duplicate_column"]
    problems += ["missing_column", "required", "too_long", "invalid_short_id", "invalid_quantity"]
    problems += ["invalid_level", "invalid_override", "invalid_scenario", "invalid_status"]
    problems += ["invalid_kritis_sector", "invalid_boolean", "invalid_tag", "too_many_tags"]
    problems += ["invalid_dependency", "self_dependency", "duplicate_short_id"]
    for problem in problems:
        key = f"error.import.{problem}"
        german, english = translate("de", key), translate("en", key)
        assert german != key and english != key and german != english
    assert translate("de", "error.import.invalid_level", value="mittel") == (
        "„mittel“ ist keine Schutzbedarfskategorie (normal, hoch, sehr hoch)."
    )


def test_the_content_decides_the_format_not_the_file_name() -> None:
    rows = sample_rows()
    assert parse_table(write_csv(rows), filename="zielobjekte.xlsx").rows == rows
    assert parse_table(write_xlsx(rows), filename="zielobjekte.csv").rows == rows
