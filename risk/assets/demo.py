"""Demo data of the structure analysis for the city of Hannover (data only, no database code).

The information domain covers the traffic computer (VT), the city drainage (SE), the fire-brigade
alerting (FW) and ordinary administration (BA, PER, IUK). The ISB assesses the protection
requirement on business processes and information; everything below inherits it by the
Maximumprinzip, apart from two deliberate overrides: a Kumulationseffekt on the central file
server (Z-058) and a Verteilungseffekt on the standby traffic computer server (Z-008).
"""

from __future__ import annotations

from dataclasses import dataclass

from risk.assets.levels import DamageScenario, Level, Override
from risk.assets.models import KritisSector


@dataclass(frozen=True)
class DemoProtection:
    """One Grundwert of an object's own assessment."""

    level: Level
    justification: str
    scenarios: tuple[DamageScenario, ...]
    override: Override | None = None


@dataclass(frozen=True)
class DemoAsset:
    """One target object (Zielobjekt), possibly a group of like items."""

    short_id: str
    name: str
    category: str
    department: str
    responsible: str = ""
    description: str = ""
    location: str = ""
    quantity: int = 1
    tags: tuple[str, ...] = ()
    kritis_sector: KritisSector | None = None
    kritis_critical: bool = False
    confidentiality: DemoProtection | None = None
    integrity: DemoProtection | None = None
    availability: DemoProtection | None = None


N, H, S = Level.NORMAL, Level.HOCH, Level.SEHR_HOCH
LAWS = DamageScenario.LAWS
PRIVACY = DamageScenario.SELF_DETERMINATION
LIFE = DamageScenario.PHYSICAL_INTEGRITY
TASKS = DamageScenario.TASK_FULFILMENT
IMAGE = DamageScenario.REPUTATION
MONEY = DamageScenario.FINANCIAL

TRANSPORT = KritisSector.TRANSPORT
WATER = KritisSector.WASSER
STATE = KritisSector.STAAT

PROCESS = "Geschäftsprozesse"
ICS = "ICS/OT-Systeme"


def _p(
    level: Level, justification: str, *scenarios: DamageScenario, override: Override | None = None
) -> DemoProtection:
    return DemoProtection(level, justification, scenarios, override)


