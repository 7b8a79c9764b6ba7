"""What each console page shows, gathered through the API's own services and permission checks.

Every function here runs inside one unit of work with the ``RequestContext`` an entity user's API
token would get; nothing reads around the services' checks. Results are plain dicts shaped like
the API's responses, so the templates see exactly what the API would answer.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson
from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from remit.approvals.lifecycle import ApprovalRequestStatus
from remit.approvals.models import ApprovalPolicy, ApprovalProcess, ApprovalRequest
from remit.approvals.requests import schemas as request_schemas
from remit.approvals.requests import service as requests
from remit.auth.permissions import PermissionDenied
from remit.console.models import ConsoleComment
from remit.core.context import RequestContext
from remit.core.errors import Forbidden, NotFound
from remit.core.lifecycle import Transition
from remit.core.pagination import OrderEnum
from remit.counterparts.models import Counterpart
from remit.entities.models import Entity, settings_of
from remit.entities.users.models import EntityUser
from remit.files.models import StoredFile
from remit.payables import lifecycle
from remit.payables import schemas as payable_schemas
from remit.payables.lifecycle import PayableStateEnum
from remit.payables.models import Payable
from remit.payables.service import crud, extras, line_items, transitions

_LINE_ITEMS = TypeAdapter(list[payable_schemas.LineItemResponse])
_HISTORY = TypeAdapter(list[payable_schemas.PayableHistoryResponse])
PAGE_SIZE = 20

# The manual moves the console offers beside approve/reject (docs/payables.md, "Lifecycle"), with the row that
# says who may.
EXTRA_ACTIONS: tuple[tuple[str, Transition[Any]], ...] = (
    ("cancel", lifecycle.CANCEL),
    ("reopen", lifecycle.REOPEN),
    ("mark_as_paid", lifecycle.MARK_AS_PAID),
)


def entity_locale(session: Session, ctx: RequestContext) -> tuple[str | None, str]:
    """The entity's locale for amounts and dates: its settings' language (None: the reader's) and its country."""
    language = settings_of(session, ctx.scoped_entity_id).get("language")
    entity = session.get(Entity, ctx.scoped_entity_id)
    country = ((entity.address or {}).get("country") if entity is not None else None) or ""
    return language, str(country)


def me(session: Session, ctx: RequestContext) -> dict[str, Any]:
    user: Any = ctx.user
    name = " ".join(part for part in (user.first_name, user.last_name) if part) or user.login
    entity = session.get(Entity, ctx.scoped_entity_id)
    org = (entity.organization or {}) if entity is not None else {}
    person = (entity.individual or {}) if entity is not None else {}
    entity_name = org.get("legal_name") or " ".join(
        p for p in (person.get("first_name"), person.get("last_name")) if p)
    # The menu offers only the lists this user may read (the pages refuse the rest anyway).
    # Reading what the user made themselves is enough (``allowed_for_own`` sees its own).
    sees = {kind: _allowed(ctx, object_type, "read", ctx.entity_user_id)
            for kind, object_type in (("payables", "payable"), ("invoices", "receivable"))}
    return {"name": name, "entity_name": entity_name, "locale": entity_locale(session, ctx), "sees": sees}


def _allowed(ctx: RequestContext, object_type: str, action: str, owner_id: Any) -> bool:
    try:
        ctx.check(object_type, action, owner_id=owner_id)
    except PermissionDenied:
        return False
    return True


def _may_decide(ctx: RequestContext, request: ApprovalRequest) -> bool:
    try:
        requests.check_decider(ctx, request)
    except Forbidden:
        return False
    return True


def _waiting_requests(session: Session, ctx: RequestContext, payable_id: uuid.UUID | None = None) -> list[ApprovalRequest]:
    """The waiting requests this user may decide and has not approved yet (through the list service)."""
    found: dict[uuid.UUID, ApprovalRequest] = {}
    for who in ({"user_id": ctx.entity_user_id}, {"role_id": ctx.user.role_id}):
        query = request_schemas.ApprovalRequestListQuery(status=ApprovalRequestStatus.waiting, object_id=payable_id, limit=100, **who)
        try:
            page = requests.list_requests(session, ctx, query=query)
        except PermissionDenied:
            return []
        for request in page.data:
            if str(ctx.entity_user_id) not in request.approved_by and _may_decide(ctx, request):
                found.setdefault(request.id, request)
    return sorted(found.values(), key=lambda r: r.created_at)


def _policy_name(session: Session, ctx: RequestContext, request: ApprovalRequest) -> str | None:
    if request.process_id is None:
        return None
    return session.scalars(
        select(ApprovalPolicy.name)
        .join(ApprovalProcess, ApprovalProcess.policy_id == ApprovalPolicy.id)
        .where(ApprovalProcess.id == request.process_id, ApprovalProcess.entity_id == ctx.scoped_entity_id)
    ).first()


def _plain(document: dict[str, Any]) -> dict[str, Any]:
    """A list response exactly as the API sends it (its rows carry pre-rendered JSON fragments)."""
    plain: dict[str, Any] = orjson.loads(orjson.dumps(document, default=str))
    return plain


def _with_names(session: Session, ctx: RequestContext, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each payable's supplier as people know it: the snapshot taken at submission, else the linked
    counterpart's current name (the entity's own, read as the payable list's name filter reads it),
    else the name read from the document."""
    linked = {d["counterpart_id"] for d in documents if d.get("counterpart_id") and not (d.get("counterpart") or {})
              .get("name")}
    names: dict[str, str] = {}
    if linked:
        rows = session.execute(select(Counterpart.id, Counterpart.name).where(
            Counterpart.entity_id == ctx.scoped_entity_id, Counterpart.id.in_([uuid.UUID(str(i)) for i in linked])))
        names = {str(row.id): row.name for row in rows}
    for document in documents:
        document["supplier_name"] = ((document.get("counterpart") or {}).get("name")
                                     or names.get(str(document.get("counterpart_id")))
                                     or (document.get("counterpart_raw_data") or {}).get("name"))
    return documents


def _lines(session: Session, ctx: RequestContext, payable_id: uuid.UUID) -> list[dict[str, Any]]:
    page = line_items.list_line_items(session, ctx, payable_id=payable_id,
                                      query=payable_schemas.LineItemListQuery(limit=100))
    lines: list[dict[str, Any]] = _LINE_ITEMS.dump_python(_LINE_ITEMS.validate_python(page.data, from_attributes=True),
                                                          mode="json")
    return lines


def waiting(session: Session, ctx: RequestContext) -> dict[str, Any]:
    items = []
    for request in _waiting_requests(session, ctx):
        item: dict[str, Any] = {"request": request, "policy": _policy_name(session, ctx, request), "payable": None}
        try:
            item["payable"] = _with_names(
                session, ctx, [crud.get_payable(session, ctx, payable_id=request.object_id).wire_document()])[0]
            item["lines"] = _lines(session, ctx, request.object_id)
        except (PermissionDenied, NotFound):
            pass  # the request is theirs to decide even if the payable's details are not theirs to read
        items.append(item)
    return {"items": items}


def payables(session: Session, ctx: RequestContext, *, status: str | None, cursor: str | None) -> dict[str, Any]:
    if cursor:
        query = payable_schemas.PayableListQuery(pagination_token=cursor)
    else:
        query = payable_schemas.PayableListQuery(status=PayableStateEnum(status) if status else None, limit=PAGE_SIZE,
                                                 order=OrderEnum.desc)
    page = _plain(crud.list_payables(session, ctx, query=query).document)
    page["data"] = _with_names(session, ctx, page["data"])
    return page


def payable(session: Session, ctx: RequestContext, *, payable_id: uuid.UUID) -> dict[str, Any]:
    found = crud.get_payable(session, ctx, payable_id=payable_id)
    document = _with_names(session, ctx, [found.wire_document()])[0]
    history = extras.list_history(session, ctx, payable_id=payable_id,
                                  query=payable_schemas.PayableHistoryListQuery(limit=100))
    owner = found.was_created_by_user_id
    actions = [name for name, row in EXTRA_ACTIONS
               if found.status in row.sources and _allowed(ctx, "payable", row.permission or "", owner)]
    decide = _waiting_requests(session, ctx, payable_id)
    # Without a request waiting for this user, approving and rejecting are the payable's own moves.
    direct = not decide and _allowed(ctx, "payable", "approve", owner)
    comments = session.execute(
        select(ConsoleComment.text, ConsoleComment.created_at, EntityUser.login)
        .join(EntityUser, EntityUser.id == ConsoleComment.created_by_entity_user_id)
        .where(ConsoleComment.entity_id == ctx.scoped_entity_id, ConsoleComment.object_id == payable_id)
        .order_by(ConsoleComment.created_at)
    ).all()
    return {
        "payable": document,
        "lines": _lines(session, ctx, payable_id),
        "history": _HISTORY.dump_python(_HISTORY.validate_python(history.data, from_attributes=True), mode="json"),
        "approval_request": decide[0] if decide else None,
        "can_approve": bool(decide) or (direct and found.status in lifecycle.APPROVE_PAYMENT_OPERATION.sources),
        "can_reject": bool(decide) or (direct and found.status in lifecycle.REJECT.sources),
        "actions": actions,
        "comments": [{"text": c.text, "created_at": c.created_at, "by": c.login} for c in comments],
    }


def payable_file(session: Session, ctx: RequestContext, *, payable_id: uuid.UUID) -> StoredFile:
    found: Payable = crud.get_payable(session, ctx, payable_id=payable_id)
    if found.file_id is None:
        raise NotFound("This payable has no file")
    from remit.files.service import find

    stored = find(session, found.file_id)
    if stored is None or stored.entity_id != ctx.scoped_entity_id:
        raise NotFound("This payable has no file")
    _ = stored.content  # load the deferred column inside the transaction
    return stored


def decide(
    session: Session, ctx: RequestContext, *, payable_id: uuid.UUID, action: str, request_id: uuid.UUID | None,
    comment: str | None,
) -> None:
    """One button: the approval request's approve/reject when one was shown, else the payable's own move."""
    if action in ("approve", "reject") and request_id is not None:
        request = requests.RequestRepository(session, ctx).get(request_id)
        if request.object_id != payable_id:
            raise NotFound("Approval request not found")
        (requests.approve if action == "approve" else requests.reject)(session, ctx, request_id=request_id)
    elif action == "approve":
        transitions.approve_payment_operation(session, ctx, payable_id=payable_id)
    elif action == "reject":
        transitions.reject(session, ctx, payable_id=payable_id)
    elif action == "cancel":
        transitions.cancel(session, ctx, payable_id=payable_id)
    elif action == "reopen":
        transitions.reopen(session, ctx, payable_id=payable_id)
    elif action == "mark_as_paid":
        transitions.mark_as_paid(session, ctx, payable_id=payable_id,
                                 payload=payable_schemas.CommentPayload(comment=comment or None))
        comment = None  # kept on the payable itself (marked_as_paid_with_comment)
    else:
        raise NotFound("Unknown action")
    if comment:
        session.add(ConsoleComment(entity_id=ctx.scoped_entity_id, object_type="payable", object_id=payable_id,
                                   created_by_entity_user_id=ctx.require_user(), text=comment[:2000]))
        session.flush()


def receivables(session: Session, ctx: RequestContext, *, status: str | None, cursor: str | None) -> dict[str, Any]:
    from remit.receivables.schemas import ReceivableListQuery, ReceivablesStatusFilterEnum, ReceivableType
    from remit.receivables.service.reads import list_receivables

    if cursor:
        query = ReceivableListQuery(pagination_token=cursor, limit=PAGE_SIZE)
    else:
        query = ReceivableListQuery(type=ReceivableType.invoice, status=ReceivablesStatusFilterEnum(status) if status else None,
                                    limit=PAGE_SIZE, order=OrderEnum.desc)
    return _plain(list_receivables(session, ctx, query=query))


def receivable(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID) -> dict[str, Any]:
    """One receivable, read-only, as ``GET /receivables/{id}`` answers it."""
    from remit.receivables.service.reads import get

    return {"invoice": _plain(get(session, ctx, receivable_id=receivable_id))}
