"""A real `isms serve` process for the fault tests: started, killed with SIGKILL, restarted."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import Engine, func, select

from controls.evidence import service as evidence_service
from controls.evidence import storage
from controls.evidence.models import Evidence
from isms.database import session_scope
from isms.identity.models import Role
from isms.settings import Settings
from tests.conftest import SECRET
from tests.factories import PASSWORD, make_user
from tests.isms.test_cli import ISMS

BOUNDARY = "faultboundary7d9a"
HOUR = 3600.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """One `isms serve` process on its own data dir and temp dir, with the test database."""

    settings: Settings
    data_dir: Path
    temp_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ISMS_")}
        env.update(
            ISMS_DATA_DIR=str(self.data_dir),
            ISMS_SECRET_KEY=SECRET,
            ISMS_LOG_LEVEL="WARNING",
            TMPDIR=str(self.temp_dir),  # where the server spools request bodies
            ISMS_DATABASE_URL=self.settings.sqlalchemy_url,  # the test database, also SQLite's
        )
        return env

    @property
    def evidence_root(self) -> Path:
        return evidence_service.root(self.data_dir)

    def start(self) -> None:
        command = [ISMS, "serve", "--port", str(self.port), "--no-scheduler"]
        self.process = subprocess.Popen(command, env=self.env, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the server did not start"
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the server did not answer within 30 s")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no cleanup, like a crash or the OOM killer."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        connection = self.connection()
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def token(self, username: str) -> dict[str, str]:
        body = urlencode({"username": username, "password": PASSWORD}).encode()
        content = {"Content-Type": "application/x-www-form-urlencoded"}
        status, answer = self.request("POST", "/api/v1/auth/token", body, content)
        assert status == 200, answer
        return {"Authorization": f"Bearer {json.loads(answer)['access_token']}"}

    def upload(self, headers: dict[str, str], name: str, content: bytes) -> tuple[int, bytes]:
        head, tail = multipart(name)
        body = head + content + tail
        return self.request("POST", "/api/v1/evidence", body, {**headers, **form_headers(body)})


def multipart(name: str) -> tuple[bytes, bytes]:
    """The parts of an evidence upload before and after the file's bytes."""
    valid_until = (date.today() + timedelta(days=365)).isoformat()
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="valid_until"\r\n\r\n'
        f"{valid_until}\r\n--{BOUNDARY}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head, f"\r\n--{BOUNDARY}--\r\n".encode()


def form_headers(body_or_length: bytes | int) -> dict[str, str]:
    length = body_or_length if isinstance(body_or_length, int) else len(body_or_length)
    return {
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        "Content-Length": str(length),
    }


def evidence_rows(engine: Engine) -> int:
    with session_scope(engine, write=False) as session:
        return session.scalar(select(func.count()).select_from(Evidence)) or 0


def stored(server: Server) -> list[str]:
    return [sha256 for sha256, _ in storage.stored_files(server.evidence_root)]


def parts(server: Server) -> list[Path]:
    return storage.part_files(server.evidence_root)


def backdate(path: Path, seconds: float) -> None:
    """Make a file look last written `seconds` ago, as a leftover of an earlier crash would."""
    when = time.time() - seconds
    os.utime(path, (when, when))


@pytest.fixture
def server(settings: Settings, engine: Engine, tmp_path: Path) -> Iterator[Server]:
    """A server on the test database with its own data dir; an ISB user `faults-isb`."""
    make_user(engine, role=Role.ISB, username="faults-isb")
    (tmp_path / "spool").mkdir()
    running = Server(settings, tmp_path / "data", tmp_path / "spool")
    try:
        yield running
    finally:
        running.stop()


def run_check(server: Server, *args: str) -> subprocess.CompletedProcess[str]:
    """`isms evidence check` on the server's data dir and database."""
    return subprocess.run(
        [ISMS, "evidence", "check", *args],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