_VERKEHR = (
    DemoAsset(
        "Z-001",
        "Verkehrssteuerung und Verkehrsmanagement",
        PROCESS,
        "VT",
        responsible="Leitung Verkehrsmanagementzentrale",
        description=(
            "Steuerung der Lichtsignalanlagen im Stadtgebiet über den zentralen Verkehrsrechner, "
            "einschließlich ÖPNV-Beschleunigung und Vorrangschaltungen für Einsatzfahrzeuge."
        ),
        location="Verkehrsmanagementzentrale",
        tags=("kritis", "verkehr"),
        kritis_sector=TRANSPORT,
        kritis_critical=True,
        confidentiality=_p(
            N,
            "Die Verkehrssteuerung verarbeitet technische Betriebsdaten ohne Personenbezug; "
            "eine Offenlegung hätte nur geringe Auswirkungen.",
            IMAGE,
        ),
        integrity=_p(
            H,
            "Verfälschte Steuerbefehle oder Parameter führen zu Fehlsteuerungen, Rückstaus und "
            "Gefährdungen an Knotenpunkten; die Signalsicherung der Steuergeräte verhindert "
            "jedoch feindliches Grün.",
            LIFE,
            TASKS,
        ),
        availability=_p(
            S,
            "Fallen die Lichtsignalanlagen großflächig aus, drohen Unfälle mit Personenschäden und "
            "ein Verkehrszusammenbruch, der Einsatzfahrten von Feuerwehr und Rettungsdienst "
            "behindert; Ausfälle über 30 Minuten sind nicht tolerierbar.",
            LIFE,
            TASKS,
            IMAGE,
        ),
    ),
    DemoAsset(
        "Z-002",
        "Signalprogramme und Versorgungsdaten der Lichtsignalanlagen",
        "Daten",
        "VT",
        responsible="Sachgebietsleitung Lichtsignalanlagen",
        description=(
            "Signalzeitenpläne, Zwischenzeiten, Phasenfolgen und Steuerungsparameter aller "
            "Knotenpunkte, gepflegt im Verkehrsrechner und in die Steuergeräte übertragen."
        ),
        tags=("kritis", "verkehr"),
        kritis_sector=TRANSPORT,
        confidentiality=_p(
            N,
            "Signalzeitenpläne sind nicht vertraulich und werden regelmäßig an Planungsbüros "
            "weitergegeben.",
            IMAGE,
        ),
        integrity=_p(
            S,
            "Manipulierte Signalprogramme, etwa verkürzte Zwischenzeiten, können Unfälle mit "
            "Schwerverletzten verursachen; jede Änderung muss freigegeben und "
            "nachvollziehbar sein.",
            LIFE,
            LAWS,
        ),
        availability=_p(
            S,
            "Ohne gültige Signalprogramme können Steuergeräte nach einem Neustart nicht in den "
            "Regelbetrieb gehen und bleiben im Blinkbetrieb; das ist nur wenige Minuten "
            "tolerierbar.",
            LIFE,
            TASKS,
        ),
    ),
    DemoAsset(
        "Z-003",
        "Verkehrslagedaten (Detektor- und Zustandsdaten)",
        "Daten",
        "VT",
        responsible="Leitung Verkehrsmanagementzentrale",
        description=(
            "Verkehrsstärken, Belegungsgrade, Störungs- und Zustandsmeldungen der Steuergeräte "
            "als Grundlage der verkehrsabhängigen Steuerung."
        ),
        tags=("verkehr",),
        kritis_sector=TRANSPORT,
        confidentiality=_p(
            N,
            "Die Daten sind anonyme Zählwerte und Zustandsmeldungen ohne Personenbezug.",
            IMAGE,
        ),
        integrity=_p(
            H,
            "Verfälschte Detektordaten führen zu falschen Grünzeiten und Rückstaus; unterdrückte "
            "Störungsmeldungen verzögern die Entstörung von Knotenpunkten.",
            TASKS,
            LIFE,
        ),
        availability=_p(
            S,
            "Verkehrsabhängige Steuerung und ÖPNV-Beschleunigung benötigen die Daten in Echtzeit; "
            "fehlende Störungsmeldungen lassen ausgefallene Anlagen unbemerkt.",
            LIFE,
            TASKS,
        ),
    ),
    DemoAsset(
        "Z-004",
        "Verkehrsbeobachtung und Verkehrsinformation",
        PROCESS,
        "VT",
        responsible="Leitung Verkehrsmanagementzentrale",
        description=(
            "Lagebeobachtung über Verkehrskameras und Verkehrslagedaten, Verkehrsmeldungen an "
            "Rundfunk, Navigationsdienste und das städtische Informationsportal."
        ),
        location="Verkehrsmanagementzentrale",
        tags=("verkehr",),
        confidentiality=_p(
            N,
            "Das Verkehrslagebild ist zur Veröffentlichung bestimmt; vertraulich sind nur die "
            "Rohbilder der Kameras, die gesondert bewertet werden.",
            IMAGE,
        ),
        integrity=_p(
            N,
            "Fehlerhafte Verkehrsmeldungen sind ärgerlich, werden aber schnell bemerkt und "
            "korrigiert.",
            IMAGE,
        ),
        availability=_p(
            N,
            "Die Verkehrssteuerung arbeitet ohne Lagebeobachtung weiter; ein Ausfall von einem "
            "Arbeitstag ist tolerierbar.",
            TASKS,
        ),
    ),
    DemoAsset(
        "Z-005",
        "Verkehrskamerabilder",
        "Daten",
        "VT",
        responsible="Leitung Verkehrsmanagementzentrale",
        description=(
            "Live-Bilder der Verkehrskameras an Hauptverkehrsachsen; keine Aufzeichnung, "
            "Veröffentlichung nur verpixelt in geringer Auflösung."
        ),
        tags=("dsgvo", "personenbezogen", "video"),
        confidentiality=_p(
            H,
            "Die Kamerabilder können Personen und Kfz-Kennzeichen erkennbar zeigen; eine "
            "unbefugte Offenlegung oder Speicherung verstößt gegen DSGVO und NDSG.",
            PRIVACY,
            LAWS,
        ),
        integrity=_p(
            N,
            "Verfälschte Bilder würden im Abgleich mit den Verkehrslagedaten schnell auffallen.",
            TASKS,
        ),
        availability=_p(
            N,
            "Bei Ausfall der Kamerabilder bleibt die Verkehrssteuerung funktionsfähig; nur die "
            "Lagebeurteilung in der Verkehrsmanagementzentrale ist eingeschränkt.",
            TASKS,
        ),
    ),
    DemoAsset(
        "Z-006",
        "Verkehrsrechner (zentrale Verkehrsrechner-Anwendung)",
        "Anwendungen",
        "VT",
        responsible="Leitung Verkehrsmanagementzentrale",
        description=(
            "Zentrale Anwendung zur Versorgung, Überwachung und koordinierten Steuerung aller "
            "Lichtsignalanlagen (Grüne Welle, ÖPNV-Beschleunigung, Störungsmanagement)."
        ),
        location="Rechenzentrum Standort 1 und 2",
        tags=("kritis", "verkehr"),
        kritis_sector=TRANSPORT,
        kritis_critical=True,
    ),
    DemoAsset(
        "Z-007",
        "Verkehrsrechner-Server 1 (Primärknoten)",
        "Hostsysteme",
        "VT",
        responsible="Leitung Verkehrsmanagementzentrale",
        description=(
            "Aktiver Knoten des redundanten Verkehrsrechner-Serverpaars; die Umschaltung auf den "
            "Standby-Knoten dauert einige Minuten und verliert laufende Koordinierungszustände."
        ),
        location="Rechenzentrum Standort 1",
        tags=("kritis", "verkehr", "redundant"),
        kritis_sector=TRANSPORT,
        kritis_critical=True,
    ),
    DemoAsset(
        "Z-008",
        "Verkehrsrechner-Server 2 (Standby-Knoten)",
        "Hostsysteme",
        "VT",
        responsible="Leitung Verkehrsmanagementzentrale",
        description=(
            "Georedundanter Standby-Knoten des Verkehrsrechners mit laufender Datenreplikation "
            "vom Primärknoten."
        ),
        location="Rechenzentrum Standort 2",
        tags=("kritis", "verkehr", "redundant"),
        kritis_sector=TRANSPORT,
        kritis_critical=True,
        availability=_p(
            H,
            "Verteilungseffekt: Fällt der Standby-Knoten aus, führt der Primärknoten den Betrieb "
            "unverändert weiter; die sehr hohe Verfügbarkeit trägt der Serververbund, der "
            "Standby-Knoten muss innerhalb eines Arbeitstages wiederhergestellt sein.",
            TASKS,
            override=Override.VERTEILUNG,
        ),
    ),
    DemoAsset(
        "Z-009",
        "Lichtsignalanlagen-Steuergeräte",
        ICS,
        "VT",
        responsible="Sachgebietsleitung Lichtsignalanlagen",
        description=(
            "Steuergeräte der Lichtsignalanlagen an Knotenpunkten und Fußgängerfurten mit "
            "lokaler Signalsicherung; bei Verbindungsverlust laufen Festzeitprogramme weiter."
        ),
        location="Stadtgebiet, Knotenpunkte",
        quantity=620,
        tags=("kritis", "verkehr", "ot"),
        kritis_sector=TRANSPORT,
        kritis_critical=True,
    ),
    DemoAsset(
        "Z-010",
        "Detektoren (Induktionsschleifen, Radar- und Infrarotsensoren)",
        ICS,
        "VT",
        responsible="Sachgebietsleitung Lichtsignalanlagen",
        description=(
            "Fahrzeug-, Rad- und ÖPNV-Detektoren, die an die Steuergeräte angeschlossen sind."
        ),
        location="Stadtgebiet, Knotenpunkte",
        quantity=3800,
        tags=("verkehr", "ot", "sensorik"),
        kritis_sector=TRANSPORT,
    ),
    DemoAsset(
        "Z-011",
        "Knotenpunktnetz (Kommunikationsnetz zu den Lichtsignalanlagen)",
        "Interne Netzsegmente",
        "VT",
        responsible="Sachgebietsleitung Lichtsignalanlagen",
        description=(
            "Eigenes Glasfaser- und Kupfernetz zwischen Verkehrsrechner und Steuergeräten, "
            "logisch vom Stadtnetz getrennt; Außenstellen teils über Mobilfunk-Router."
        ),
        location="Stadtgebiet",
        tags=("kritis", "verkehr", "ot", "netz"),
        kritis_sector=TRANSPORT,
        kritis_critical=True,
    ),
    DemoAsset(
        "Z-012",
        "Verkehrsmanagementzentrale",
        "Räume",
        "VT",
        responsible="Leitung Verkehrsmanagementzentrale",
        description="Operatorraum mit Videowand und Bedienarbeitsplätzen, werktags besetzt.",
        location="Verwaltungsgebäude Verkehr und Tiefbau",
        tags=("kritis", "verkehr"),
        kritis_sector=TRANSPORT,
        kritis_critical=True,
    ),
    DemoAsset(
        "Z-013",
        "Bedienarbeitsplätze Verkehrsmanagementzentrale",
        "Endgeräte",
        "VT",
        responsible="Leitung Verkehrsmanagementzentrale",
        description="Operator-PCs für Verkehrsrechner und Videomanagement.",
        location="Verkehrsmanagementzentrale",
        quantity=10,
        tags=("verkehr",),
        kritis_sector=TRANSPORT,
    ),
    DemoAsset(
        "Z-014",
        "Videomanagementsystem Verkehrskameras",
        "Anwendungen",
        "VT",
        responsible="Leitung Verkehrsmanagementzentrale",
        description=(
            "Anwendung zur Anzeige und Steuerung der Verkehrskameras, betrieben als virtuelle "
            "Maschinen im städtischen Rechenzentrum."
        ),
        location="Rechenzentrum Standort 1",
        tags=("verkehr", "video"),
    ),
    DemoAsset(
        "Z-015",
        "Verkehrskameras",
        "IT-Systeme",
        "VT",
        responsible="Leitung Verkehrsmanagementzentrale",
        description="Schwenk-Neige-Kameras an Hauptverkehrsachsen und Tunneln.",
        location="Stadtgebiet, Hauptverkehrsachsen",
        quantity=85,
        tags=("verkehr", "video", "iot"),
    ),
)

