"""An unexpected failure is answered with Monite's 500 body and the convention headers."""

import httpx

from remit.core.middleware import ConventionsMiddleware


async def boom(scope, receive, send):
    raise RuntimeError("a bug in a handler")


async def test_unexpected_error_keeps_request_id_and_version():
    app = ConventionsMiddleware(boom, limiter=None)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                 base_url="http://t") as client:
        response = await client.get("/v1/boom", headers={"x-monite-version": "2024-05-25", "x-request-id": "r-1"})
    assert response.status_code == 500
    assert response.json() == {"error": {"message": "Server Error"}}
    assert response.headers["x-request-id"] == "r-1"
    assert response.headers["x-monite-version"] == "2024-05-25"
    assert "x-process-time" in response.headers


async def test_a_deadlock_victim_is_a_409_and_other_database_failures_a_500():
    """PostgreSQL rolls a deadlock's victim back whole: the client is told to try again (409), not
    that the server failed. A lost connection stays a 500."""
    import psycopg
    from fastapi import FastAPI
    from sqlalchemy.exc import OperationalError

    from remit.core.errors import install_error_handlers

    app = FastAPI()
    install_error_handlers(app)
    failures = {
        "deadlock": psycopg.errors.DeadlockDetected("deadlock detected"),
        "serialization": psycopg.errors.SerializationFailure("could not serialize access"),
        "connection": psycopg.OperationalError("connection lost"),
    }

    @app.post("/fail/{kind}")
    async def fail(kind: str) -> None:
        raise OperationalError("UPDATE receivables …", {}, failures[kind])

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                 base_url="http://t") as client:
        answers = {kind: await client.post(f"/fail/{kind}") for kind in failures}
    for kind in ("deadlock", "serialization"):
        assert answers[kind].status_code == 409
        assert answers[kind].json() == {"error": {
            "message": "The request conflicted with a concurrent change and was not carried out; try again"}}
    assert answers["connection"].status_code == 500
    assert answers["connection"].json() == {"error": {"message": "Server Error"}}
