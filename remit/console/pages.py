"""The console's pages (docs/console.md): server-rendered HTML on the API's services.

Each request reads the session cookie, then runs one unit of work that resolves the same
``RequestContext`` as an entity user's token (``auth.context.resolve_context``: user active,
entity active, session not signed out) and calls the services the API calls. Forms carry a CSRF
token bound to the session; decisions answer with a redirect (303) to the page that shows the result.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.orm import Session
from starlette.staticfiles import StaticFiles

from remit.auth.context import resolve_context
from remit.auth.tokens import Principal
from remit.console import i18n, service, views
from remit.console.errors import CsrfRefused
from remit.core.context import RequestContext
from remit.core.errors import Conflict, RemitError, Unauthorized

HERE = Path(__file__).parent
LANG_COOKIE = "remit_console_lang"
ACTIONS = ("approve", "reject", "cancel", "reopen", "mark_as_paid")
PAYABLE_STATUSES = ("draft", "new", "approve_in_progress", "waiting_to_be_paid", "partially_paid", "paid",
                    "canceled", "rejected")
INVOICE_STATUSES = ("draft", "issued", "partially_paid", "paid", "overdue", "uncollectible", "canceled", "rejected")
# Pages are the app's own: no inline script or style, no other origin, never framed elsewhere.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; object-src 'self'; frame-src 'self'; "
                               "frame-ancestors 'self'; form-action 'self'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",  # no-referrer would make browsers send "Origin: null" with forms
    "cache-control": "no-store",
}

router = APIRouter(prefix="/console", include_in_schema=False)


class Console:
    """The console's process-wide parts: session signing, templates per language."""

    def __init__(self, secret: str, settings: Any):
        self.sessions = service.Sessions(secret, settings.console_session_ttl_seconds)
        self.secure_cookies = settings.public_url.startswith("https://")
        self.environments: dict[str, Environment] = {}
        for language in i18n.LANGUAGES:
            env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]),
                              extensions=["jinja2.ext.i18n"], trim_blocks=True, lstrip_blocks=True)
            env.install_gettext_translations(i18n.translations(language), newstyle=True)  # type: ignore[attr-defined]
            self.environments[language] = env


def install(app: FastAPI) -> None:
    app.state.console = Console(app.state.runtime.secret, app.state.settings)
    app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=HERE / "static"), name="console-static")