_ENTWAESSERUNG = (
    DemoAsset(
        "Z-016",
        "Abwasserbeseitigung (Ableitung und Reinigung)",
        PROCESS,
        "SE",
        responsible="Betriebsleitung Stadtentwässerung",
        description=(
            "Sammlung und Ableitung des Abwassers über Kanalnetz und Pumpwerke sowie Reinigung "
            "im Zentralklärwerk gemäß wasserrechtlicher Einleiterlaubnis."
        ),
        tags=("kritis", "abwasser"),
        kritis_sector=WATER,
        kritis_critical=True,
        confidentiality=_p(
            N,
            "Die Betriebsabläufe enthalten keine personenbezogenen oder besonders schutzwürdigen "
            "Informationen; vertrauliche Planunterlagen werden gesondert bewertet.",
            IMAGE,
        ),
        integrity=_p(
            S,
            "Manipulierte Soll- und Grenzwerte können Pumpen und Verfahrensstufen beschädigen und "
            "ungeklärtes Abwasser in Gewässer leiten; die Schäden wären erheblich und teils "
            "irreversibel.",
            LIFE,
            LAWS,
            MONEY,
        ),
        availability=_p(
            S,
            "Ein Ausfall von Steuerung und Überwachung über mehr als eine Stunde führt bei "
            "Starkregen zu Überflutungen und Gewässerverunreinigungen; Hunderttausende "
            "Einwohner sind betroffen.",
            LIFE,
            LAWS,
            TASKS,
            IMAGE,
        ),
    ),
    DemoAsset(
        "Z-017",
        "Prozess- und Betriebsdaten der Abwasseranlagen",
        "Daten",
        "SE",
        responsible="Betriebsleitung Stadtentwässerung",
        description=(
            "Messwerte, Sollwerte, Schaltzustände und Störmeldungen von Klärwerk, Pumpwerken und "
            "Regenbecken sowie die Daten der Eigenkontrolle."
        ),
        tags=("kritis", "abwasser", "ot"),
        kritis_sector=WATER,
        confidentiality=_p(
            N,
            "Prozessdaten enthalten keine personenbezogenen Daten; ihre Offenlegung hätte nur "
            "geringe Auswirkungen.",
            IMAGE,
        ),
        integrity=_p(
            S,
            "Verfälschte Messwerte oder Sollwerte führen zu Fehlsteuerungen der Anlagen und zu "
            "falschen Nachweisen gegenüber der Wasserbehörde.",
            LIFE,
            LAWS,
            MONEY,
        ),
        availability=_p(
            S,
            "Ohne aktuelle Prozessdaten ist die Leitwarte blind; Störungen an Pumpwerken bleiben "
            "unbemerkt und führen bei Regen binnen kurzer Zeit zu Überläufen.",
            LIFE,
            TASKS,
        ),
    ),
    DemoAsset(
        "Z-018",
        "Kanalnetzplanung und Bauwerksunterhaltung",
        PROCESS,
        "SE",
        responsible="Abteilungsleitung Kanalnetz",
        description=(
            "Planung, Sanierung und Inspektion von Kanälen, Schächten und Sonderbauwerken."
        ),
        tags=("abwasser", "planung"),
        confidentiality=_p(
            N,
            "Der Prozess selbst verarbeitet überwiegend öffentliche Planungsinformationen.",
            IMAGE,
        ),
        integrity=_p(
            N,
            "Fehler in Planungsvorgängen werden in der Regel im Vier-Augen-Prinzip erkannt.",
            TASKS,
        ),
        availability=_p(
            N,
            "Planung und Unterhaltung sind nicht zeitkritisch; ein Ausfall von mehreren "
            "Arbeitstagen ist tolerierbar.",
            TASKS,
        ),
    ),
    DemoAsset(
        "Z-019",
        "Kanalkataster und Planunterlagen",
        "Daten",
        "SE",
        responsible="Abteilungsleitung Kanalnetz",
        description=(
            "Bestandspläne, Bauwerksdokumentation und Inspektionsberichte des Kanalnetzes "
            "einschließlich Pumpwerken und Klärwerk."
        ),
        tags=("abwasser", "planung", "kritis"),
        kritis_sector=WATER,
        confidentiality=_p(
            H,
            "Detaillierte Bauwerkspläne kritischer Anlagen erleichtern gezielte Angriffe auf die "
            "Abwasserinfrastruktur und sind nur bei berechtigtem Interesse herauszugeben.",
            LIFE,
            IMAGE,
        ),
        integrity=_p(
            H,
            "Falsche Lage- oder Höhenangaben führen bei Tiefbauarbeiten zu Leitungsschäden und "
            "Schadensersatzforderungen.",
            MONEY,
            TASKS,
        ),
        availability=_p(
            N,
            "Die Unterlagen werden für Planungen benötigt; ein Ausfall von einigen Tagen ist "
            "tolerierbar.",
            TASKS,
        ),
    ),
    DemoAsset(
        "Z-020",
        "Prozessleitsystem Stadtentwässerung (SCADA)",
        ICS,
        "SE",
        responsible="Leitung Prozessleittechnik",
        description=(
            "Redundantes Prozessleitsystem zur Überwachung und Steuerung von Klärwerk, Pumpwerken "
            "und Regenbecken; Archivierung der Prozessdaten."
        ),
        location="Zentralklärwerk, Serverraum Prozessleittechnik",
        quantity=2,
        tags=("kritis", "abwasser", "ot", "scada", "redundant"),
        kritis_sector=WATER,
        kritis_critical=True,
    ),
    DemoAsset(
        "Z-021",
        "Klärwerkssteuerung (SPS der Verfahrensstufen)",
        ICS,
        "SE",
        responsible="Leitung Prozessleittechnik",
        description=(
            "Speicherprogrammierbare Steuerungen für Zulauf, Rechen, Belebung, Nachklärung, "
            "Schlammbehandlung und Faulung."
        ),
        location="Zentralklärwerk",
        quantity=48,
        tags=("kritis", "abwasser", "ot", "sps"),
        kritis_sector=WATER,
        kritis_critical=True,
    ),
    DemoAsset(
        "Z-022",
        "Pumpwerkssteuerungen (SPS)",
        ICS,
        "SE",
        responsible="Leitung Prozessleittechnik",
        description="Lokale Steuerungen der Abwasser- und Regenwasserpumpwerke im Stadtgebiet.",
        location="Stadtgebiet, Pumpwerke",
        quantity=86,
        tags=("abwasser", "ot", "sps"),
        kritis_sector=WATER,
    ),
    DemoAsset(
        "Z-023",
        "Fernwirkunterstationen Kanalnetz (RTU)",
        ICS,
        "SE",
        responsible="Leitung Prozessleittechnik",
        description=(
            "Fernwirktechnik an Regenüberlaufbecken, Schiebern und Messstellen; Übertragung der "
            "Messwerte und Störmeldungen an das Prozessleitsystem."
        ),
        location="Stadtgebiet, Kanalnetz",
        quantity=240,
        tags=("abwasser", "ot", "fernwirktechnik"),
        kritis_sector=WATER,
    ),
    DemoAsset(
        "Z-024",
        "Bedien- und Beobachtungsstationen Leitwarte",
        "Endgeräte",
        "SE",
        responsible="Leitung Prozessleittechnik",
        description="Bedienstationen des Prozessleitsystems in der Leitwarte, rund um die Uhr.",
        location="Zentralklärwerk, Leitwarte",
        quantity=6,
        tags=("kritis", "abwasser", "ot"),
        kritis_sector=WATER,
        kritis_critical=True,
    ),
    DemoAsset(
        "Z-025",
        "Leitwarte Zentralklärwerk",
        "Räume",
        "SE",
        responsible="Betriebsleitung Stadtentwässerung",
        description="Ständig besetzte Leitwarte für Klärwerk und Kanalnetz.",
        location="Zentralklärwerk, Betriebsgebäude",
        tags=("kritis", "abwasser"),
        kritis_sector=WATER,
        kritis_critical=True,
    ),
    DemoAsset(
        "Z-026",
        "Serverraum Prozessleittechnik Klärwerk",
        "Serverräume",
        "SE",
        responsible="Leitung Prozessleittechnik",
        description="Serverraum für Prozessleitsystem und OT-Netzkomponenten mit eigener USV.",
        location="Zentralklärwerk, Betriebsgebäude",
        tags=("kritis", "abwasser", "ot"),
        kritis_sector=WATER,
        kritis_critical=True,
    ),
    DemoAsset(
        "Z-027",
        "Schaltanlagenräume Klärwerk",
        "Räume für technische Infrastruktur",
        "SE",
        responsible="Leitung Prozessleittechnik",
        description="Schalt- und Steuerschrankräume der Verfahrensstufen.",
        location="Zentralklärwerk",
        quantity=14,
        tags=("kritis", "abwasser", "ot"),
        kritis_sector=WATER,
        kritis_critical=True,
    ),
    DemoAsset(
        "Z-028",
        "OT-Netz Stadtentwässerung",
        "Interne Netzsegmente",
        "SE",
        responsible="Leitung Prozessleittechnik",
        description=(
            "Vom Stadtnetz getrenntes Produktionsnetz des Klärwerks; Übergang zur IT nur über "
            "eine Segmentierungs-Firewall mit DMZ."
        ),
        location="Zentralklärwerk",
        tags=("kritis", "abwasser", "ot", "netz"),
        kritis_sector=WATER,
        kritis_critical=True,
    ),
    DemoAsset(
        "Z-029",
        "Fernwirk-Übertragungswege (privater Mobilfunk-APN und Standleitungen)",
        "Externe Netzanschlüsse",
        "SE",
        responsible="Leitung Prozessleittechnik",
        description=(
            "Anbindung der Pumpwerke und Fernwirkunterstationen über einen privaten APN eines "
            "Mobilfunkanbieters und angemietete Standleitungen."
        ),
        location="Stadtgebiet",
        tags=("abwasser", "ot", "netz", "dienstleister"),
        kritis_sector=WATER,
    ),
    DemoAsset(
        "Z-030",
        "Betriebsgebäude Zentralklärwerk",
        "Gebäude",
        "SE",
        responsible="Betriebsleitung Stadtentwässerung",
        description="Betriebsgebäude mit Leitwarte, Serverraum und Laboren.",
        location="Zentralklärwerk",
        tags=("kritis", "abwasser"),
        kritis_sector=WATER,
        kritis_critical=True,
    ),
)

