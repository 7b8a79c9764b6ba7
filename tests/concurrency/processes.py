"""Real ``remit`` processes for the operations tests (``test_graceful.py``, ``test_scale_out.py``):
start one with its own log, wait until ``/readyz`` says it can serve, log in as its bootstrap
partner and make an entity whose payables land in ``new``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.concurrency.conftest import LOG_ALARMS, _children, _cmdline, _free_port

VERSION = "2024-05-25"


def remit_env(database_url: str, **settings: str) -> dict[str, str]:
    """The test's environment less any REMIT_* of its own, plus a database and a bootstrap partner."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMIT_") and k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update({
        "REMIT_DATABASE_URL": database_url,
        "REMIT_CLIENT_ID": str(uuid.uuid4()),
        "REMIT_CLIENT_SECRET": uuid.uuid4().hex,
        "REMIT_SECRET_KEY": "operations-test-signing-key-0123456789abcdef",
        "REMIT_RATE_LIMIT": "off",
        "REMIT_LOG_LEVEL": "info",
        "REMIT_LOG_FORMAT": "json",
        **settings,
    })
    return env


@dataclass
class RemitProcess:
    command: list[str]
    env: dict[str, str]
    log: Path
    port: int | None = None
    proc: subprocess.Popen[bytes] | None = None
    _log_offset: int = field(default=0)

    @classmethod
    def serve(cls, env: dict[str, str], log: Path, *, workers: int = 1) -> RemitProcess:
        port = _free_port()
        command = [sys.executable, "-m", "remit.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port),
                   "--workers", str(workers)]
        return cls(command, env, log, port)

    @classmethod
    def worker(cls, env: dict[str, str], log: Path) -> RemitProcess:
        return cls([sys.executable, "-m", "remit.cli.main", "worker"], env, log)

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return self.root + "/v1"

    def start(self) -> RemitProcess:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(self.command, env=self.env, cwd=self.log.parent, stdout=out,
                                         stderr=subprocess.STDOUT)
        return self

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"exited with {self.proc.returncode}:\n{self.tail()}")
            try:
                if httpx.get(self.root + "/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"not ready within {timeout:g} s:\n{self.tail()}")

    def worker_pids(self) -> list[int]:
        """uvicorn's worker processes (spawned children of the supervisor)."""
        assert self.proc is not None
        return [pid for pid in _children(self.proc.pid) if "spawn_main" in _cmdline(pid)]

    def terminate(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def tail(self, size: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-size:] if self.log.exists() else ""

    def alarms(self) -> list[str]:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [line for line in text.splitlines() if any(alarm in line for alarm in LOG_ALARMS)]


async def login(http: httpx.AsyncClient, env: dict[str, str]) -> dict[str, str]:
    response = await http.post("/auth/token", json={
        "client_id": env["REMIT_CLIENT_ID"], "client_secret": env["REMIT_CLIENT_SECRET"],
        "grant_type": "client_credentials",
    })
    assert response.status_code == 200, response.text
    return {"authorization": f"Bearer {response.json()['access_token']}"}


async def new_entity(http: httpx.AsyncClient, auth: dict[str, str], *, rules: list[Any] | None = None) -> dict[str, str]:
    """Headers for a new entity; ``rules`` [] (default) lets payables land in ``new`` at once."""
    response = await http.post("/entities", headers=auth, json={
        "type": "organization", "email": f"ops-{uuid.uuid4().hex[:6]}@acme.example",
        "address": {"country": "DE", "city": "Berlin", "line1": "Friedrichstr. 1", "postal_code": "10117"},
        "organization": {"legal_name": "Ops GmbH"},
    })
    assert response.status_code == 201, response.text
    on = {**auth, "x-monite-entity-id": response.json()["id"]}
    response = await http.put("/payables/validations", json={"required_fields": rules or []}, headers=on)
    assert response.status_code == 200, response.text
    return on
