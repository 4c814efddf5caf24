"""The review policies a new installation starts with (the ISB edits them as data)."""

from __future__ import annotations

from dataclasses import dataclass, field

from reviews.models import Schedule, Subject


@dataclass(frozen=True)
class PolicySpec:
    name: str
    title: str
    subject: Subject
    schedule: Schedule
    interval_months: int
    lead_days: int
    condition: dict[str, object] = field(default_factory=dict)
    description: str = ""
    replaces: str = ""  # the name of an older default this one supersedes


# vocabulary: the titles are German data the ISB may rename, like a department's name
DEFAULT_POLICIES: tuple[PolicySpec, ...] = (
    PolicySpec(
        "schutzbedarf",
        "Schutzbedarf jährlich überprüfen",  # vocabulary: policy title (data)
        Subject.PROTECTION,
        Schedule.PERIODIC,
        12,
        30,
        {"max_level": 2},
    ),
    PolicySpec(
        "schutzbedarf-sehr-hoch",
        "Schutzbedarf sehr hoch: halbjährlich überprüfen",  # vocabulary: policy title (data)
        Subject.PROTECTION,
        Schedule.PERIODIC,
        6,
        30,
        {"min_level": 3},
    ),
    PolicySpec(
        "offene-risiken",
        "Offene Risiken vierteljährlich überprüfen",  # vocabulary: policy title (data)
        Subject.RISK,
        Schedule.PERIODIC,
        3,
        21,
    ),
    PolicySpec(
        "risikoakzeptanz",
        "Risikoakzeptanz vor Ablauf erneuern",  # vocabulary: policy title (data)
        Subject.ACCEPTANCE,
        Schedule.DEADLINE,
        0,
        60,
    ),
    # One task per target object and month for its open requirements (until their target
    # dates). Replaces "check-luecken" (one task per requirement and month: tens of thousands a
    # month at city scale); an installation that has the older policy keeps it, switched off.
    PolicySpec(
        "check-luecken-objekte",
        "Offene Anforderungen (teilweise/nein) je Zielobjekt monatlich prüfen",  # vocabulary: title
        Subject.CHECK_GAPS,
        Schedule.PERIODIC,
        1,
        31,
        replaces="check-luecken",
    ),
    PolicySpec(
        "nachweise",
        "Nachweise vor Ablauf erneuern",
        Subject.EVIDENCE,
        Schedule.DEADLINE,
        0,
        30,
    ),
    PolicySpec(
        "verarbeitungen",
        "Verzeichnis von Verarbeitungstätigkeiten jährlich überprüfen",  # vocabulary: title (data)
        Subject.PROCESSING,
        Schedule.PERIODIC,
        12,
        30,
    ),
    PolicySpec(
        "dsfa",
        "Datenschutz-Folgenabschätzung vor dem Überprüfungstermin überprüfen",  # vocabulary: title
        Subject.DPIA,
        Schedule.DEADLINE,
        0,
        30,
    ),
    PolicySpec(
        "kritis-nachweis",
        "KRITIS-Nachweis (alle drei Jahre, § 8a BSIG) vorbereiten",  # vocabulary: title (data)
        Subject.KRITIS,
        Schedule.PERIODIC,
        36,
        180,
    ),
)