_FEUERWEHR = (
    DemoAsset(
        "Z-031",
        "Alarmierung der Einsatzkräfte",
        PROCESS,
        "FW",
        responsible="Leitung Feuerwehr- und Rettungsleitstelle",
        description=(
            "Annahme von Notrufen, Disposition der Einsatzmittel und Alarmierung von "
            "Berufsfeuerwehr, Freiwilliger Feuerwehr und Rettungsdienst."
        ),
        location="Feuerwehr- und Rettungsleitstelle",
        tags=("leitstelle", "alarmierung", "personenbezogen"),
        kritis_sector=STATE,
        confidentiality=_p(
            H,
            "Die Alarmierung verarbeitet Angaben zu Notfällen, Verletzten und Erkrankten; deren "
            "Offenlegung verletzt das Recht auf informationelle Selbstbestimmung erheblich.",
            PRIVACY,
            LAWS,
        ),
        integrity=_p(
            S,
            "Falsche Einsatzorte oder falsch alarmierte Einheiten verzögern die Hilfe und "
            "gefährden unmittelbar Leib und Leben.",
            LIFE,
            TASKS,
        ),
        availability=_p(
            S,
            "Ein Ausfall der Alarmierung gefährdet Leib und Leben; Ausfallzeiten über 15 Minuten "
            "sind nicht tolerierbar.",
            LIFE,
            TASKS,
            IMAGE,
        ),
    ),
    DemoAsset(
        "Z-032",
        "Einsatzdaten",
        "Daten",
        "FW",
        responsible="Leitung Feuerwehr- und Rettungsleitstelle",
        description=(
            "Notrufprotokolle, Einsatzorte, Angaben zu Betroffenen und Patienten, "
            "Einsatzverläufe und Statusmeldungen der Fahrzeuge."
        ),
        tags=("leitstelle", "dsgvo", "personenbezogen", "gesundheitsdaten"),
        confidentiality=_p(
            H,
            "Einsatzdaten enthalten Namen, Anschriften und Gesundheitsangaben Betroffener "
            "(Art. 9 DSGVO); eine Offenlegung verstößt gegen Datenschutz- und "
            "Schweigepflichtvorschriften.",
            PRIVACY,
            LAWS,
            IMAGE,
        ),
        integrity=_p(
            S,
            "Eine verfälschte Einsatzadresse oder Lagemeldung schickt Einsatzkräfte an den "
            "falschen Ort; Menschenleben können davon abhängen.",
            LIFE,
        ),
        availability=_p(
            S,
            "Laufende Einsätze müssen jederzeit einsehbar sein; ohne Einsatzdaten ist keine "
            "Disposition möglich.",
            LIFE,
            TASKS,
        ),
    ),
    DemoAsset(
        "Z-033",
        "Alarm- und Ausrückeordnung, Einsatzmittel- und Alarmierungsstammdaten",
        "Daten",
        "FW",
        responsible="Sachgebietsleitung Einsatzplanung",
        description=(
            "Ausrückebereiche, Alarmstichworte, Fahrzeugstammdaten, Alarmierungsgruppen und "
            "Erreichbarkeiten der Einsatzkräfte der Freiwilligen Feuerwehr."
        ),
        tags=("leitstelle", "alarmierung", "personenbezogen"),
        confidentiality=_p(
            H,
            "Die Daten enthalten Namen und Erreichbarkeiten ehrenamtlicher Einsatzkräfte sowie "
            "Alarmierungsadressen; ihre Offenlegung ermöglicht Fehl- und Scheinalarmierungen.",
            PRIVACY,
            TASKS,
        ),
        integrity=_p(
            S,
            "Eine manipulierte Ausrückeordnung alarmiert falsche oder zu wenige Einheiten; "
            "das gefährdet unmittelbar Leib und Leben.",
            LIFE,
            TASKS,
        ),
        availability=_p(
            S,
            "Ohne Ausrückeordnung und Alarmierungsstammdaten kann die Leitstelle nur noch manuell "
            "nach Papierunterlagen alarmieren; die Hilfsfrist ist dann nicht einzuhalten.",
            LIFE,
            TASKS,
        ),
    ),
    DemoAsset(
        "Z-034",
        "Einsatzleitsystem (ELS)",
        "Anwendungen",
        "FW",
        responsible="Leitung Feuerwehr- und Rettungsleitstelle",
        description=(
            "Rechnergestütztes Einsatzleitsystem für Notrufannahme, Einsatzmittelvorschlag, "
            "Alarmierung und Einsatzdokumentation; Server virtualisiert im Rechenzentrum."
        ),
        location="Feuerwehr- und Rettungsleitstelle",
        tags=("leitstelle", "alarmierung"),
        kritis_sector=STATE,
    ),
    DemoAsset(
        "Z-035",
        "Notrufabfragesystem 112",
        "TK-Anwendungen",
        "FW",
        responsible="Leitung Feuerwehr- und Rettungsleitstelle",
        description=(
            "Kommunikationssystem der Leitstelle für Notrufannahme, Rückrufe und "
            "Sprachaufzeichnung, gekoppelt an das Einsatzleitsystem."
        ),
        location="Feuerwehr- und Rettungsleitstelle",
        tags=("leitstelle", "telefonie"),
        kritis_sector=STATE,
    ),
    DemoAsset(
        "Z-036",
        "Alarmierungsserver",
        "Hostsysteme",
        "FW",
        responsible="Sachgebietsleitung Leitstellentechnik",
        description=(
            "Redundantes Serverpaar, das Alarme des Einsatzleitsystems an digitale Meldeempfänger, "
            "Sirenen und Alarm-Apps weitergibt."
        ),
        location="Feuerwehr- und Rettungsleitstelle, Serverraum",
        quantity=2,
        tags=("leitstelle", "alarmierung", "redundant"),
        kritis_sector=STATE,
    ),
    DemoAsset(
        "Z-037",
        "Funk-Gateways digitale Alarmierung und BOS-Digitalfunk",
        "IT-Systeme",
        "FW",
        responsible="Sachgebietsleitung Leitstellentechnik",
        description=(
            "Gateways zwischen Alarmierungsservern, digitalem Alarmierungsnetz und "
            "BOS-Digitalfunk (Statusmeldungen, Gruppenrufe)."
        ),
        location="Feuerwehr- und Rettungsleitstelle, Serverraum",
        quantity=4,
        tags=("leitstelle", "alarmierung", "funk"),
        kritis_sector=STATE,
    ),
    DemoAsset(
        "Z-038",
        "Einsatzleitplätze der Leitstelle",
        "Endgeräte",
        "FW",
        responsible="Sachgebietsleitung Leitstellentechnik",
        description="Disponentenarbeitsplätze mit ELS-Client, Notrufabfrage und Funkbedienung.",
        location="Feuerwehr- und Rettungsleitstelle, Einsatzleitraum",
        quantity=14,
        tags=("leitstelle",),
    ),
    DemoAsset(
        "Z-039",
        "Einsatzleitraum der Leitstelle",
        "Räume",
        "FW",
        responsible="Leitung Feuerwehr- und Rettungsleitstelle",
        description="Rund um die Uhr besetzter Einsatzleitraum mit Zutrittskontrolle.",
        location="Feuerwehr- und Rettungsleitstelle",
        tags=("leitstelle",),
    ),
    DemoAsset(
        "Z-040",
        "Serverraum Leitstelle",
        "Serverräume",
        "FW",
        responsible="Sachgebietsleitung Leitstellentechnik",
        description="Technikraum mit USV und Netzersatzanlage für Alarmierungs- und Funktechnik.",
        location="Feuerwehr- und Rettungsleitstelle",
        tags=("leitstelle",),
    ),
    DemoAsset(
        "Z-041",
        "Leitstellennetz",
        "Interne Netzsegmente",
        "FW",
        responsible="Sachgebietsleitung Leitstellentechnik",
        description="Eigenes, redundant ausgelegtes Netzsegment der Leitstelle.",
        location="Feuerwehr- und Rettungsleitstelle",
        tags=("leitstelle", "netz"),
    ),
    DemoAsset(
        "Z-042",
        "Anbindung an BOS-Digitalfunk und Alarmierungsfunknetz",
        "Externe Netzanschlüsse",
        "FW",
        responsible="Sachgebietsleitung Leitstellentechnik",
        description=(
            "Anschluss der Leitstelle an das BOS-Digitalfunknetz und die Sendestandorte "
            "der digitalen Alarmierung."
        ),
        location="Feuerwehr- und Rettungsleitstelle",
        tags=("leitstelle", "funk", "netz"),
    ),
)

