"""The GDPR's lists as data (no database): legal bases of Art. 6(1) and Art. 9(2), and the goals
of Art. 32(1) that the measures of a processing activity are grouped by."""

from __future__ import annotations

import enum
import re

from isms.i18n import translate


class LegalBasis(enum.StrEnum):
    """Art. 6(1) a-f: lawfulness of processing; Art. 9(2) a-j: exceptions for special
    categories of personal data."""

    ART6_1_A = "art6_1_a"
    ART6_1_B = "art6_1_b"
    ART6_1_C = "art6_1_c"
    ART6_1_D = "art6_1_d"
    ART6_1_E = "art6_1_e"
    ART6_1_F = "art6_1_f"
    ART9_2_A = "art9_2_a"
    ART9_2_B = "art9_2_b"
    ART9_2_C = "art9_2_c"
    ART9_2_D = "art9_2_d"
    ART9_2_E = "art9_2_e"
    ART9_2_F = "art9_2_f"
    ART9_2_G = "art9_2_g"
    ART9_2_H = "art9_2_h"
    ART9_2_I = "art9_2_i"
    ART9_2_J = "art9_2_j"


ART6 = tuple(b.value for b in LegalBasis if b.value.startswith("art6"))
ART9 = tuple(b.value for b in LegalBasis if b.value.startswith("art9"))

# Art. 32(1): a) pseudonymisation and encryption, b) confidentiality, integrity, availability and
# resilience of the systems and services, c) restoring availability and access after an
# incident, d) regular testing, assessing and evaluating the measures.
ART32_GOALS = ("a", "b", "c", "d")
_CRYPTO = re.compile(r"verschl|kryptogr|pseudonym|encrypt|crypto", re.IGNORECASE)
_RESTORE = {"NOT", "REA"}  # Notfallplanung, Sicherheitsvorfallsbehandlung
_RESTORE_TITLE = re.compile(r"datensicherung|wiederherstell|backup|restore|notfall", re.IGNORECASE)
_TESTING = {"TEST"}  # Aenderungen und Tests


def art32_goal(practice: str | None, title: str) -> str:
    """The Art. 32(1) goal a requirement serves: encryption by its title, restoring by the
    emergency and incident practices or a backup or restore title, testing by the test
    practice, everything else (access, configuration, architecture, staff, buildings, ...) the
    protection of the systems (b)."""
    if _CRYPTO.search(title):
        return "a"
    if practice in _RESTORE or _RESTORE_TITLE.search(title):
        return "c"
    if practice in _TESTING:
        return "d"
    return "b"


def basis_text(code: str, language: str) -> str:
    """art6_1_c -> Art. 6 Abs. 1 lit. c DSGVO (or Art. 6(1)(c) GDPR)."""
    article, paragraph, point = code.removeprefix("art").split("_")
    return translate(language, "privacy.basis", article=article, paragraph=paragraph, point=point)


def problems(legal_bases: list[str], special_categories: bool) -> list[tuple[str, str]]:
    """(field, message key) for legal bases that do not hold together; empty when they do."""
    found: list[tuple[str, str]] = []
    if not any(b in ART6 for b in legal_bases):
        found.append(("legal_bases", "error.privacy_art6_missing"))
    if special_categories and not any(b in ART9 for b in legal_bases):
        found.append(("legal_bases", "error.privacy_art9_missing"))
    if not special_categories and any(b in ART9 for b in legal_bases):
        found.append(("legal_bases", "error.privacy_art9_without_special"))
    return found


# Data protection impact assessment (Art. 35). The threshold: a DPIA is required when one
# "must" criterion applies (the cases of Art. 35(3), and what the DPO adds from the
# supervisory authorities' lists, e.g. the DSK's Muss-Liste) or at least two indicators apply
# (the nine criteria of the EDPB guidelines WP 248 rev.01: "in most cases ... two criteria").
MUST = "muss"
INDICATOR = "indiz"
INDICATORS_FOR_DPIA = 2
THRESHOLD_CRITERIA: dict[str, str] = {
    "art35_3_a": MUST,  # systematic and extensive evaluation, profiling, with legal effects
    "art35_3_b": MUST,  # large-scale processing of special categories or criminal data
    "art35_3_c": MUST,  # systematic monitoring of a publicly accessible area on a large scale
    "wp248_scoring": INDICATOR,  # evaluation or scoring
    "wp248_automated": INDICATOR,  # automated decision with legal or similar effect
    "wp248_monitoring": INDICATOR,  # systematic monitoring
    "wp248_sensitive": INDICATOR,  # sensitive data or data of a highly personal nature
    "wp248_large_scale": INDICATOR,  # data processed on a large scale
    "wp248_matching": INDICATOR,  # matching or combining datasets
    "wp248_vulnerable": INDICATOR,  # data of vulnerable subjects (employees, children, ...)
    "wp248_innovative": INDICATOR,  # innovative use or new technology
    "wp248_prevents": INDICATOR,  # prevents subjects from exercising a right or using a service
}


def dpia_required(kinds: list[str]) -> bool:
    """Whether the criteria that apply (given by their kinds) call for a DPIA."""
    return MUST in kinds or kinds.count(INDICATOR) >= INDICATORS_FOR_DPIA


# The risks to the rights and freedoms of data subjects: likelihood and severity in four steps
# each (negligible, limited, significant, maximum), as in the DSK's Kurzpapier Nr. 18; their
# product gives the level: up to 2 low, up to 6 a risk, from 8 on high.
STEPS = (1, 2, 3, 4)
LOW, RISK, HIGH = "gering", "risiko", "hoch"


def rights_risk(likelihood: int, severity: int) -> str:
    product = likelihood * severity
    if product <= 2:
        return LOW
    return RISK if product <= 6 else HIGH
