"""Demo risks of the city: risk analyses of the traffic computer, the city drainage and the
fire-brigade alerting, plus administration, with treatments, measures and acceptances."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from risk.analysis import measures as measure_service
from risk.analysis import service
from risk.analysis.models import MeasureStatus, Risk, Threat, ThreatSource
from risk.analysis.schemas import AcceptanceInput, MeasureCreate, RiskCreate, TreatmentInput
from risk.analysis.threats import sort_key
from risk.assets.models import Asset

# The ids and names of the BSI's elementary threats, used when no copy of basethreats.csv is at
# hand (the import then fills in the definitions).
THREAT_NAMES = (
    ("G 0.1", "Feuer"),
    ("G 0.2", "Ungünstige klimatische Bedingungen"),
    ("G 0.3", "Wasser"),
    ("G 0.4", "Verschmutzung, Staub, Korrosion"),
    ("G 0.5", "Naturkatastrophen"),
    ("G 0.6", "Katastrophen im Umfeld"),
    ("G 0.7", "Großereignisse im Umfeld"),
    ("G 0.8", "Ausfall oder Störung der Stromversorgung"),
    ("G 0.9", "Ausfall oder Störung von Kommunikationsnetzen"),
    ("G 0.10", "Ausfall oder Störung von Versorgungsnetzen"),
    ("G 0.11", "Ausfall oder Störung von Dienstleistern"),
    ("G 0.12", "Elektromagnetische Störstrahlung"),
    ("G 0.13", "Abfangen kompromittierender Strahlung"),
    ("G 0.14", "Ausspähen von Informationen (Spionage)"),
    ("G 0.15", "Abhören"),
    ("G 0.16", "Diebstahl von Geräten, Datenträgern oder Dokumenten"),
    ("G 0.17", "Verlust von Geräten, Datenträgern oder Dokumenten"),
    ("G 0.18", "Fehlplanung oder fehlende Anpassung"),
    ("G 0.19", "Offenlegung schützenswerter Informationen"),
    ("G 0.20", "Informationen oder Produkte aus unzuverlässiger Quelle"),
    ("G 0.21", "Manipulation von Hard- oder Software"),
    ("G 0.22", "Manipulation von Informationen"),
    ("G 0.23", "Unbefugtes Eindringen in IT-Systeme"),
    ("G 0.24", "Zerstörung von Geräten oder Datenträgern"),
    ("G 0.25", "Ausfall von Geräten oder Systemen"),
    ("G 0.26", "Fehlfunktion von Geräten oder Systemen"),
    ("G 0.27", "Ressourcenmangel"),
    ("G 0.28", "Software-Schwachstellen oder -Fehler"),
    ("G 0.29", "Verstoß gegen Gesetze oder Regelungen"),
    ("G 0.30", "Unberechtigte Nutzung oder Administration von Geräten und Systemen"),
    ("G 0.31", "Fehlerhafte Nutzung oder Administration von Geräten und Systemen"),
    ("G 0.32", "Missbrauch von Berechtigungen"),
    ("G 0.33", "Personalausfall"),
    ("G 0.34", "Anschlag"),
    ("G 0.35", "Nötigung, Erpressung oder Korruption"),
    ("G 0.36", "Identitätsdiebstahl"),
    ("G 0.37", "Abstreiten von Handlungen"),
    ("G 0.38", "Missbrauch personenbezogener Daten"),
    ("G 0.39", "Schadprogramme"),
    ("G 0.40", "Verhinderung von Diensten (Denial of Service)"),
    ("G 0.41", "Sabotage"),
    ("G 0.42", "Social Engineering"),
    ("G 0.43", "Einspielen von Nachrichten"),
    ("G 0.44", "Unbefugtes Eindringen in Räumlichkeiten"),
    ("G 0.45", "Datenverlust"),
    ("G 0.46", "Integritätsverlust schützenswerter Informationen"),
    ("G 0.47", "Schädliche Seiteneffekte IT-gestützter Angriffe"),
)


@dataclass(frozen=True)
class M:
    """A measure: title, catalog ref, due in days (negative: overdue), cost, status."""

    title: str
    ref: str = ""
    due: int = 90
    cost: int | None = None
    status: MeasureStatus = MeasureStatus.PLANNED


@dataclass(frozen=True)
class R:
    asset: str
    threat: str
    title: str
    scenario: str
    cia: str  # V, I, A
    frequency: str
    impact: str
    treatment: str = ""  # "", reduzieren, vermeiden, transferieren, akzeptieren, geschlossen
    note: str = ""
    residual: tuple[str, str] | None = None
    measures: tuple[M, ...] = field(default_factory=tuple)
    approver: str = ""
    expires: int = 365


OB = "Oberbürgermeister (Verwaltungsvorstand)"
RISKS: tuple[R, ...] = (
    # Stadtentwässerung
    R(
        "Z-020",
        "G 0.39",
        "Ransomware im Prozessleitsystem der Stadtentwässerung",
        "Ein Verschlüsselungstrojaner gelangt über einen Fernwartungszugang des Herstellers "
        "in das OT-Netz und verschlüsselt die Leitrechner. Pumpwerke laufen im Handbetrieb, "
        "bei Starkregen drohen Überflutungen.",
        "IA",
        "häufig",
        "existenzbedrohend",
        "reduzieren",
        residual=("selten", "beträchtlich"),
        measures=(
            M(
                "Fernwartung nur über Sprungserver mit Freigabe im Einzelfall",
                "",
                -20,
                18000,
                MeasureStatus.IN_PROGRESS,
            ),
            M("Offline-Sicherung der Leitsystem-Konfiguration, Wiederanlauf geübt", "", 60, 9000),
            M(
                "Netzsegmentierung OT/IT mit Industrie-Firewall",
                "",
                120,
                65000,
                MeasureStatus.IN_PROGRESS,
            ),
        ),
    ),
    R(
        "Z-021",
        "G 0.21",
        "Manipulierte SPS-Programme der Klärwerkssteuerung",
        "Ein Angreifer verändert über das Engineering-Notebook die SPS-Logik der Belebungsbecken; "
        "die Reinigungsleistung sinkt unbemerkt, Grenzwerte werden überschritten.",
        "IA",
        "mittel",
        "existenzbedrohend",
        "reduzieren",
        residual=("selten", "beträchtlich"),
        measures=(
            M("Prüfsummen der SPS-Programme täglich vergleichen", "", 30, 4000),
            M(
                "Engineering-Notebooks härten und zentral verwalten",
                "",
                -5,
                7500,
                MeasureStatus.IN_PROGRESS,
            ),
        ),
    ),
    R(
        "Z-023",
        "G 0.9",
        "Ausfall der Fernwirkverbindungen zu den Kanalnetz-Stationen",
        "Der private Mobilfunk-APN fällt großflächig aus; Pegel und Pumpen der Außenstationen "
        "sind nicht mehr sichtbar.",
        "A",
        "mittel",
        "beträchtlich",
        "reduzieren",
        residual=("selten", "begrenzt"),
        measures=(
            M(
                "Zweiter Übertragungsweg über Standleitung für die 12 größten Stationen",
                "",
                200,
                42000,
            ),
        ),
    ),
    R(
        "Z-029",
        "G 0.11",
        "Störung beim Mobilfunkanbieter der Fernwirktechnik",
        "Der Anbieter des privaten APN hat einen mehrtägigen Ausfall seiner Kernnetzkomponenten.",
        "A",
        "selten",
        "beträchtlich",
        "transferieren",
        note="Vertragsstrafe und Wiederherstellungszeit von 4 Stunden im Rahmenvertrag vereinbart.",
        residual=("selten", "begrenzt"),
    ),
    R(
        "Z-024",
        "G 0.31",
        "Fehlbedienung an den Bedienstationen der Leitwarte",
        "Ein Bediener quittiert eine Störmeldung falsch und schaltet ein Pumpwerk ab.",
        "IA",
        "häufig",
        "begrenzt",
        "reduzieren",
        residual=("mittel", "begrenzt"),
        measures=(
            M(
                "Vier-Augen-Prinzip für Schalthandlungen an Pumpwerken",
                "",
                45,
                None,
                MeasureStatus.DONE,
            ),
        ),
    ),
    R(
        "Z-026",
        "G 0.1",
        "Brand im Serverraum der Prozessleittechnik",
        "Ein Kurzschluss in der USV löst einen Brand aus; die Leitrechner fallen aus.",
        "A",
        "selten",
        "existenzbedrohend",
        "reduzieren",
        residual=("selten", "begrenzt"),
        measures=(
            M(
                "Brandfrüherkennung mit Aufschaltung auf die Feuerwehr",
                "",
                -40,
                12000,
                MeasureStatus.IN_PROGRESS,
            ),
        ),
    ),
    R(
        "Z-027",
        "G 0.8",
        "Ausfall der Stromversorgung im Klärwerk",
        "Ein längerer Netzausfall trifft das Klärwerk; die Netzersatzanlage startet nicht.",
        "A",
        "selten",
        "beträchtlich",
        "akzeptieren",
        approver=OB,
        note="Netzersatzanlage wird monatlich unter Last getestet.",
    ),
    R(
        "Z-025",
        "G 0.44",
        "Unbefugter Zutritt zur Leitwarte",
        "Eine betriebsfremde Person gelangt während Bauarbeiten in die Leitwarte.",
        "VIA",
        "selten",
        "begrenzt",
        "akzeptieren",
        approver="Betriebsleitung Stadtentwässerung",
        expires=270,
    ),
    R(
        "Z-022",
        "G 0.28",
        "Bekannte Schwachstellen in der Firmware der Pumpwerkssteuerungen",
        "Für die SPS-Baureihe sind Schwachstellen veröffentlicht; ein Update erfordert einen "
        "Stillstand der Pumpwerke.",
        "IA",
        "mittel",
        "beträchtlich",
    ),
    # Verkehrsrechner
    R(
        "Z-009",
        "G 0.21",
        "Manipulierte Firmware der Lichtsignal-Steuergeräte",
        "Über ein kompromittiertes Update des Herstellers wird Firmware eingespielt, die "
        "Signalzeiten verändert; feindliches Grün an Knotenpunkten wird nur durch die "
        "Signalsicherung verhindert.",
        "IA",
        "selten",
        "existenzbedrohend",
        "reduzieren",
        residual=("selten", "beträchtlich"),
        measures=(
            M("Signierte Firmware vom Hersteller vertraglich fordern und prüfen", "", 150, 5000),
            M(
                "Firmware-Stände aller Steuergeräte inventarisieren",
                "",
                -12,
                2500,
                MeasureStatus.IN_PROGRESS,
            ),
        ),
    ),
    R(
        "Z-006",
        "G 0.39",
        "Schadsoftware auf dem Verkehrsrechner",
        "Schadsoftware verbreitet sich vom Bürokommunikationsnetz auf die Verkehrsrechner-"
        "Anwendung; Signalprogramme können nicht mehr geschaltet werden.",
        "IA",
        "mittel",
        "existenzbedrohend",
        "reduzieren",
        residual=("selten", "beträchtlich"),
        measures=(M("Application Whitelisting auf den Verkehrsrechner-Servern", "", 75, 15000),),
    ),
    R(
        "Z-007",
        "G 0.25",
        "Ausfall des Primärknotens des Verkehrsrechners",
        "Ein Hardwaredefekt legt den Primärknoten lahm; die Umschaltung auf den Standby-Knoten "
        "versagt.",
        "A",
        "mittel",
        "beträchtlich",
        "reduzieren",
        residual=("selten", "begrenzt"),
        measures=(
            M(
                "Umschaltung auf Standby-Knoten halbjährlich testen",
                "",
                20,
                None,
                MeasureStatus.IN_PROGRESS,
            ),
        ),
    ),
    R(
        "Z-011",
        "G 0.23",
        "Eindringen in das Knotenpunktnetz über offene Schaltschränke",
        "An einem aufgebrochenen Schaltschrank wird ein Gerät in das Knotenpunktnetz gesteckt.",
        "VIA",
        "häufig",
        "beträchtlich",
        "reduzieren",
        residual=("mittel", "begrenzt"),
        measures=(
            M("Port-Security und 802.1X an den Knotenpunkt-Switches", "", 180, 38000),
            M("Schaltschränke mit Öffnungsmeldern ausstatten", "", 240, 54000),
        ),
    ),
    R(
        "Z-012",
        "G 0.44",
        "Unbefugter Zutritt zur Verkehrsmanagementzentrale",
        "Besuchergruppen werden durch die Zentrale geführt und sehen Bedienoberflächen.",
        "VI",
        "mittel",
        "begrenzt",
        "akzeptieren",
        approver="Fachbereichsleitung Verkehr",
        expires=200,
    ),
    R(
        "Z-015",
        "G 0.19",
        "Offenlegung von Kamerabildern mit erkennbaren Personen",
        "Unverpixelte Bilder der Verkehrskameras gelangen über einen falsch konfigurierten "
        "Webzugang ins Internet.",
        "V",
        "mittel",
        "beträchtlich",
        "reduzieren",
        residual=("selten", "begrenzt"),
        measures=(
            M("Verpixelung am Kamerastream erzwingen", "", 30, 6000, MeasureStatus.IN_PROGRESS),
        ),
    ),
    R(
        "Z-010",
        "G 0.26",
        "Fehlfunktion von Detektoren",
        "Defekte Induktionsschleifen melden Dauerbelegung; die Verkehrsabhängigkeit der Steuerung "
        "fällt weg.",
        "IA",
        "häufig",
        "vernachlässigbar",
    ),
    R(
        "Z-013",
        "G 0.36",
        "Identitätsdiebstahl an den Bedienarbeitsplätzen",
        "Ein geteiltes Konto am Bedienarbeitsplatz wird von einem ausgeschiedenen Mitarbeiter "
        "weiter genutzt.",
        "VI",
        "mittel",
        "begrenzt",
        "reduzieren",
        residual=("selten", "begrenzt"),
        measures=(M("Persönliche Konten statt Gruppenkonten", "", 60, None),),
    ),
    R(
        "Z-014",
        "G 0.28",
        "Schwachstellen im Videomanagementsystem",
        "Das Videomanagementsystem läuft auf einer nicht mehr unterstützten Version.",
        "VI",
        "häufig",
        "begrenzt",
        "vermeiden",
        note="Das Altsystem wird zum Jahresende abgeschaltet; Migration auf die Plattform der IuK.",
        residual=("selten", "vernachlässigbar"),
    ),
    # Feuerwehr-Alarmierung
    R(
        "Z-037",
        "G 0.25",
        "Ausfall des Funk-Gateways der digitalen Alarmierung",
        "Das Funk-Gateway fällt während eines Großeinsatzes aus; Einsatzkräfte werden nur noch "
        "telefonisch alarmiert.",
        "A",
        "mittel",
        "existenzbedrohend",
        "reduzieren",
        residual=("selten", "beträchtlich"),
        measures=(
            M(
                "Redundantes zweites Funk-Gateway an der Ausweichleitstelle",
                "",
                90,
                85000,
                MeasureStatus.IN_PROGRESS,
            ),
            M(
                "Rückfallebene Sirenen und Telefonalarmierung monatlich üben",
                "",
                -3,
                None,
                MeasureStatus.IN_PROGRESS,
            ),
        ),
    ),
    R(
        "Z-034",
        "G 0.40",
        "Überlastangriff auf das Einsatzleitsystem",
        "Ein Denial-of-Service-Angriff auf die Schnittstellen des Einsatzleitsystems verzögert "
        "die Disposition.",
        "A",
        "mittel",
        "beträchtlich",
        "reduzieren",
        residual=("selten", "begrenzt"),
        measures=(M("ELS-Schnittstellen nur aus dem Leitstellennetz erreichbar", "", 45, 8000),),
    ),
    R(
        "Z-035",
        "G 0.9",
        "Störung der Notrufleitungen 112",
        "Eine Störung im Netz des Anbieters lässt Notrufe nicht mehr in der Leitstelle ankommen.",
        "A",
        "selten",
        "existenzbedrohend",
        "transferieren",
        note="Notrufumleitung auf die Nachbarleitstelle ist mit dem Landkreis vereinbart.",
        residual=("selten", "begrenzt"),
    ),
    R(
        "Z-036",
        "G 0.28",
        "Software-Fehler im Alarmierungsserver nach Update",
        "Ein fehlerhaftes Update des Alarmierungsservers verschickt Alarme an falsche Schleifen.",
        "IA",
        "selten",
        "beträchtlich",
        "akzeptieren",
        approver=OB,
        expires=300,
        note="Updates nur nach Test auf dem Referenzsystem.",
    ),
    R(
        "Z-032",
        "G 0.19",
        "Offenlegung von Einsatzdaten",
        "Einsatzdaten mit Gesundheitsangaben werden per unverschlüsselter E-Mail weitergegeben.",
        "V",
        "mittel",
        "beträchtlich",
        "reduzieren",
        residual=("selten", "begrenzt"),
        measures=(
            M("Verschlüsselte Übermittlung an Krankenhäuser und Rettungsdienst", "", 100, 12000),
        ),
    ),
    R(
        "Z-033",
        "G 0.46",
        "Fehlerhafte Alarm- und Ausrückeordnung",
        "Nach einer Umstrukturierung stimmen die Alarmierungsstammdaten nicht mehr; falsche "
        "Einheiten werden alarmiert.",
        "I",
        "mittel",
        "beträchtlich",
    ),
    R(
        "Z-040",
        "G 0.3",
        "Wassereinbruch im Serverraum der Leitstelle",
        "Starkregen dringt über eine undichte Kellerwand in den Serverraum ein.",
        "A",
        "selten",
        "beträchtlich",
        "reduzieren",
        residual=("selten", "begrenzt"),
        measures=(M("Wassermelder unter dem Doppelboden", "", -30, 1800),),
    ),
    R(
        "Z-038",
        "G 0.42",
        "Social Engineering gegen Disponenten",
        "Ein Anrufer gibt sich als Techniker aus und erhält Zugang zu einem Einsatzleitplatz.",
        "VI",
        "mittel",
        "begrenzt",
        "reduzieren",
        residual=("selten", "begrenzt"),
        measures=(M("Sensibilisierung der Disponenten zu Social Engineering", "", 50, 3000),),
    ),
    # Verwaltung
    R(
        "Z-046",
        "G 0.38",
        "Missbrauch von Meldedaten durch Beschäftigte",
        "Beschäftigte rufen Meldedaten ohne dienstlichen Anlass ab.",
        "V",
        "häufig",
        "beträchtlich",
        "reduzieren",
        residual=("mittel", "begrenzt"),
        measures=(
            M(
                "Protokollauswertung der Abrufe mit Stichproben",
                "",
                40,
                5000,
                MeasureStatus.IN_PROGRESS,
            ),
        ),
    ),
    R(
        "Z-054",
        "G 0.32",
        "Missbrauch von Berechtigungen im Personalmanagementsystem",
        "Eine Sachbearbeiterin sieht Gehaltsdaten außerhalb ihres Zuständigkeitsbereichs.",
        "V",
        "mittel",
        "beträchtlich",
    ),
    R(
        "Z-057",
        "G 0.42",
        "Phishing gegen Beschäftigte der Stadtverwaltung",
        "Gefälschte Mails erbeuten Zugangsdaten, mit denen das Postfach ausgelesen wird.",
        "VI",
        "sehr häufig",
        "begrenzt",
        "reduzieren",
        residual=("häufig", "vernachlässigbar"),
        measures=(
            M(
                "Mehr-Faktor-Authentisierung für den Webmail-Zugang",
                "",
                25,
                20000,
                MeasureStatus.IN_PROGRESS,
            ),
        ),
    ),
    R(
        "Z-059",
        "G 0.23",
        "Kompromittierung des Verzeichnisdienstes",
        "Ein Angreifer erlangt Domänen-Admin-Rechte und kontrolliert alle Clients.",
        "VIA",
        "mittel",
        "existenzbedrohend",
        "reduzieren",
        residual=("selten", "beträchtlich"),
        measures=(M("Tier-Modell für administrative Konten", "", 160, 30000),),
    ),
    R(
        "Z-069",
        "G 0.16",
        "Diebstahl von Sicherungsbändern",
        "Sicherungsbänder werden beim Transport ins Archiv gestohlen.",
        "V",
        "selten",
        "vernachlässigbar",
        "akzeptieren",
        approver="Leitung IuK",
        expires=365,
    ),
    R(
        "Z-049",
        "G 0.5",
        "Hochwasser am Dienstgebäude des Bürgeramts",
        "Ein Hochwasser der Leine macht ein Bürgeramt unbenutzbar.",
        "A",
        "selten",
        "begrenzt",
        "akzeptieren",
        approver="Fachbereichsleitung Bürgerservice",
        expires=500,
    ),
    R(
        "Z-066",
        "G 0.40",
        "DDoS auf den Internetanschluss",
        "Ein Überlastangriff legt die Online-Dienste der Stadt lahm.",
        "A",
        "häufig",
        "begrenzt",
        "transferieren",
        note="DDoS-Schutz beim Provider gebucht.",
        residual=("mittel", "vernachlässigbar"),
    ),
    R(
        "Z-048",
        "G 0.17",
        "Verlust einer mobilen Biometrie-Erfassungsstation",
        "Die Station war bereits ausgesondert und wurde vernichtet.",
        "V",
        "selten",
        "begrenzt",
        "geschlossen",
        note="Gerät ausgesondert und datenschutzgerecht vernichtet.",
    ),
)


def _threats(session: Session) -> dict[str, int]:
    found = {t.ref: t.id or 0 for t in session.scalars(select(Threat))}
    for ref, name in THREAT_NAMES:
        if ref not in found:
            threat = Threat(ref=ref, name=name, source=ThreatSource.BSI, sort_key=sort_key(ref))
            session.add(threat)
            session.flush()
            found[ref] = threat.id or 0
    return found


def load(session: Session, *, today: date | None = None) -> int:
    """Create the demo risks (idempotent: nothing when risks exist); returns how many."""
    if session.scalar(select(col(Risk.id)).limit(1)) is not None:
        return 0
    today = today or date.today()
    threats = _threats(session)
    assets = {a.short_id: a for a in session.scalars(select(Asset))}
    created = 0
    for spec in RISKS:
        asset = assets.get(spec.asset)
        if asset is None:
            continue
        risk = service.create_risk(
            session,
            data=RiskCreate(
                asset_id=asset.id or 0,
                threat_id=threats[spec.threat],
                title=spec.title,
                scenario=spec.scenario,
                confidentiality="V" in spec.cia,
                integrity="I" in spec.cia,
                availability="A" in spec.cia,
                frequency=spec.frequency,
                impact=spec.impact,
            ),
            scope=None,
            actor="demo",
        )
        created += 1
        residual = spec.residual or (None, None)
        if spec.treatment in ("vermeiden", "transferieren"):
            service.treat(
                session,
                risk=risk,
                data=TreatmentInput(
                    treatment=spec.treatment,
                    note=spec.note,
                    residual_frequency=residual[0],
                    residual_impact=residual[1],
                ),
                actor="demo",
            )
        elif spec.treatment == "reduzieren":
            for m in spec.measures:
                measure_service.create_measure(
                    session,
                    data=MeasureCreate(
                        risk_id=risk.id or 0,
                        title=m.title,
                        due_date=today + timedelta(days=m.due),
                        cost=m.cost,
                        status=m.status,
                        responsible=asset.responsible,
                    ),
                    scope=None,
                    actor="demo",
                )
            if spec.residual:
                service.treat(
                    session,
                    risk=risk,
                    data=TreatmentInput(
                        treatment="reduzieren",
                        note=spec.note,
                        residual_frequency=residual[0],
                        residual_impact=residual[1],
                    ),
                    actor="demo",
                )
        elif spec.treatment == "akzeptieren":
            service.accept(
                session,
                risk=risk,
                data=AcceptanceInput(
                    approver=spec.approver,
                    justification=spec.note
                    or "Das Restrisiko ist nach Abwägung von Aufwand und Nutzen tragbar.",
                    expires_on=today + timedelta(days=spec.expires),
                ),
                actor="demo",
            )
        elif spec.treatment == "geschlossen":
            service.close(session, risk=risk, reason=spec.note, version=None, actor="demo")
    return created
