"""The BSI's public catalog files, to import the current official editions with one command.

Paths in the BSI's repository "Stand-der-Technik-Bibliothek" as of its 2026 layout
(`control_layer/...`). The BSI has moved files before; a download that fails names its URL,
the others go on, and any file can be imported from a path or another URL instead.
"""

from __future__ import annotations

from dataclasses import dataclass

BASE_URL = "https://raw.githubusercontent.com/BSI-Bund/Stand-der-Technik-Bibliothek/main/"


@dataclass(frozen=True)
class OfficialFile:
    key: str
    path: str

    @property
    def url(self) -> str:
        return BASE_URL + self.path


# Catalogs first, then the mappings that refer to them (so their families resolve at once).
# Not listed: the resolved "Grundschutz++ Anwenderkatalog"
# (control_layer/Grundschutz++/Grundschutz++-resolved_catalog.json), which repeats the Kernel,
# Methodik and risk controls below in one file; import it instead of them, not beside them.
OFFICIAL: tuple[OfficialFile, ...] = (
    OfficialFile(
        "kernel",
        "control_layer/Grundschutz++/sources/catalogs/Kernel/BSI-Stand-der-Technik-Kernel-catalog.json",
    ),
    OfficialFile(
        "methodik",
        "control_layer/Grundschutz++/sources/catalogs/Methodik-Grundschutz++/"
        "BSI-Methodik-Grundschutz++-catalog.json",
    ),
    OfficialFile(
        "risikomanagement",
        "control_layer/Risikomanagement/BSI-Anforderungen-zum-Risikomanagement-catalog.json",
    ),
    OfficialFile("iso27001-annex-a", "control_layer/ISO27001/ISO27001-AnnexA-catalog.json"),
    OfficialFile(
        "mapping-iso27001",
        "control_layer/Mappings/ISO-27001-zu-GSpp/ISO27001-AnnexA-to-GS++-mapping_collection.json",
    ),
    OfficialFile(
        "mapping-itgs2023",
        "control_layer/Mappings/IT-GS2023-zu-GSpp/ITGS-to-GS++-mapping_collection.json",
    ),
)

# The same files as the BSI publishes them, for a local copy (e.g. ../shared/catalogs/...).
LOCAL_NAMES: tuple[str, ...] = (
    "BSI-Stand-der-Technik-Kernel-catalog.json",
    "BSI-Methodik-Grundschutz++-catalog.json",
    "BSI-Anforderungen-zum-Risikomanagement-catalog.json",
    "ISO27001-AnnexA-catalog.json",
    "ISO27001-AnnexA-to-GS++-mapping_collection.json",
    "ITGS-to-GS++-mapping_collection.json",
)
