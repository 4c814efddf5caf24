"""The asset register as CSV (as German Excel writes it) and XLSX; pure, no database.

Headers and labels come from the message catalogues; imports accept German and English ones.
Formula-like text is written with a leading `'` that the import removes again, so an export reads
back unchanged, except that line ends inside a cell come back as `\\n` (XLSX keeps no CR).

`table` holds the columns and row types, `export` writes, `reading` turns bytes into cell texts,
`parsing` checks them into rows or errors naming row and column.
"""

from risk.assets.tabular.export import write_csv, write_xlsx
from risk.assets.tabular.parsing import parse_table
from risk.assets.tabular.table import (
    COLUMNS,
    AssetRow,
    ParsedTable,
    ProtectionCell,
    RowError,
    column_headers,
)

__all__ = [
    "COLUMNS",
    "AssetRow",
    "ParsedTable",
    "ProtectionCell",
    "RowError",
    "column_headers",
    "parse_table",
    "write_csv",
    "write_xlsx",
]