_BUERGERAMT = (
    DemoAsset(
        "Z-043",
        "Melde-, Pass- und Ausweiswesen",
        PROCESS,
        "BA",
        responsible="Leitung Bürgeramt",
        description=(
            "An-, Ab- und Ummeldungen, Melderegisterauskünfte, Beantragung und Ausgabe von "
            "Personalausweisen und Reisepässen."
        ),
        location="Bürgerämter",
        tags=("personenbezogen", "buergerservice"),
        confidentiality=_p(
            H,
            "Das Meldewesen verarbeitet personenbezogene Daten aller Einwohnerinnen und Einwohner, "
            "auch mit Auskunftssperren; eine Offenlegung verstößt gegen BMG und DSGVO.",
            PRIVACY,
            LAWS,
            IMAGE,
        ),
        integrity=_p(
            H,
            "Falsche Meldedaten wirken sich auf Wahlen, Steuern und Sozialleistungen aus und "
            "können zu Ausweisdokumenten mit falschen Angaben führen.",
            LAWS,
            TASKS,
        ),
        availability=_p(
            H,
            "Fällt das Meldewesen länger als einen Arbeitstag aus, müssen hunderte Termine "
            "abgesagt werden, und Behörden erhalten keine automatisierten Auskünfte.",
            TASKS,
            IMAGE,
        ),
    ),
    DemoAsset(
        "Z-044",
        "Melderegisterdaten",
        "Daten",
        "BA",
        responsible="Leitung Bürgeramt",
        description=(
            "Melderegister mit Namen, Anschriften, Familienstand, Staatsangehörigkeit und "
            "Auskunftssperren der Einwohnerinnen und Einwohner."
        ),
        tags=("dsgvo", "personenbezogen"),
        confidentiality=_p(
            H,
            "Melderegisterdaten sind personenbezogene Daten; eine unbefugte Offenlegung, "
            "insbesondere von Auskunftssperren, kann Betroffene gefährden.",
            PRIVACY,
            LAWS,
            IMAGE,
        ),
        integrity=_p(
            H,
            "Das Melderegister ist Grundlage für Wahlen, Steuer-IDs und Datenübermittlungen an "
            "andere Behörden; Fehler pflanzen sich dorthin fort.",
            LAWS,
            TASKS,
        ),
        availability=_p(
            H,
            "Ohne Zugriff auf das Melderegister ist keine Sachbearbeitung im Bürgeramt möglich; "
            "mehr als ein Arbeitstag ist nicht tolerierbar.",
            TASKS,
            IMAGE,
        ),
    ),
    DemoAsset(
        "Z-045",
        "Pass- und Ausweisantragsdaten einschließlich biometrischer Merkmale",
        "Daten",
        "BA",
        responsible="Leitung Bürgeramt",
        description=(
            "Antragsdaten, Lichtbilder und Fingerabdrücke bis zur Ausgabe des Dokuments sowie "
            "Pass- und Personalausweisregister."
        ),
        tags=("dsgvo", "personenbezogen", "biometrie"),
        confidentiality=_p(
            H,
            "Biometrische Daten sind besondere Kategorien personenbezogener Daten (Art. 9 DSGVO); "
            "PassG und PAuswG verlangen ihre Löschung nach Ausgabe.",
            PRIVACY,
            LAWS,
        ),
        integrity=_p(
            H,
            "Verfälschte Antragsdaten führen zu fehlerhaften oder missbräuchlich ausgestellten "
            "Ausweisdokumenten.",
            LAWS,
            IMAGE,
        ),
        availability=_p(
            H,
            "Ohne Zugriff auf laufende Anträge können Dokumente nicht ausgegeben und vorläufige "
            "Ausweise nicht ausgestellt werden.",
            TASKS,
            IMAGE,
        ),
    ),
    DemoAsset(
        "Z-046",
        "Fachverfahren Einwohnerwesen (Melde-, Pass- und Ausweisverfahren)",
        "Anwendungen",
        "BA",
        responsible="Leitung Bürgeramt",
        description=(
            "Fachverfahren für Meldewesen, Pass- und Ausweiswesen mit XMeld-Datenübermittlung "
            "an andere Behörden; Server virtualisiert im Rechenzentrum."
        ),
        location="Rechenzentrum Standort 1",
        tags=("fachverfahren", "personenbezogen"),
    ),
    DemoAsset(
        "Z-047",
        "Arbeitsplatz-PCs Bürgeramt",
        "Endgeräte",
        "BA",
        responsible="Leitung Bürgeramt",
        description="Einheitlich installierte Arbeitsplatz-PCs der Bürgerämter (Gruppenbildung).",
        location="Bürgerämter",
        quantity=420,
        tags=("client",),
    ),
    DemoAsset(
        "Z-048",
        "Biometrie-Erfassungsstationen",
        "Endgeräte",
        "BA",
        responsible="Leitung Bürgeramt",
        description=(
            "Erfassungsgeräte für Lichtbild, Fingerabdruck und Unterschrift an den "
            "Ausweisarbeitsplätzen."
        ),
        location="Bürgerämter",
        quantity=36,
        tags=("biometrie",),
    ),
    DemoAsset(
        "Z-049",
        "Dienstgebäude der Bürgerämter",
        "Gebäude",
        "BA",
        responsible="Leitung Bürgeramt",
        description="Standorte der Bürgerämter mit Publikumsverkehr.",
        location="Stadtbezirke",
        quantity=9,
        tags=("buergerservice",),
    ),
)

