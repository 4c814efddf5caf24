"""Small OSCAL documents and files of our own, for tests about permissions rather than content
(the content tests use the BSI's real catalogs)."""

from __future__ import annotations

import io
import json
import uuid

from reportlab.pdfgen import canvas


def _control(ref: str, title: str, verb: str, categories: str | None) -> dict:
    props = [{"name": "modal_verb", "value": verb}]
    if categories:
        props.append({"name": "target_object_categories", "value": categories})
    return {
        "id": ref,
        "title": title,
        "props": [{"name": "sec_level", "value": "normal-SdT"}],
        "parts": [
            {"id": f"{ref}_stm", "name": "statement", "props": props, "prose": f"{title} {verb}."}
        ],
    }


def catalog(title: str = "Testkatalog", version: str = "1") -> bytes:
    """A BSI-like catalog: one practice, a control for IT systems and one for the domain."""
    return json.dumps(
        {
            "catalog": {
                "uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, title)),
                "metadata": {
                    "title": title,
                    "version": version,
                    "oscal-version": "1.1.3",
                    "last-modified": "2026-01-01T00:00:00Z",
                },
                "groups": [
                    {
                        "id": "TST",
                        "title": "Test",
                        "controls": [
                            _control("TST.1", "Systeme härten", "SOLLTE", "IT-Systeme"),
                            _control("TST.2", "Leitlinie", "MUSS", None),
                        ],
                    }
                ],
            }
        }
    ).encode()


def iso() -> bytes:
    """An Annex-A-like catalog (no BSI props: not modelled, kept in the SoA)."""
    return json.dumps(
        {
            "catalog": {
                "uuid": str(uuid.uuid4()),
                "metadata": {
                    "title": "ISO/IEC 27001:2022 Annex A Test",
                    "version": "1",
                    "oscal-version": "1.1.3",
                    "last-modified": "2026-01-01T00:00:00Z",
                },
                "groups": [
                    {
                        "id": "5",
                        "title": "Organizational controls",
                        "controls": [{"id": "5.1", "title": "Policies", "parts": []}],
                    }
                ],
            }
        }
    ).encode()


def pdf(text: str = "Nachweis") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, text)
    page.save()
    return buffer.getvalue()
