"""The HTML forms of the GDPR records, turned into the API's input shapes: repeatable rows
(data categories, recipients, transfers, risks) as numbered fields, lists one per line,
objects by their short ids. Pure functions; the pages validate with the same schemas as the
API, so a form and a JSON body are checked alike."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from isms.clock import LOCAL
from isms.web.forms import FormData, FormErrors, int_value, list_value
from risk.assets.models import Asset

# Repeatable rows: form prefix, schema field, the row's fields
ROWS: dict[str, tuple[str, tuple[str, ...]]] = {
    "category": ("data_categories", ("name", "erasure")),
    "recipient": ("recipients", ("name", "kind", "contract")),
    "transfer": ("transfers", ("country", "safeguard")),
    "risk": (
        "risks",
        (
            "title",
            "description",
            "likelihood",
            "severity",
            "measures",
            "residual_likelihood",
            "residual_severity",
        ),
    ),
}
MAX_ROWS = 100
EXTRA_ROWS = 1  # empty rows offered below the filled ones


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return (value[0] if isinstance(value, list) else str(value or "")).strip()


def lines(form: FormData, name: str) -> list[str]:
    return [line.strip() for line in text(form, name).splitlines() if line.strip()]


def flag(form: FormData, name: str) -> bool:
    return text(form, name) in ("ja", "on", "true")


def row_count(form: FormData, prefix: str) -> int:
    """How many rows of a repeatable group the form had (one more after 'add a row')."""
    count = min(int_value(form.get(f"{prefix}_rows")) or 0, MAX_ROWS)
    return count + (1 if text(form, "add") == prefix and count < MAX_ROWS else 0)


# Fields whose select has no empty choice: they never make a row count as filled in
PRESET = {"kind"}


def rows(form: FormData, prefix: str) -> list[dict[str, str]]:
    """The filled rows of a group (rows left empty are dropped)."""
    _, names = ROWS[prefix]
    found = []
    for number in range(row_count(form, prefix)):
        row = {name: text(form, f"{prefix}_{name}_{number}") for name in names}
        if any(v for k, v in row.items() if k not in PRESET):
            found.append(row)
    return found


def row_values(items: Sequence[dict[str, Any]], prefix: str) -> dict[str, str]:
    """Form values of a group from stored rows, with room for another."""
    _, names = ROWS[prefix]
    values = {f"{prefix}_rows": str(len(items) + EXTRA_ROWS)}
    for number, item in enumerate(items):
        for name in names:
            values[f"{prefix}_{name}_{number}"] = str(item.get(name) or "")
    return values


def asset_ids(
    session: Session, form: FormData, errors: FormErrors, scope: set[int] | None
) -> list[int]:
    """The objects named by short id (comma separated); unknown or foreign ones are an error."""
    wanted = [s.strip() for s in text(form, "assets").split(",") if s.strip()]
    if not wanted:
        return []
    query = select(col(Asset.short_id), col(Asset.id)).where(col(Asset.short_id).in_(wanted))
    if scope is not None:
        query = query.where(col(Asset.department_id).in_(scope))
    found = dict(session.execute(query).all())
    missing = [s for s in wanted if s not in found]
    if missing:
        errors.add("assets", "error.asset_unknown", ids=", ".join(missing))
    return [found[s] for s in wanted if s in found]


def activity_data(form: FormData, asset_ids: list[int]) -> dict[str, Any]:
    """The input of the record of processing (ActivityFields) from its form."""
    return {
        "name": text(form, "name"),
        "department_id": int_value(form.get("department_id")) or 0,
        "status": text(form, "status") or "entwurf",
        "controller": text(form, "controller"),
        "joint_controllers": text(form, "joint_controllers"),
        "dpo_contact": text(form, "dpo_contact"),
        "purposes": text(form, "purposes"),
        "legal_bases": list_value(form, "legal_bases"),
        "legal_basis_note": text(form, "legal_basis_note"),
        "special_categories": flag(form, "special_categories"),
        "data_subjects": lines(form, "data_subjects"),
        "data_categories": rows(form, "category"),
        "recipients": rows(form, "recipient"),
        "transfers": rows(form, "transfer"),
        "tom_note": text(form, "tom_note"),
        "dpia_required": flag(form, "dpia_required"),
        "dpia_reason": text(form, "dpia_reason"),
        "asset_ids": asset_ids,
        "version": int_value(form.get("version")),
    }


def activity_values(activity: Any, short_ids: list[str]) -> dict[str, Any]:
    """The form's values of a stored entry."""
    values: dict[str, Any] = {
        name: getattr(activity, name)
        for name in (
            "name",
            "department_id",
            "controller",
            "joint_controllers",
            "dpo_contact",
            "purposes",
            "legal_basis_note",
            "tom_note",
            "dpia_reason",
            "version",
        )
    }
    values.update(
        status=activity.status.value,
        legal_bases=list(activity.legal_bases),
        special_categories="ja" if activity.special_categories else "",
        dpia_required="ja" if activity.dpia_required else "",
        data_subjects="\n".join(activity.data_subjects),
        assets=", ".join(short_ids),
        **row_values(activity.data_categories, "category"),
        **row_values(activity.recipients, "recipient"),
        **row_values(activity.transfers, "transfer"),
    )
    return values