_PERSONAL = (
    DemoAsset(
        "Z-050",
        "Personalverwaltung",
        PROCESS,
        "PER",
        responsible="Leitung Personal",
        description=(
            "Einstellungen, Personalaktenführung, Stellenbewirtschaftung und Zeitwirtschaft für "
            "die Beschäftigten der Stadtverwaltung."
        ),
        tags=("personenbezogen", "personal"),
        confidentiality=_p(
            H,
            "Personalvorgänge enthalten Beurteilungen, Krankheitszeiten und Disziplinarvorgänge; "
            "ihre Offenlegung verletzt Persönlichkeitsrechte der Beschäftigten erheblich.",
            PRIVACY,
            LAWS,
        ),
        integrity=_p(
            H,
            "Fehlerhafte Personalakten führen zu rechtswidrigen Personalentscheidungen und "
            "arbeitsgerichtlichen Auseinandersetzungen.",
            LAWS,
            MONEY,
        ),
        availability=_p(
            N,
            "Personalverwaltung ist nicht zeitkritisch; ein Ausfall von einer Woche ist "
            "tolerierbar.",
            TASKS,
        ),
    ),
    DemoAsset(
        "Z-051",
        "Entgelt- und Besoldungsabrechnung",
        PROCESS,
        "PER",
        responsible="Leitung Personal",
        description=(
            "Monatliche Abrechnung und Auszahlung von Entgelt und Besoldung für rund "
            "11.000 Beschäftigte sowie Meldungen an Finanzverwaltung und Sozialversicherung."
        ),
        tags=("personenbezogen", "personal", "finanzen"),
        confidentiality=_p(
            H,
            "Die Abrechnung verarbeitet Bankverbindungen, Steuer- und "
            "Sozialversicherungsmerkmale; eine Offenlegung verletzt Datenschutz und "
            "Steuergeheimnis.",
            PRIVACY,
            LAWS,
        ),
        integrity=_p(
            H,
            "Fehlerhafte Abrechnungen führen zu falschen Auszahlungen und Meldungen; "
            "Rückforderungen und Korrekturen sind aufwendig.",
            MONEY,
            LAWS,
        ),
        availability=_p(
            H,
            "Entgelte müssen termingerecht ausgezahlt werden; ein Ausfall in den Abrechnungstagen "
            "ist nicht tolerierbar.",
            MONEY,
            LAWS,
            IMAGE,
        ),
    ),
    DemoAsset(
        "Z-052",
        "Personalaktendaten",
        "Daten",
        "PER",
        responsible="Leitung Personal",
        description=(
            "Digitale Personalakten, Beurteilungen, Arbeitszeit- und Abwesenheitsdaten; "
            "Schriftgut teils in der Dateiablage des Fachbereichs."
        ),
        tags=("dsgvo", "personenbezogen", "personal"),
        confidentiality=_p(
            H,
            "Personalakten unterliegen dem besonderen Vertraulichkeitsschutz des Beamten- und "
            "Arbeitsrechts; sie enthalten auch Gesundheitsdaten.",
            PRIVACY,
            LAWS,
        ),
        integrity=_p(
            H,
            "Verfälschte Personalakten können Laufbahn- und Vergütungsentscheidungen "
            "rechtswidrig machen.",
            LAWS,
            MONEY,
        ),
        availability=_p(
            N,
            "Personalakten werden anlassbezogen benötigt; ein Ausfall von einer Woche ist "
            "tolerierbar.",
            TASKS,
        ),
    ),
    DemoAsset(
        "Z-053",
        "Entgeltabrechnungsdaten",
        "Daten",
        "PER",
        responsible="Leitung Personal",
        description=(
            "Stamm- und Bewegungsdaten der Abrechnung: Bankverbindungen, Steuermerkmale, "
            "Sozialversicherungsdaten, Zulagen und Abzüge."
        ),
        tags=("dsgvo", "personenbezogen", "finanzen"),
        confidentiality=_p(
            H,
            "Die Abrechnungsdaten enthalten Bankverbindungen sowie Steuer- und "
            "Sozialversicherungsmerkmale; Missbrauch ermöglicht Identitätsdiebstahl.",
            PRIVACY,
            LAWS,
            MONEY,
        ),
        integrity=_p(
            H,
            "Manipulierte Bankverbindungen oder Beträge führen zu Fehlzahlungen, die oft erst "
            "nach Wochen bemerkt werden.",
            MONEY,
            LAWS,
        ),
        availability=_p(
            H,
            "Zum Abrechnungslauf müssen die Daten vollständig vorliegen; ein Ausfall verzögert "
            "die Zahlung an alle Beschäftigten.",
            MONEY,
            IMAGE,
        ),
    ),
    DemoAsset(
        "Z-054",
        "Personalmanagementsystem (Personalverwaltung und -abrechnung)",
        "Anwendungen",
        "PER",
        responsible="Leitung Personal",
        description=(
            "HR-Verfahren mit Personalverwaltung, Zeitwirtschaft und Entgeltabrechnung; "
            "elektronische Meldungen an Finanzverwaltung und Sozialversicherung."
        ),
        location="Rechenzentrum Standort 1",
        tags=("fachverfahren", "personenbezogen", "personal"),
    ),
)

