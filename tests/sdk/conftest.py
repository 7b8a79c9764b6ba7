"""The official ``monite`` SDK against a real ``remit serve`` on 127.0.0.1.

One server per test session, started as a subprocess exactly as an operator would start it
(``python -m remit.cli.main serve``): migrations and the bootstrap partner credential
(``REMIT_CLIENT_ID`` / ``REMIT_CLIENT_SECRET``) happen at start-up. The database is a fresh
SQLite file, or — when ``REMIT_TEST_DATABASE_URL`` names a PostgreSQL server — a fresh
database ``remit_sdk_<hex>`` created there and dropped at the end.

Scenarios use only the public SDK; every test makes its own entity, so they do not depend on
each other. If anything fails, the server's log is printed in the terminal summary.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from monite import (
    ActionSchema,
    BizObjectsSchemaInput,
    EntityAddressSchema,
    Monite,
    OrganizationSchema,
)
from monite.types import root_schema_input

from tests.fixtures.smtp import Inbox, smtp_server

SERVER_URL_ENV = "REMIT_TEST_DATABASE_URL"
VERSION = "2024-05-25"
START_TIMEOUT_S = 30.0

_server_log: Path | None = None


@dataclass(frozen=True)
class Server:
    port: int
    client_id: str
    client_secret: str
    database_url: str
    log_path: Path
    # The SMTP server it delivers receivable mails to; None: the default transport (recorded, not sent).
    smtp: Inbox | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def client(self, token: str | None = None, entity_id: str | None = None) -> Monite:
        return Monite(base_url=self.base_url, monite_version=VERSION, token=token, monite_entity_id=entity_id)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _admin_engine(server_url: str):
    from sqlalchemy import create_engine

    from remit.core.db.engine import normalise_url

    return create_engine(normalise_url(server_url), isolation_level="AUTOCOMMIT")


def _create_pg_database(server_url: str) -> tuple[str, str]:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    name = f"remit_sdk_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine(server_url)
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    return name, url


def _drop_pg_database(server_url: str, name: str) -> None:
    from sqlalchemy import text

    engine = _admin_engine(server_url)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _wait_until_ready(proc: subprocess.Popen, port: int, log_path: Path) -> None:
    """Poll until the server answers HTTP on the port (bounded); fail with its log otherwise."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(
                f"remit serve exited with {proc.returncode} before answering:\n{log_path.read_text(errors='replace')}",
                pytrace=False,
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                pass
            # The port is bound; make sure the app itself answers (any status will do).
            httpx.get(f"http://127.0.0.1:{port}/v1/openapi.json", timeout=2.0)
            return
        except (OSError, httpx.HTTPError):
            time.sleep(0.1)
    proc.kill()
    proc.wait()
    pytest.fail(
        f"remit serve did not answer on port {port} within {START_TIMEOUT_S:.0f} s:\n"
        f"{log_path.read_text(errors='replace')}",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def smtp() -> Iterator[Inbox]:
    with smtp_server() as inbox:
        yield inbox


@contextmanager
def running_server(workdir: Path, settings: Callable[[int], dict[str, str]], smtp: Inbox | None = None,
                   ) -> Iterator[Server]:
    """``remit serve`` in a process of its own, on a fresh SQLite file in ``workdir`` or a fresh
    database on the PostgreSQL server of ``REMIT_TEST_DATABASE_URL``, with its own partner credential;
    ``settings(port)``: the test's own REMIT_* variables. Stopped, and its database dropped, after."""
    log_path = workdir / "server.log"
    pg_server = os.environ.get(SERVER_URL_ENV, "")
    pg_name = None
    if pg_server.startswith("postgres"):
        pg_name, database_url = _create_pg_database(pg_server)
    else:
        database_url = f"sqlite:///{workdir / 'remit.db'}"
    client_id, client_secret = str(uuid.uuid4()), f"test-secret-{uuid.uuid4().hex}"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("REMIT_")}
    env.update(REMIT_DATABASE_URL=database_url, REMIT_CLIENT_ID=client_id, REMIT_CLIENT_SECRET=client_secret,
               REMIT_PUBLIC_URL=f"http://127.0.0.1:{port}", PYTHONUNBUFFERED="1")
    env.update(settings(port))
    cmd = [sys.executable, "-m", "remit.cli.main", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_until_ready(proc, port, log_path)
        yield Server(port, client_id, client_secret, database_url, log_path, smtp)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if pg_name is not None:
            _drop_pg_database(pg_server, pg_name)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, smtp: Inbox) -> Iterator[Server]:
    global _server_log
    workdir = tmp_path_factory.mktemp("sdk-server")
    _server_log = workdir / "server.log"
    settings = {
        # Webhook scenarios deliver to a receiver on 127.0.0.1, and retry within a second.
        "REMIT_WEBHOOK_ALLOW_PRIVATE_URLS": "true",
        "REMIT_WEBHOOK_RETRY_DELAYS": "[0.5, 0.5]",
        # Receivable mails go to the local SMTP server.
        "REMIT_SMTP_URL": smtp.url,
        "REMIT_MAIL_POLL_SECONDS": "0.5",
    }
    with running_server(workdir, lambda port: settings, smtp) as running:
        yield running


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """Show the server's log when an SDK scenario failed."""
    failed = terminalreporter.stats.get("failed", []) + terminalreporter.stats.get("error", [])
    if not any("tests/sdk/" in getattr(report, "nodeid", "") for report in failed):
        return
    if _server_log is not None and _server_log.exists():
        terminalreporter.write_sep("=", f"remit serve log ({_server_log})")
        terminalreporter.write_line(_server_log.read_text(errors="replace")[-20_000:])