def local_time(
    form: FormData, name: str, errors: FormErrors, stored: datetime | None = None
) -> str | None:
    """A time entered in the city's time (datetime-local) as an aware ISO time; empty: None.
    The field shows minutes: left as shown, the stored time keeps its seconds."""
    value = text(form, name)
    if not value:
        return None
    if stored is not None and value == time_value(stored):
        return stored.isoformat()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        errors.add(name, "validation.datetime_from_date_parsing")
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL)
    return moment.isoformat()


def time_value(moment: datetime | None) -> str:
    """A stored time for a datetime-local field, in the city's time."""
    return moment.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M") if moment else ""


INCIDENT_TIMES = (
    "occurred_at",
    "detected_at",
    "aware_at",
    "authority_notified_at",
    "subjects_notified_at",
    "early_warning_at",
    "notification_at",
    "final_report_at",
)
INCIDENT_TEXTS = (
    "title",
    "description",
    "severity",
    "status",
    "actions",
    "risk_to_rights",
    "nature",
    "subject_categories",
    "record_categories",
    "consequences",
    "measures",
    "authority_reason",
    "subjects_reason",
)


def incident_data(
    form: FormData,
    errors: FormErrors,
    asset_ids: list[int],
    activity_ids: list[int],
    incident: Any = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {name: text(form, name) for name in INCIDENT_TEXTS}
    data = {k: v for k, v in data.items() if v or k not in ("severity", "status", "risk_to_rights")}
    data.update(
        {
            name: local_time(form, name, errors, getattr(incident, name, None))
            for name in INCIDENT_TIMES
        },
        department_id=int_value(form.get("department_id")) or 0,
        personal_data=flag(form, "personal_data"),
        kritis=flag(form, "kritis"),
        subjects_count=int_value(form.get("subjects_count")),
        records_count=int_value(form.get("records_count")),
        asset_ids=asset_ids,
        activity_ids=activity_ids,
        version=int_value(form.get("version")),
    )
    for name in ("subjects_count", "records_count"):
        if text(form, name) and data[name] is None:
            errors.add(name, "validation.int_parsing")
    return data


def incident_values(incident: Any, short_ids: list[str], activity_ids: list[int]) -> dict:
    values: dict[str, Any] = {name: getattr(incident, name) for name in INCIDENT_TEXTS}
    for name in ("severity", "status", "risk_to_rights"):
        values[name] = getattr(incident, name).value
    values.update({name: time_value(getattr(incident, name)) for name in INCIDENT_TIMES})
    values.update(
        department_id=incident.department_id,
        personal_data="ja" if incident.personal_data else "",
        kritis="ja" if incident.kritis else "",
        subjects_count=incident.subjects_count if incident.subjects_count is not None else "",
        records_count=incident.records_count if incident.records_count is not None else "",
        assets=", ".join(short_ids),
        activity_ids=[str(i) for i in activity_ids],
        version=incident.version,
    )
    return values


def dpia_data(form: FormData, errors: FormErrors, dpia: Any = None) -> dict[str, Any]:
    return {
        "criteria": list_value(form, "criteria"),
        "threshold_note": text(form, "threshold_note"),
        "description": text(form, "description"),
        "purposes": text(form, "purposes"),
        "necessity": text(form, "necessity"),
        "risks": [
            {
                k: (int_value(v) or 0) if k.endswith(("likelihood", "severity")) else v
                for k, v in r.items()
            }
            for r in rows(form, "risk")
        ],
        "measures": text(form, "measures"),
        "authority_consulted_at": local_time(
            form, "authority_consulted_at", errors, getattr(dpia, "authority_consulted_at", None)
        ),
        "version": int_value(form.get("version")),
    }


def dpia_values(dpia: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: getattr(dpia, name)
        for name in ("threshold_note", "description", "purposes", "necessity", "measures")
    }
    values.update(
        criteria=list(dpia.criteria),
        authority_consulted_at=time_value(dpia.authority_consulted_at),
        version=dpia.version,
        **row_values(dpia.risks, "risk"),
    )
    return values