_IUK = (
    DemoAsset(
        "Z-055",
        "Bürokommunikation und Schriftgutverwaltung",
        PROCESS,
        "IUK",
        responsible="Leitung IuK und Rechenzentrum",
        description=(
            "Fachbereichsübergreifende E-Mail-Kommunikation und Dateiablage der Stadtverwaltung."
        ),
        tags=("basisdienst",),
        confidentiality=_p(
            H,
            "E-Mails und Ablagen aller Fachbereiche enthalten personenbezogene Daten von "
            "Bürgerinnen, Bürgern und Beschäftigten.",
            PRIVACY,
            LAWS,
        ),
        integrity=_p(
            N,
            "Rechtsverbindliche Vorgänge werden in den Fachverfahren geführt; Fehler in der "
            "Korrespondenz lassen sich korrigieren.",
            TASKS,
        ),
        availability=_p(
            N,
            "Für jeden einzelnen Fachbereich ist ein Ausfall von bis zu zwei Arbeitstagen "
            "tolerierbar.",
            TASKS,
        ),
    ),
    DemoAsset(
        "Z-056",
        "Dienstliche Korrespondenz und Verwaltungsschriftgut",
        "Daten",
        "IUK",
        responsible="Leitung IuK und Rechenzentrum",
        description="E-Mail-Postfächer, Funktionspostfächer und Ablagen der Fachbereiche.",
        tags=("personenbezogen", "basisdienst"),
        confidentiality=_p(
            H,
            "Die Korrespondenz enthält personenbezogene Daten und interne Vorlagen; eine "
            "Offenlegung verstößt gegen DSGVO und schädigt das Vertrauen in die Verwaltung.",
            PRIVACY,
            LAWS,
            IMAGE,
        ),
        integrity=_p(
            N,
            "Verfälschungen fallen in der Regel bei der Bearbeitung auf und lassen sich aus der "
            "Datensicherung korrigieren.",
            TASKS,
        ),
        availability=_p(
            N,
            "Einzelne Ablagen und Postfächer können bis zu zwei Arbeitstage entbehrt werden.",
            TASKS,
        ),
    ),
    DemoAsset(
        "Z-057",
        "E-Mail- und Groupware-Dienst",
        "E-Mail",
        "IUK",
        responsible="Leitung Servicebereich Basisdienste",
        description=(
            "Zentraler E-Mail- und Kalenderdienst der Stadtverwaltung mit Spam- und "
            "Virenfilterung am Internetübergang."
        ),
        location="Rechenzentrum Standort 1",
        tags=("basisdienst",),
    ),
    DemoAsset(
        "Z-058",
        "Zentraler Dateiserver",
        "Dateiserver",
        "IUK",
        responsible="Leitung Servicebereich Basisdienste",
        description="Gruppen- und Fachbereichslaufwerke aller Organisationseinheiten.",
        location="Rechenzentrum Standort 1",
        tags=("basisdienst",),
        availability=_p(
            H,
            "Kumulationseffekt: Auf dem Dateiserver liegen die Ablagen aller Fachbereiche; ein "
            "Ausfall von zwei Arbeitstagen ist für jeden einzelnen Prozess tolerierbar, legt "
            "aber die Sachbearbeitung der gesamten Stadtverwaltung gleichzeitig still.",
            TASKS,
            IMAGE,
            MONEY,
            override=Override.KUMULATION,
        ),
    ),
    DemoAsset(
        "Z-059",
        "Verzeichnisdienst (Active Directory)",
        "Verzeichnisdienste",
        "IUK",
        responsible="Leitung Servicebereich Basisdienste",
        description=(
            "Zentrale Benutzer-, Gruppen- und Rechteverwaltung der Verwaltungsdomäne; "
            "Domänencontroller an beiden Rechenzentrumsstandorten."
        ),
        location="Rechenzentrum Standort 1 und 2",
        tags=("basisdienst", "identitaet"),
    ),
    DemoAsset(
        "Z-060",
        "Virtualisierungscluster",
        "Virtualisierungslösungen",
        "IUK",
        responsible="Leitung Rechenzentrumsbetrieb",
        description=(
            "Standortübergreifender Virtualisierungscluster für Fachverfahren, Basisdienste "
            "und den Serverteil des Einsatzleitsystems."
        ),
        location="Rechenzentrum Standort 1 und 2",
        tags=("rechenzentrum", "virtualisierung"),
    ),
    DemoAsset(
        "Z-061",
        "Virtualisierungshosts",
        "Hostsysteme",
        "IUK",
        responsible="Leitung Rechenzentrumsbetrieb",
        description="Einheitlich konfigurierte Server des Virtualisierungsclusters.",
        location="Rechenzentrum Standort 1 und 2",
        quantity=24,
        tags=("rechenzentrum", "virtualisierung"),
    ),
    DemoAsset(
        "Z-062",
        "Zentrales Speichersystem (SAN, standortübergreifend gespiegelt)",
        "IT-Systeme",
        "IUK",
        responsible="Leitung Rechenzentrumsbetrieb",
        description="Synchron gespiegeltes Speichersystem für den Virtualisierungscluster.",
        location="Rechenzentrum Standort 1 und 2",
        quantity=2,
        tags=("rechenzentrum", "speicher", "redundant"),
    ),
    DemoAsset(
        "Z-063",
        "Datensicherungssystem",
        "Hostsysteme",
        "IUK",
        responsible="Leitung Rechenzentrumsbetrieb",
        description=(
            "Backup-Server mit Deduplizierungsspeicher und Bandbibliothek; Auslagerung der "
            "Bänder in das Datenträgerarchiv."
        ),
        location="Rechenzentrum Standort 2",
        tags=("rechenzentrum", "backup"),
    ),
    DemoAsset(
        "Z-064",
        "Firewall-Cluster Internetübergang",
        "IT-Systeme",
        "IUK",
        responsible="Leitung Netze und Sicherheit",
        description=(
            "Mehrstufiger Internetübergang mit Paketfilter, Application-Level-Gateway und DMZ."
        ),
        location="Rechenzentrum Standort 1",
        quantity=2,
        tags=("netz", "firewall", "redundant"),
    ),
    DemoAsset(
        "Z-065",
        "Stadtnetz (WAN der Stadtverwaltung)",
        "Interne Netzsegmente",
        "IUK",
        responsible="Leitung Netze und Sicherheit",
        description=(
            "Glasfaserbasiertes Verwaltungsnetz zwischen Rechenzentren, Dienstgebäuden, "
            "Bürgerämtern, Leitstelle und Verkehrsmanagementzentrale."
        ),
        location="Stadtgebiet",
        tags=("netz",),
    ),
    DemoAsset(
        "Z-066",
        "Internetanschluss (redundante Uplinks)",
        "Externe Netzanschlüsse",
        "IUK",
        responsible="Leitung Netze und Sicherheit",
        description="Zwei Internet-Uplinks unterschiedlicher Anbieter an beiden Standorten.",
        location="Rechenzentrum Standort 1 und 2",
        tags=("netz", "internet", "dienstleister"),
    ),
    DemoAsset(
        "Z-067",
        "Rechenzentrum Standort 1 – Serverraum",
        "Serverräume",
        "IUK",
        responsible="Leitung Rechenzentrumsbetrieb",
        description=(
            "Hauptrechenzentrum mit Zutrittskontrolle, USV, Netzersatzanlage und Löschanlage."
        ),
        location="Rechenzentrum Standort 1",
        tags=("rechenzentrum",),
    ),
    DemoAsset(
        "Z-068",
        "Rechenzentrum Standort 2 – Serverraum",
        "Serverräume",
        "IUK",
        responsible="Leitung Rechenzentrumsbetrieb",
        description="Ausweichrechenzentrum in einem anderen Brandabschnitt und Stadtteil.",
        location="Rechenzentrum Standort 2",
        tags=("rechenzentrum",),
    ),
    DemoAsset(
        "Z-069",
        "Datenträgerarchiv für Sicherungsbänder",
        "Datenträgerarchiv",
        "IUK",
        responsible="Leitung Rechenzentrumsbetrieb",
        description="Datensicherungsschrank und Archivraum für ausgelagerte Sicherungsbänder.",
        location="Rechenzentrum Standort 2",
        tags=("rechenzentrum", "backup"),
    ),
)

