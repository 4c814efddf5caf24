"""Reading a CSV or XLSX upload into rows of cell texts, whatever its encoding."""

import codecs
import csv
import io
import zipfile
from collections.abc import Generator

from openpyxl import load_workbook

from isms.i18n import LANGUAGES, translate
from risk.assets.tabular.table import normalize

MAX_UNPACKED = 256 * 1024 * 1024  # bytes a workbook may unpack to: no zip bombs
Records = Generator[tuple[int, list[str]], None, None]  # (spreadsheet row, cells)


class UnreadableError(Exception):
    """The bytes are neither a workbook nor a text table."""


def _decode(data: bytes) -> str:
    """Text from UTF-8 with BOM, UTF-16 with BOM, strict UTF-8 or Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings: tuple[str, ...] = ("utf-16",)
    elif data.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    else:
        encodings = ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        sample = text[:65536]
        controls = sum(1 for char in sample if char < " " and char not in "\t\r\n")
        if "\x00" in text or controls * 100 > len(sample):
            raise UnreadableError
        return text
    raise UnreadableError


def _delimiter(text: str) -> str:
    """`;` unless the header line has none but a tab or a comma."""
    first = next((line for line in io.StringIO(text) if line.strip()), "")
    if ";" in first:
        return ";"
    return "\t" if "\t" in first else "," if "," in first else ";"


def csv_records(data: bytes) -> Records:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        yield from enumerate(reader, 1)
    except csv.Error as error:
        raise UnreadableError from error


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def xlsx_records(data: bytes) -> Records:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED:
            raise UnreadableError
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:
        raise UnreadableError from error
    try:
        titles = {normalize(translate(language, "asset.export.sheet")) for language in LANGUAGES}
        sheets = workbook.worksheets
        sheet = next((s for s in sheets if normalize(s.title) in titles), sheets[0])
        sheet.reset_dimensions()
        for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
            yield number, [_cell_text(value) for value in values]
    except Exception as error:
        raise UnreadableError from error
    finally:
        workbook.close()