# --- SDK helpers ---------------------------------------------------------------------------

_ROOT_SCHEMAS = {
    cls.model_fields["object_type"].default: cls
    for name, cls in vars(root_schema_input).items()
    if name.startswith("RootSchemaInput_")
}


def permissions(**objects: Any) -> BizObjectsSchemaInput:
    """``permissions(role=["read"], entity_user=["read", "create"])`` as the SDK's typed document."""
    return BizObjectsSchemaInput(
        objects=[
            _ROOT_SCHEMAS[object_type](
                actions=[ActionSchema(action_name=action, permission="allowed") for action in actions]
            )
            for object_type, actions in objects.items()
        ]
    )


@pytest.fixture(scope="session")
def partner_token(server: Server) -> str:
    anonymous = server.client()
    response = anonymous.access_tokens.create(
        client_id=server.client_id, client_secret=server.client_secret, grant_type="client_credentials"
    )
    return response.access_token


@pytest.fixture(scope="session")
def partner(server: Server, partner_token: str) -> Monite:
    """The partner acting across its entities (no entity header)."""
    return server.client(token=partner_token)


@pytest.fixture
def entity(partner: Monite):
    """A fresh organization per test, so scenarios never see each other's data."""
    return partner.entities.create(
        type="organization",
        email="billing@acme.example",
        address=EntityAddressSchema(country="DE", city="Berlin", line1="Friedrichstr. 1", postal_code="10117"),
        organization=OrganizationSchema(legal_name=f"Acme {uuid.uuid4().hex[:6]} GmbH"),
    )


@pytest.fixture
def on_entity(server: Server, partner_token: str, entity) -> Monite:
    """The partner acting on ``entity`` (``x-monite-entity-id`` set)."""
    return server.client(token=partner_token, entity_id=entity.id)


def user_token(server: Server, entity_user_id: str) -> str:
    return (
        server.client()
        .access_tokens.create(
            client_id=server.client_id,
            client_secret=server.client_secret,
            grant_type="entity_user",
            entity_user_id=entity_user_id,
        )
        .access_token
    )


def new_login() -> str:
    return f"user-{uuid.uuid4().hex[:10]}"
