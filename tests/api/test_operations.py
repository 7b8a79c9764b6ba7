"""Operations endpoints and their side of every request (docs/operations.md): the probes, the
metrics scrape whose counters move, and the request log line (its request id, never a token)."""

from __future__ import annotations

import io
import logging
import re

import httpx
import orjson
import pytest

from remit.operations import health
from remit.operations.logs import ACCESS_LOGGER, JSONFormatter, redact
from tests.fixtures.payables import act, create_payable

pytestmark = pytest.mark.db


@pytest.fixture
async def root(app):
    """A client at the server's root (no /v1) and with no version header."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://remit.test") as c:
        yield c


def sample(text: str, name: str, **labels: str) -> float:
    """One sample's value from Prometheus text (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            got = dict(re.findall(r'(\w+)="([^"]*)"', line.rsplit("} ", 1)[0])) if "{" in line else {}
            if all(got.get(k) == v for k, v in labels.items()):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


class TestHealth:
    async def test_healthz_answers_without_auth_or_version(self, root):
        response = await root.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        assert response.headers["content-type"].startswith("application/json")
        assert "x-monite-version" not in response.headers

    async def test_readyz_checks_database_and_migrations(self, root):
        response = await root.get("/readyz")
        assert response.status_code == 200, response.text
        assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}

    async def test_readyz_is_503_when_migrations_are_behind(self, root, monkeypatch):
        monkeypatch.setattr(health, "migration_heads", lambda: frozenset({"a_newer_revision"}))
        response = await root.get("/readyz")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unavailable"
        assert "a_newer_revision" in body["checks"]["migrations"]

    async def test_readyz_is_503_when_the_database_fails(self, root, app, monkeypatch):
        async def broken(*args, **kwargs):
            raise ConnectionRefusedError("no database")

        monkeypatch.setattr(app.state.runtime.db, "run", broken)
        response = await root.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"] == {"database": "unreachable: ConnectionRefusedError"}

    async def test_readyz_is_503_when_the_inline_runner_is_down(self, root, app, monkeypatch):
        monkeypatch.setattr(app.state, "inline_worker", True)
        monkeypatch.setattr(app.state, "runner", None)
        response = await root.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"]["runner"] == "not running"

    async def test_probes_are_not_in_the_openapi_document(self, client):
        paths = (await client.get("/openapi.json")).json()["paths"]
        assert not {"/healthz", "/readyz", "/metrics"} & set(paths)


class TestMetrics:
    async def test_scrape_shows_requests_and_transitions_move(self, root, client, partner, entity):
        headers = partner.on(entity["id"])
        before = (await root.get("/metrics")).text
        payable = await create_payable(client, headers, currency="EUR", total_amount=100)
        response = await act(client, headers, payable["id"], "cancel")
        assert response.status_code == 200, response.text

        scrape = await root.get("/metrics")
        assert scrape.status_code == 200
        assert scrape.headers["content-type"].startswith("text/plain")
        after = scrape.text
        name = "remit_http_request_duration_seconds_count"
        route = "/v1/payables/{payable_id}/cancel"
        assert sample(after, name, method="POST", route=route, status="200") == \
            sample(before, name, method="POST", route=route, status="200") + 1
        transitions = "remit_transitions_total"
        assert sample(after, transitions, object_type="payable", action="cancel") == \
            sample(before, transitions, object_type="payable", action="cancel") + 1
        assert "remit_outbox_depth " in after
        assert "remit_outbox_oldest_age_seconds " in after

    async def test_unknown_paths_share_one_label(self, root):
        await root.get("/no/such/path/" + "x" * 10, headers={"x-monite-version": "2024-05-25"})
        text = (await root.get("/metrics")).text
        assert sample(text, "remit_http_request_duration_seconds_count", route="unmatched", status="404") >= 1
        assert "/no/such/path" not in text


class TestRequestLog:
    async def test_json_line_has_request_id_and_no_token(self, client, partner, entity):
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(JSONFormatter())
        logger = logging.getLogger(ACCESS_LOGGER)
        logger.addHandler(handler)
        level = logger.level
        logger.setLevel(logging.INFO)
        try:
            headers = {**partner.on(entity["id"]), "x-request-id": "req-42-ops"}
            token = partner.token
            body = {"currency": "EUR", "total_amount": 100, "document_id": "SECRET-BODY-7"}
            response = await client.post("/payables", json=body, headers=headers)
            assert response.status_code == 200
        finally:
            logger.removeHandler(handler)
            logger.setLevel(level)
        lines = [orjson.loads(line) for line in stream.getvalue().splitlines()]
        mine = [line for line in lines if line.get("request_id") == "req-42-ops"]
        assert len(mine) == 1, lines
        line = mine[0]
        assert line["entity_id"] == entity["id"]
        assert line["route"] == "/v1/payables"
        assert line["status"] == 200
        assert line["method"] == "POST"
        assert isinstance(line["duration_ms"], float)
        assert {"time", "level", "message"} <= set(line)
        text = stream.getvalue()
        assert token not in text and "Bearer" not in text
        assert "SECRET-BODY-7" not in text


def test_redaction_of_secrets_in_messages():
    text = redact(
        "auth Bearer abc.def-123 failed; jwt eyJhbGciOiJI.eyJzdWIiOiIx.sig ; iban DE89 3704 0044 0532 0130 00 "
        'and DE89370400440532013000; {"client_secret": "s3cr3t", password=hunter2}'
    )
    for secret in ("abc.def-123", "eyJhbGciOiJI", "DE89 3704", "DE89370400440532013000", "s3cr3t", "hunter2"):
        assert secret not in text, text
    assert "[redacted]" in text


def test_exceptions_in_json_lines_are_redacted():
    try:
        raise ValueError("token=abcdef123 for IBAN GB82WEST12345698765432")
    except ValueError:
        import sys

        record = logging.LogRecord("remit", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    line = orjson.loads(JSONFormatter().format(record))
    assert "abcdef123" not in line["exception"] and "GB82WEST" not in line["exception"]
    assert line["level"] == "error"


async def test_metrics_can_be_switched_off_or_moved(database_url):
    from remit.app import create_app
    from remit.core.db import Database
    from tests.fixtures.app import make_settings

    for settings in ({"metrics_enabled": False}, {"metrics_port": 9109}):
        # A database of its own: one hands its sessions the runtime of the last app built on it.
        database = Database(database_url, pool_size=2)
        try:
            app = create_app(make_settings(database_url, **settings), database=database)
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://remit.test") as c:
                assert (await c.get("/metrics")).status_code == 404
                assert (await c.get("/healthz")).status_code == 200
        finally:
            database.dispose()