ASSETS: tuple[DemoAsset, ...] = (
    _VERKEHR + _ENTWAESSERUNG + _FEUERWEHR + _BUERGERAMT + _PERSONAL + _IUK
)

# (dependent, dependency): process -> information -> application -> system -> room/network.
DEPENDENCIES: tuple[tuple[str, str], ...] = (
    # Verkehr und Tiefbau
    ("Z-001", "Z-002"),
    ("Z-001", "Z-003"),
    ("Z-004", "Z-003"),
    ("Z-004", "Z-005"),
    ("Z-002", "Z-006"),
    ("Z-002", "Z-009"),
    ("Z-003", "Z-006"),
    ("Z-003", "Z-010"),
    ("Z-005", "Z-014"),
    ("Z-006", "Z-007"),
    ("Z-006", "Z-008"),
    ("Z-006", "Z-009"),
    ("Z-006", "Z-013"),
    ("Z-007", "Z-067"),
    ("Z-007", "Z-011"),
    ("Z-008", "Z-068"),
    ("Z-008", "Z-011"),
    ("Z-009", "Z-010"),
    ("Z-009", "Z-011"),
    ("Z-013", "Z-012"),
    ("Z-013", "Z-065"),
    ("Z-014", "Z-060"),
    ("Z-014", "Z-015"),
    ("Z-014", "Z-013"),
    ("Z-015", "Z-011"),
    # Stadtentwässerung
    ("Z-016", "Z-017"),
    ("Z-018", "Z-019"),
    ("Z-017", "Z-020"),
    ("Z-017", "Z-021"),
    ("Z-017", "Z-022"),
    ("Z-017", "Z-023"),
    ("Z-019", "Z-058"),
    ("Z-020", "Z-024"),
    ("Z-020", "Z-026"),
    ("Z-020", "Z-028"),
    ("Z-020", "Z-029"),
    ("Z-021", "Z-027"),
    ("Z-021", "Z-028"),
    ("Z-022", "Z-029"),
    ("Z-023", "Z-029"),
    ("Z-024", "Z-025"),
    ("Z-024", "Z-028"),
    ("Z-025", "Z-030"),
    ("Z-026", "Z-030"),
    ("Z-027", "Z-030"),
    # Feuerwehr
    ("Z-031", "Z-032"),
    ("Z-031", "Z-033"),
    ("Z-032", "Z-034"),
    ("Z-032", "Z-035"),
    ("Z-033", "Z-034"),
    ("Z-033", "Z-036"),
    ("Z-034", "Z-036"),
    ("Z-034", "Z-038"),
    ("Z-034", "Z-060"),
    ("Z-034", "Z-063"),
    ("Z-034", "Z-065"),
    ("Z-035", "Z-038"),
    ("Z-035", "Z-040"),
    ("Z-036", "Z-037"),
    ("Z-036", "Z-040"),
    ("Z-036", "Z-041"),
    ("Z-037", "Z-040"),
    ("Z-037", "Z-042"),
    ("Z-038", "Z-039"),
    ("Z-038", "Z-041"),
    # Bürgeramt
    ("Z-043", "Z-044"),
    ("Z-043", "Z-045"),
    ("Z-044", "Z-046"),
    ("Z-045", "Z-046"),
    ("Z-045", "Z-048"),
    ("Z-046", "Z-047"),
    ("Z-046", "Z-059"),
    ("Z-046", "Z-060"),
    ("Z-046", "Z-063"),
    ("Z-046", "Z-064"),
    ("Z-046", "Z-065"),
    ("Z-047", "Z-049"),
    ("Z-047", "Z-059"),
    ("Z-047", "Z-065"),
    ("Z-048", "Z-049"),
    ("Z-048", "Z-065"),
    # Personal
    ("Z-050", "Z-052"),
    ("Z-051", "Z-053"),
    ("Z-052", "Z-054"),
    ("Z-052", "Z-058"),
    ("Z-053", "Z-054"),
    ("Z-054", "Z-059"),
    ("Z-054", "Z-060"),
    ("Z-054", "Z-063"),
    ("Z-054", "Z-064"),
    # IuK und Rechenzentrum
    ("Z-055", "Z-056"),
    ("Z-056", "Z-057"),
    ("Z-056", "Z-058"),
    ("Z-057", "Z-059"),
    ("Z-057", "Z-060"),
    ("Z-057", "Z-063"),
    ("Z-057", "Z-064"),
    ("Z-058", "Z-059"),
    ("Z-058", "Z-060"),
    ("Z-058", "Z-063"),
    ("Z-059", "Z-060"),
    ("Z-059", "Z-065"),
    ("Z-060", "Z-061"),
    ("Z-060", "Z-062"),
    ("Z-061", "Z-065"),
    ("Z-061", "Z-067"),
    ("Z-061", "Z-068"),
    ("Z-062", "Z-067"),
    ("Z-062", "Z-068"),
    ("Z-063", "Z-068"),
    ("Z-063", "Z-069"),
    ("Z-064", "Z-066"),
    ("Z-064", "Z-067"),
)
