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