def _console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def _language(request: Request) -> str:
    return i18n.negotiate(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


def render(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    language = _language(request)
    # Amounts as the entity writes them (its language and country); dates and numbers in the reader's language.
    entity_language, country = values.get("me", {}).get("locale") or (None, "")
    locale = f"{entity_language or language}_{country}" if country else entity_language or language
    reader = f"{language}_{country}" if country else language
    env = _console(request).environments[language]
    html = env.get_template(template).render(
        request=request, lang=language, languages=i18n.LANGUAGES, path=request.url.path,
        amount=lambda value, currency: i18n.amount(value, currency, locale),
        day=lambda value: i18n.day(value, reader),
        number=lambda value: i18n.number(value, reader),
        **values,
    )
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def _problem(request: Request, status_code: int, detail: str) -> HTMLResponse:
    """A refusal as a page: a sentence in the reader's language for its status, and the service's own
    message beneath it as the detail (the API's messages are English; the page marks them so)."""
    return render(request, "problem.html", status_code=status_code, status=status_code, detail=detail)


def _signed_out(request: Request, status_code: int = 401, reason: str = "missing") -> HTMLResponse:
    response = render(request, "signed_out.html", status_code=status_code, reason=reason)
    response.delete_cookie(service.COOKIE, path="/console")
    return response


async def _run(request: Request, principal: Principal, fn: Callable[..., Any], *, write: bool = False,
               **kwargs: Any) -> tuple[Any, dict[str, Any]]:
    """``fn(session, ctx, **kwargs)`` in one unit of work as the session's user, and who that is."""

    def invoke(session: Session) -> tuple[Any, dict[str, Any]]:
        ctx: RequestContext = resolve_context(session, principal, principal.entity_id, scoped=True)
        result = fn(session, ctx, **kwargs)
        session.flush()
        return result, views.me(session, ctx)

    state = request.app.state
    result: tuple[Any, dict[str, Any]] = await state.db.run(invoke, write=write, runtime=state.runtime)
    return result


async def _page(request: Request, template: str, fn: Callable[..., Any], extra: dict[str, Any] | None = None,
                **kwargs: Any) -> Response:
    console = _console(request)
    try:
        principal = console.sessions.principal(request.cookies.get(service.COOKIE))
        values, me = await _run(request, principal, fn, **kwargs)
    except Unauthorized:
        return _signed_out(request)
    except RemitError as error:
        return _problem(request, error.status_code, error.message)
    return render(request, template, me=me, csrf_token=console.sessions.csrf_token(principal),
                  notice=request.query_params.get("done"), **(extra or {}), **values)


@router.get("/sign-in/{token}")
async def sign_in(request: Request, token: str) -> Response:
    state = request.app.state
    try:
        link = await state.db.run(lambda session: service.redeem(session, token), write=True, runtime=state.runtime)
    except RemitError:
        return _signed_out(request, status_code=403, reason="link")
    cookie = _console(request).sessions.issue(link)
    response = RedirectResponse("/console/", status_code=303, headers={"referrer-policy": "no-referrer"})
    response.set_cookie(service.COOKIE, cookie, max_age=state.settings.console_session_ttl_seconds, path="/console",
                        httponly=True, samesite="lax", secure=_console(request).secure_cookies)
    return response


@router.get("/")
async def waiting(request: Request) -> Response:
    return await _page(request, "waiting.html", views.waiting)


@router.get("/payables")
async def payables(request: Request, status: str | None = None, cursor: str | None = None) -> Response:
    status = status if status in PAYABLE_STATUSES else None
    return await _page(request, "payables.html", views.payables, status=status, cursor=cursor,
                       extra={"statuses": PAYABLE_STATUSES, "current": status})


@router.get("/invoices")
async def invoices(request: Request, status: str | None = None, cursor: str | None = None) -> Response:
    status = status if status in INVOICE_STATUSES else None
    return await _page(request, "invoices.html", views.receivables, status=status, cursor=cursor,
                       extra={"statuses": INVOICE_STATUSES, "current": status})


@router.get("/invoices/{receivable_id}")
async def invoice(request: Request, receivable_id: uuid.UUID) -> Response:
    return await _page(request, "invoice.html", views.receivable, receivable_id=receivable_id)


@router.get("/payables/{payable_id}")
async def payable(request: Request, payable_id: uuid.UUID) -> Response:
    return await _page(request, "payable.html", views.payable, payable_id=payable_id)


@router.get("/payables/{payable_id}/file")
async def payable_file(request: Request, payable_id: uuid.UUID) -> Response:
    console = _console(request)
    try:
        principal = console.sessions.principal(request.cookies.get(service.COOKIE))
        stored, _ = await _run(request, principal, views.payable_file, payable_id=payable_id)
    except Unauthorized:
        return _signed_out(request)
    except RemitError as error:
        return _problem(request, error.status_code, error.message)
    return Response(stored.content, media_type=stored.mimetype, headers={
        "content-disposition": "inline", "cache-control": "private, no-store", "x-content-type-options": "nosniff",
        "content-security-policy": "sandbox; frame-ancestors 'self'"})


def _same_origin(request: Request) -> bool:
    """A browser's Origin header, when sent, must be this server's: as the request reached it, or as
    ``REMIT_PUBLIC_URL`` names it (behind a proxy that terminates TLS). A second line after the token."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    public = urlsplit(request.app.state.settings.public_url)
    allowed = {f"{request.url.scheme}://{request.url.netloc}", f"{public.scheme}://{public.netloc}"}
    return origin.rstrip("/") in allowed


@router.post("/payables/{payable_id}/{action}")
async def decide(request: Request, payable_id: uuid.UUID, action: str) -> Response:
    console = _console(request)
    form = await request.form()
    try:
        principal = console.sessions.principal(request.cookies.get(service.COOKIE))
    except Unauthorized:
        return _signed_out(request)
    try:
        token = form.get("csrf_token")
        console.sessions.check_csrf(principal, token if isinstance(token, str) else None)
        if not _same_origin(request):
            raise CsrfRefused()
        if action not in ACTIONS:
            return _problem(request, 404, "Not Found")
        raw_request_id, comment = form.get("request_id"), form.get("comment")
        request_id = uuid.UUID(raw_request_id) if isinstance(raw_request_id, str) and raw_request_id else None
        await _run(request, principal, views.decide, write=True, payable_id=payable_id, action=action,
                   request_id=request_id, comment=comment.strip() if isinstance(comment, str) else None)
    except Unauthorized:
        return _signed_out(request)
    except Conflict:
        # Someone else decided first, or the payable moved on: show where it stands now.
        return RedirectResponse(f"/console/payables/{payable_id}?done=conflict", status_code=303)
    except RemitError as error:
        return _problem(request, error.status_code, error.message)
    except ValueError:
        return _problem(request, 400, "Bad Request")
    return RedirectResponse(f"/console/payables/{payable_id}?done={action}", status_code=303)


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    console = _console(request)
    form = await request.form()
    try:
        principal = console.sessions.principal(request.cookies.get(service.COOKIE))
        token = form.get("csrf_token")
        console.sessions.check_csrf(principal, token if isinstance(token, str) else None)
        if not _same_origin(request):
            raise CsrfRefused()
    except Unauthorized:
        return _signed_out(request)
    except RemitError as error:
        return _problem(request, error.status_code, error.message)
    state = request.app.state
    await state.db.run(lambda session: service.sign_out(session, principal), write=True, runtime=state.runtime)
    return _signed_out(request, status_code=200, reason="signed_out")


@router.get("/language/{language}")
async def language(request: Request, language: str, back: str = "/console/") -> Response:
    # Back to the page the reader was on, and only to a console page (never an open redirect).
    if not back.startswith("/console/") or "//" in back or "\\" in back:
        back = "/console/"
    response = RedirectResponse(back, status_code=303)
    if language in i18n.LANGUAGES:
        response.set_cookie(LANG_COOKIE, language, max_age=365 * 24 * 3600, path="/console", samesite="lax",
                            httponly=True, secure=_console(request).secure_cookies)
    return response
