"""`isms report`, `isms pack build|verify|public-key` as real processes."""

from __future__ import annotations

import zipfile
from pathlib import Path

from fastapi.testclient import TestClient

from isms.settings import Settings
from tests.isms.test_cli import run
from tests.reports.test_reports import text_of
from tests.reports.verifier import check
from tests.risk.analysis.conftest import Org, create_asset


def test_report_pack_and_verify_on_the_command_line(
    client: TestClient, org: Org, settings: Settings, tmp_path: Path
) -> None:
    create_asset(client, org, "SCADA-1", "ICS/OT-Systeme", org.vt, kritis_critical=True)
    report = run(settings, "report", "a1", "--out", str(tmp_path / "a1.pdf"), "--department", "VT")
    assert report.returncode == 0, report.stderr
    assert "Organisationseinheit Verkehr und Tiefbau" in text_of(tmp_path / "a1.pdf")
    empty = run(settings, "report", "a2", "--out", str(tmp_path / "x.pdf"), "--department", "FW")
    assert empty.returncode == 2 and "no target objects" in empty.stderr
    unknown = run(settings, "report", "a2", "--out", str(tmp_path / "x.pdf"), "--asset", "NIX")
    assert unknown.returncode == 2 and "NIX" in unknown.stderr
    out = tmp_path / "pack.zip"
    built = run(settings, "pack", "build", "--out", str(out), "--kritis", "--from", "2026-01-01")
    assert built.returncode == 0, built.stderr
    assert "sha256" in built.stdout
    reversed_period = run(
        settings,
        "pack",
        "build",
        "--out",
        str(tmp_path / "y.zip"),
        "--from",
        "2026-02-01",
        "--to",
        "2026-01-01",
    )
    assert reversed_period.returncode == 2 and "ends before it starts" in reversed_period.stderr
    assert not (tmp_path / "y.zip").exists()
    key = tmp_path / "public.pem"
    key.write_text(run(settings, "pack", "public-key").stdout)
    assert key.read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert check(out, key.read_bytes()) == []
    verified = run(settings, "pack", "verify", str(out), "--key", str(key))
    assert verified.returncode == 0 and verified.stdout.startswith("OK")
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(out) as old, zipfile.ZipFile(broken, "w") as new:
        for info in old.infolist():
            data = old.read(info.filename)
            new.writestr(info, data + b"x" if info.filename == "reports/a1.pdf" else data)
    failed = run(settings, "pack", "verify", str(broken), "--key", str(key))
    assert failed.returncode == 1 and "changed: reports/a1.pdf" in failed.stderr
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"PK\x03\x04 not really")
    assert run(settings, "pack", "verify", str(garbage)).returncode == 1


def test_unreadable_keys_and_unwritable_outputs_are_clear_errors(
    client: TestClient, org: Org, settings: Settings, tmp_path: Path
) -> None:
    create_asset(client, org, "SCADA-1", "ICS/OT-Systeme", org.vt)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for args in (
        ("pack", "build", "--out", str(blocker / "pack.zip")),
        ("report", "a1", "--out", str(blocker / "a1.pdf")),
        ("pack", "verify", str(tmp_path / "pack.zip"), "--key", str(tmp_path / "nope.pem")),
    ):
        done = run(settings, *args)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith("error:") and "Traceback" not in done.stderr, done.stderr
