"""Fuzzing the whole JSON API (schemathesis over the OpenAPI document, in-process): whatever
the generated input, authenticated as each role, the service answers without a server error.
A short run in the suite (a few examples per operation); FUZZ_EXAMPLES=100 for a long one."""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from sqlalchemy import Engine

from isms.identity.models import Role
from tests.controls.conftest import (  # noqa: F401  (fixtures)
    _modelling_follows_assets,
    catalogs,
    entries,
    org,
)
from tests.factories import auth, make_user
from tests.privacy.conftest import Org, activity, create_asset

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
ROLES = ("isb", "dsb", "verkehr", "auditor", "admin")


def _fuzz(operation: Any, role_headers: dict[str, dict[str, str]]) -> list[str]:
    """Run the generated cases of one operation as every role; the server errors found."""
    found: list[str] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        for role, headers in role_headers.items():
            response = case.call(headers=headers)
            if response.status_code >= 500:
                found.append(
                    f"{role}: {case.method} {case.formatted_path} query={case.query} "
                    f"body={case.body!r:.200}: {response.status_code} {response.text[:200]}"
                )

    run()
    return found


@pytest.mark.parametrize("tag", ["kernel", "domains"])
def test_no_input_makes_the_service_fail(
    app: FastAPI,
    client: TestClient,
    org: Org,  # noqa: F811
    engine: Engine,
    tag: str,
) -> None:
    make_user(engine, role=Role.DPO, username="dsb", departments=[])
    dpo = auth(client, "dsb")
    create_asset(client, org, "VRZ-1", "Anwendungen", org.vt)
    client.post("/api/v1/processing-activities", headers=dpo, json=activity(org.vt.id))
    role_headers = {name: auth(client, name) for name in ROLES}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    problems: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    kernel = ("/api/v1/auth", "/api/v1/users", "/api/v1/departments", "/api/v1/audit")
    for operation in operations:
        if operation.path.startswith(kernel) != (tag == "kernel"):
            continue
        if operation.path.endswith("/login") or "logout" in operation.path:
            continue  # would end the tokens of the run
        problems += _fuzz(operation, role_headers)
    assert problems == [], "\n".join(problems[:30])
