"""Demo GDPR records of the city of Hannover: processing activities of the departments, linked to
the demo's target objects, and a few incidents, one of them a personal-data breach. Idempotent:
nothing is added when records exist."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from isms.clock import utcnow
from isms.identity.models import Department
from privacy import dpia, incidents, service
from privacy.models import Incident, ProcessingActivity
from privacy.schemas import (
    ActivityCreate,
    DpiaCreate,
    DpiaOpinion,
    DpiaRisk,
    DpiaSignOff,
    DpiaUpdate,
    IncidentCreate,
)
from risk.assets.models import Asset

CONTROLLER = "Landeshauptstadt Hannover, Der Oberbürgermeister, Trammplatz 2, 30159 Hannover"
DPO = "Datenschutzbeauftragte der Landeshauptstadt Hannover, datenschutz@hannover-stadt.de"

# (department, name, purposes, legal bases, note, special, subjects, categories, recipients,
#  objects, DPIA reason)
ACTIVITIES: list[tuple[Any, ...]] = [
    (
        "BA",
        "Führung des Melderegisters",
        "Erfassung und Fortschreibung der Meldedaten, Auskünfte und Übermittlungen",
        ["art6_1_c", "art6_1_e"],
        "§§ 2, 3, 33 ff. Bundesmeldegesetz (BMG)",
        False,
        ["Einwohnerinnen und Einwohner", "Auskunftsuchende"],
        [
            (
                "Name, Anschrift, Geburtsdatum, Familienstand",
                "5 Jahre nach Wegzug oder Tod (§ 14 BMG)",
            )
        ],
        [
            ("Standesamt", "intern", ""),
            ("Komm.ONE / Dataport (Rechenzentrum)", "auftragsverarbeiter", "AV-2021-014"),
        ],
        ["Z-043", "Z-044", "Z-046"],
        "",
    ),
    (
        "BA",
        "Pass- und Personalausweiswesen",
        "Antrag, Herstellung und Ausgabe von Pässen und Personalausweisen",
        ["art6_1_c", "art6_1_e", "art9_2_g"],
        "PassG, PAuswG; biometrische Merkmale (Lichtbild, Fingerabdrücke)",
        True,
        ["Antragstellende"],
        [
            ("Lichtbild und Fingerabdrücke", "Fingerabdrücke bis zur Ausgabe, spätestens 90 Tage"),
            ("Antragsdaten", "Passregister: bis 5 Jahre nach Ablauf der Gültigkeit"),
        ],
        [("Bundesdruckerei GmbH", "extern", "")],
        ["Z-045", "Z-046", "Z-048"],
        "Biometrische Daten in großem Umfang (Art. 35 Abs. 3 lit. b DSGVO)",
    ),
    (
        "VT",
        "Verkehrsbeobachtung mit Kameras",
        "Beobachtung des Verkehrsflusses zur Steuerung; keine Aufzeichnung, keine Identifizierung",
        ["art6_1_e"],
        "§ 3 NPOG i. V. m. Aufgaben der Straßenverkehrsbehörde; Übersichtsaufnahmen",
        False,
        ["Verkehrsteilnehmende"],
        [("Übersichtsbilder (Livebild, keine Speicherung)", "keine Speicherung")],
        [("Verkehrsmanagementzentrale", "intern", "")],
        ["Z-004", "Z-005", "Z-014", "Z-015"],
        "Systematische Überwachung öffentlich zugänglicher Bereiche (Art. 35 Abs. 3 lit. c)",
    ),
    (
        "FW",
        "Einsatzdokumentation der Leitstelle",
        "Annahme von Notrufen, Alarmierung, Dokumentation der Einsätze",
        ["art6_1_c", "art6_1_d", "art6_1_e", "art9_2_c", "art9_2_h"],
        "NBrandSchG, NRettDG; Gesundheitsdaten der Patientinnen und Patienten",
        True,
        ["Anrufende", "Patientinnen und Patienten", "Einsatzkräfte"],
        [
            ("Notrufdaten und Sprachaufzeichnung", "Sprachaufzeichnung 3 Monate"),
            ("Einsatzprotokolle mit Gesundheitsangaben", "10 Jahre"),
        ],
        [
            ("Rettungsdienste und Krankenhäuser", "extern", ""),
            ("ELS-Hersteller (Fernwartung)", "auftragsverarbeiter", "AV-2019-031"),
        ],
        ["Z-031", "Z-032", "Z-034", "Z-035"],
        "Gesundheitsdaten in großem Umfang (Art. 35 Abs. 3 lit. b)",
    ),
    (
        "FW",
        "Alarmierung der Einsatzkräfte",
        "Alarmierung der Berufs- und der Freiwilligen Feuerwehr",
        ["art6_1_c", "art6_1_e"],
        "NBrandSchG",
        False,
        ["Einsatzkräfte"],
        [("Name, Erreichbarkeit, Qualifikation", "bis zum Ausscheiden aus dem Dienst")],
        [],
        ["Z-031", "Z-033", "Z-036"],
        "",
    ),
    (
        "PER",
        "Personalaktenführung",
        "Begründung, Durchführung und Beendigung von Beschäftigungsverhältnissen",
        ["art6_1_b", "art6_1_c", "art9_2_b"],
        "§ 26 BDSG, §§ 50 ff. BeamtStG, § 88 NBG",
        True,
        ["Beschäftigte", "Bewerberinnen und Bewerber"],
        [
            (
                "Stammdaten, Laufbahn, Beurteilungen",
                "5 Jahre nach Ende des Beschäftigungsverhältnisses",
            ),
            ("Gesundheitsdaten (Arbeitsunfähigkeit, Schwerbehinderung)", "3 Jahre"),
        ],
        [("Personalrat", "intern", "")],
        ["Z-050", "Z-052", "Z-054"],
        "",
    ),
    (
        "PER",
        "Entgelt- und Besoldungsabrechnung",
        "Berechnung und Zahlung von Entgelt und Besoldung, Meldungen an Sozialversicherungsträger",
        ["art6_1_b", "art6_1_c"],
        "SGB IV, EStG",
        False,
        ["Beschäftigte"],
        [("Bankverbindung, Steuer- und Sozialversicherungsdaten", "10 Jahre (§ 147 AO)")],
        [("Finanzamt", "extern", ""), ("Sozialversicherungsträger", "extern", "")],
        ["Z-051", "Z-053", "Z-054"],
        "",
    ),
    (
        "IUK",
        "E-Mail und Groupware der Verwaltung",
        "Dienstliche Kommunikation",
        ["art6_1_e"],
        "Organisationshoheit; Dienstvereinbarung E-Mail",
        False,
        ["Beschäftigte", "Kommunikationspartner"],
        [("E-Mail-Inhalte und Verbindungsdaten", "Protokolle 90 Tage")],
        [],
        ["Z-057", "Z-059"],
        "",
    ),
    (
        "IUK",
        "Protokollierung im Rechenzentrum",
        "Erkennung und Aufklärung von Sicherheitsvorfällen",
        ["art6_1_c", "art6_1_e"],
        "§ 8 BSIG-analog, Art. 32 DSGVO",
        False,
        ["Beschäftigte", "Nutzende städtischer Online-Dienste"],
        [("IP-Adressen, Benutzerkennungen, Zeitstempel", "90 Tage")],
        [],
        ["Z-064", "Z-065", "Z-059"],
        "",
    ),
    (
        "SE",
        "Indirekteinleiterüberwachung",
        "Überwachung gewerblicher Abwassereinleitungen",
        ["art6_1_c", "art6_1_e"],
        "Abwassersatzung, NWG",
        False,
        ["Ansprechpersonen von Gewerbebetrieben"],
        [("Kontaktdaten, Messwerte je Betrieb", "10 Jahre")],
        [("Untere Wasserbehörde", "extern", "")],
        ["Z-017", "Z-018"],
        "",
    ),
]


def load(session: Session) -> tuple[int, int, int]:
    """The demo's processing activities, incidents and impact assessments: how many of each were
    created."""
    if session.scalar(select(func.count()).select_from(ProcessingActivity)):
        return 0, 0, 0
    departments = {d.code: d.id for d in session.scalars(select(Department))}
    objects = {a.short_id: a for a in session.scalars(select(Asset))}
    created: dict[str, int] = {}
    for (
        code,
        name,
        purposes,
        bases,
        note,
        special,
        subjects,
        categories,
        recipients,
        short_ids,
        dpia_reason,
    ) in ACTIVITIES:
        if code not in departments:
            continue
        activity = service.create_activity(
            session,
            data=ActivityCreate(
                name=name,
                department_id=departments[code],
                status="aktiv",
                controller=CONTROLLER,
                dpo_contact=DPO,
                purposes=purposes,
                legal_bases=bases,
                legal_basis_note=note,
                special_categories=special,
                data_subjects=subjects,
                data_categories=[{"name": n, "erasure": e} for n, e in categories],
                recipients=[{"name": n, "kind": k, "contract": c} for n, k, c in recipients],
                dpia_required=bool(dpia_reason),
                dpia_reason=dpia_reason,
                asset_ids=[objects[s].id or 0 for s in short_ids if s in objects],
            ),
            scope=None,
            actor="demo",
        )
        created[name] = activity.id or 0
    incident_count = _incidents(session, departments, objects, created)
    return len(created), incident_count, _dpias(session, created)


def _dpias(session: Session, activities: dict[str, int]) -> int:
    """The traffic cameras' assessment signed off; the control room's still in the works."""
    made = 0
    cameras = activities.get("Verkehrsbeobachtung mit Kameras")
    if cameras:
        assessment = dpia.create_dpia(
            session,
            data=DpiaCreate(
                activity_id=cameras,
                criteria=["art35_3_c", "wp248_monitoring", "wp248_large_scale"],
                threshold_note="Übersichtskameras an 40 Knotenpunkten im öffentlichen Straßenraum",
            ),
            scope=None,
            actor="dsb",
        )
        dpia.update_dpia(
            session,
            dpia=assessment,
            data=DpiaUpdate(
                criteria=assessment.criteria,
                threshold_note=assessment.threshold_note,
                description=(
                    "Kameras an Knotenpunkten liefern Livebilder in die Verkehrsmanagementzentrale;"
                    " die Auflösung erlaubt keine Identifizierung, Bilder werden nicht gespeichert."
                ),
                purposes="Erkennen von Störungen und Steuerung der Lichtsignalanlagen",
                necessity=(
                    "Detektoren allein erkennen Unfälle und Rückstaus zu spät; Übersichtsbilder in"
                    " geringer Auflösung sind das mildeste Mittel, Zoom ist technisch gesperrt."
                ),
                risks=[
                    DpiaRisk(
                        title="Identifizierung von Personen oder Kennzeichen",
                        description="durch höhere Auflösung oder Zoom",
                        likelihood=2,
                        severity=3,
                        measures="Auflösung fest begrenzt, Zoom gesperrt, Konfiguration geprüft",
                        residual_likelihood=1,
                        residual_severity=3,
                    ),
                    DpiaRisk(
                        title="Unbefugte Aufzeichnung der Livebilder",
                        likelihood=2,
                        severity=2,
                        measures="keine Speicherfunktion, Protokollierung der Zugriffe",
                        residual_likelihood=1,
                        residual_severity=2,
                    ),
                ],
                measures="Technische Begrenzung der Auflösung, Rollenkonzept, Hinweisschilder",
            ),
            actor="verkehr",
        )
        dpia.give_opinion(
            session,
            dpia=assessment,
            data=DpiaOpinion(opinion="Die Maßnahmen sind angemessen; keine Bedenken."),
            actor="dsb",
        )
        dpia.sign_off(session, dpia=assessment, data=DpiaSignOff(), actor="verkehr")
        made += 1
    control_room = activities.get("Einsatzdokumentation der Leitstelle")
    if control_room:
        dpia.create_dpia(
            session,
            data=DpiaCreate(
                activity_id=control_room,
                criteria=["art35_3_b", "wp248_sensitive", "wp248_vulnerable"],
                threshold_note="Gesundheitsdaten von Patientinnen und Patienten in großem Umfang",
            ),
            scope=None,
            actor="dsb",
        )
        made += 1
    return made


def _incidents(
    session: Session,
    departments: dict[str, int | None],
    objects: dict[str, Asset],
    activities: dict[str, int],
) -> int:
    if session.scalar(select(func.count()).select_from(Incident)):
        return 0
    now = utcnow().replace(second=0, microsecond=0)

    def ids(*short: str) -> list[int]:
        return [objects[s].id or 0 for s in short if s in objects]

    made = []
    if "BA" in departments:
        # A personal-data breach, notified in time, data subjects not at high risk.
        made.append(
            IncidentCreate(
                title="Fehlversand von Meldebescheinigungen",
                department_id=departments["BA"] or 0,
                severity="mittel",
                status="eingedaemmt",
                occurred_at=now - timedelta(days=3, hours=6),
                detected_at=now - timedelta(days=2, hours=20),
                aware_at=now - timedelta(days=2, hours=19),
                actions="Empfänger um Löschung gebeten, Versandprozess auf Vier-Augen-Prinzip umgestellt",
                asset_ids=ids("Z-046"),
                activity_ids=[
                    activities[n] for n in ("Führung des Melderegisters",) if n in activities
                ],
                personal_data=True,
                risk_to_rights="risiko",
                nature="Meldebescheinigungen von 14 Personen an falsche Anschriften versandt",
                subject_categories="Einwohnerinnen und Einwohner",
                subjects_count=14,
                record_categories="Name, Anschrift, Geburtsdatum",
                records_count=14,
                consequences="Kenntnis Dritter von Anschrift und Geburtsdatum",
                measures="Rückruf, Schulung, technische Prüfung der Adressauswahl",
                authority_notified_at=now - timedelta(days=1, hours=2),
            )
        )
    if "SE" in departments:
        # A KRITIS incident on the drainage control system: early warning done, the rest running.
        made.append(
            IncidentCreate(
                title="Schadsoftware auf einer Bedienstation der Leitwarte",
                department_id=departments["SE"] or 0,
                severity="hoch",
                status="offen",
                detected_at=now - timedelta(hours=30),
                aware_at=now - timedelta(hours=29),
                actions="Station isoliert, Prozessleitsystem auf Handbetrieb, Forensik beauftragt",
                asset_ids=ids("Z-024", "Z-020"),
                early_warning_at=now - timedelta(hours=10),
            )
        )
    if "IUK" in departments:
        made.append(
            IncidentCreate(
                title="Phishing-Welle mit gefälschter Rechnung",
                department_id=departments["IUK"] or 0,
                severity="niedrig",
                status="abgeschlossen",
                detected_at=now - timedelta(days=12),
                aware_at=now - timedelta(days=12),
                actions="Absender gesperrt, Warnung an alle Beschäftigten",
                asset_ids=ids("Z-057"),
            )
        )
    for data in made:
        incidents.create_incident(session, data=data, scope=None, actor="demo")
    return len(made)
