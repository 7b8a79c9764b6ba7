from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from sqlalchemy.orm import Session

from remit.auth.deps import AuthCall, EntityCall
from remit.core.context import RequestContext
from remit.core.routing import API_PREFIX, COMMON_ERRORS, errors
from remit.receivables import schemas
from remit.receivables.models import Receivable
from remit.receivables.service import create, mails, reads, rejection, transitions, update

router = APIRouter(prefix=API_PREFIX, tags=["Receivables"], responses=COMMON_ERRORS)
STATE_ERRORS = errors(409)


def _data(payload: Any) -> dict[str, Any]:
    """The validated body as plain values, with only the keys the client sent."""
    data: dict[str, Any] = payload.model_dump(exclude_unset=True)
    return data


# Fixed paths first, so they are never read as a receivable id.


@router.get("/receivables/required_fields", response_model=schemas.ReceivableRequiredFields)
async def get_receivables_required_fields(call: EntityCall,
                                          query: Annotated[schemas.ReceivableRequiredFieldsQuery, Query()]) -> Any:
    return await call.run(reads.required_fields, query=query)


@router.get("/receivables/variables", response_model=schemas.ReceivableTemplatesVariablesObjectList)
async def get_receivables_variables(call: AuthCall) -> Any:
    return await call.run(reads.variables)


@router.post("/receivables/search", response_model=schemas.ReceivablePaginationResponse)
async def post_receivables_search(call: EntityCall, payload: schemas.ReceivablesSearchRequest) -> Any:
    return await call.run(reads.search, query=payload)


@router.get("/receivables", response_model=schemas.ReceivablePaginationResponse)
async def get_receivables(call: EntityCall, query: Annotated[schemas.ReceivableListQuery, Query()]) -> Any:
    return await call.run(reads.list_receivables, query=query)


@router.post("/receivables", status_code=201, response_model=schemas.ReceivableResponse, responses=STATE_ERRORS)
async def post_receivables(call: EntityCall, payload: Annotated[schemas.ReceivableFacadeCreatePayload, Body()]) -> Any:
    return await call.run(_created, data=_data(payload))


def _created(session: Session, ctx: RequestContext, *, data: dict[str, Any]) -> dict[str, Any]:
    from remit.receivables import wire

    return wire.document(session, create.create(session, ctx, data=data))


@router.get("/receivables/{receivable_id}", response_model=schemas.ReceivableResponse)
async def get_receivables_id(call: EntityCall, receivable_id: uuid.UUID) -> Any:
    return await call.run(reads.get, receivable_id=receivable_id)


@router.patch("/receivables/{receivable_id}", response_model=schemas.ReceivableResponse, responses=STATE_ERRORS)
async def patch_receivables_id(call: EntityCall, receivable_id: uuid.UUID,
                               payload: Annotated[schemas.ReceivableUpdatePayload, Body()]) -> Any:
    [(wrapper, inner)] = [(name, getattr(payload, name)) for name in type(payload).model_fields]
    return await call.run(_rendered(update.update), receivable_id=receivable_id, wrapper=wrapper,
                          data=inner.model_dump(exclude_unset=True))


@router.delete("/receivables/{receivable_id}", status_code=204, response_class=Response, responses=STATE_ERRORS)
async def delete_receivables_id(call: EntityCall, receivable_id: uuid.UUID) -> Response:
    await call.run(transitions.delete, receivable_id=receivable_id)
    return Response(status_code=204)


@router.put("/receivables/{receivable_id}/line_items", response_model=schemas.LineItemsResponse,
            responses=STATE_ERRORS)
async def put_receivables_id_line_items(call: EntityCall, receivable_id: uuid.UUID,
                                        payload: schemas.UpdateLineItems) -> Any:
    return await call.run(_line_items, receivable_id=receivable_id,
                          lines=[line.model_dump(exclude_unset=True) for line in payload.data])


def _line_items(session: Session, ctx: RequestContext, *, receivable_id: uuid.UUID,
                lines: list[dict[str, Any]]) -> dict[str, Any]:
    from remit.receivables import wire

    receivable = update.replace_line_items(session, ctx, receivable_id=receivable_id, lines=lines)
    return {"data": wire.document(session, receivable)["line_items"]}


def _success(service: Callable[..., Any]) -> Callable[..., dict[str, bool]]:
    def run(session: Session, ctx: RequestContext, **kwargs: Any) -> dict[str, bool]:
        service(session, ctx, **kwargs)
        return {"success": True}

    return run


def _rendered(service: Callable[..., Receivable]) -> Callable[..., dict[str, Any]]:
    """A service that returns a document, rendered to its wire form inside the transaction."""

    def run(session: Session, ctx: RequestContext, **kwargs: Any) -> dict[str, Any]:
        from remit.receivables import wire

        return wire.document(session, service(session, ctx, **kwargs))

    return run


@router.post("/receivables/{receivable_id}/issue", response_model=schemas.ReceivableResponse,
             responses=STATE_ERRORS)
async def post_receivables_id_issue(call: EntityCall, receivable_id: uuid.UUID) -> Any:
    return await call.run(_rendered(transitions.issue), receivable_id=receivable_id)


@router.post("/receivables/{receivable_id}/clone", status_code=201, response_model=schemas.ReceivableResponse,
             responses=STATE_ERRORS)
async def post_receivables_id_clone(call: EntityCall, receivable_id: uuid.UUID) -> Any:
    return await call.run(_rendered(create.clone), receivable_id=receivable_id)


@router.post("/receivables/{receivable_id}/cancel", status_code=204, response_class=Response,
             responses=STATE_ERRORS)
async def post_receivables_id_cancel(call: EntityCall, receivable_id: uuid.UUID) -> Response:
    await call.run(transitions.cancel, receivable_id=receivable_id)
    return Response(status_code=204)


@router.post("/receivables/{receivable_id}/mark_as_paid", response_model=schemas.ReceivableResponse,
             responses=STATE_ERRORS)
async def post_receivables_id_mark_as_paid(call: EntityCall, receivable_id: uuid.UUID,
                                           payload: schemas.ReceivablePaidPayload | None = None) -> Any:
    payload = payload or schemas.ReceivablePaidPayload()
    return await call.run(_rendered(transitions.mark_as_paid), receivable_id=receivable_id, comment=payload.comment,
                          paid_at=payload.paid_at)


@router.post("/receivables/{receivable_id}/mark_as_partially_paid", response_model=schemas.ReceivableResponse,
             responses=errors(400, 409))
async def post_receivables_id_mark_as_partially_paid(call: EntityCall, receivable_id: uuid.UUID,
                                                     payload: schemas.ReceivablePartiallyPaidPayload) -> Any:
    return await call.run(_rendered(transitions.mark_as_partially_paid), receivable_id=receivable_id,
                          amount_paid=payload.amount_paid, comment=payload.comment)


@router.post("/receivables/{receivable_id}/mark_as_uncollectible", response_model=schemas.ReceivableResponse,
             responses=STATE_ERRORS)
async def post_receivables_id_mark_as_uncollectible(call: EntityCall, receivable_id: uuid.UUID,
                                                    payload: schemas.ReceivableUncollectiblePayload | None = None) -> Any:
    payload = payload or schemas.ReceivableUncollectiblePayload()
    return await call.run(_rendered(transitions.mark_as_uncollectible), receivable_id=receivable_id,
                          comment=payload.comment)


@router.post("/receivables/{receivable_id}/reject", response_model=schemas.ReceivableResponse,
             responses=STATE_ERRORS, tags=["remit extensions"], openapi_extra={"x-remit-extension": True},
             summary="Reject a draft invoice, with a reason from the entity's catalogue (remit extension)")
async def post_receivables_id_reject(call: EntityCall, receivable_id: uuid.UUID,
                                     payload: schemas.ReceivableRejectPayload | None = None) -> Any:
    payload = payload or schemas.ReceivableRejectPayload()
    return await call.run(_rendered(rejection.reject), receivable_id=receivable_id,
                          rejection_reason_id=payload.rejection_reason_id,
                          rejection_reason_name=payload.rejection_reason_name, comment=payload.comment)


@router.post("/receivables/{receivable_id}/accept", response_model=schemas.SuccessResult, responses=STATE_ERRORS)
async def post_receivables_id_accept(call: EntityCall, receivable_id: uuid.UUID,
                                     payload: schemas.QuoteAcceptRequest | None = None) -> Any:
    signature = payload.signature.model_dump(mode="json") if payload and payload.signature else None
    return await call.run(_success(transitions.accept), receivable_id=receivable_id, signature=signature)


@router.post("/receivables/{receivable_id}/decline", response_model=schemas.SuccessResult, responses=STATE_ERRORS)
async def post_receivables_id_decline(call: EntityCall, receivable_id: uuid.UUID,
                                      payload: schemas.ReceivableDeclinePayload | None = None) -> Any:
    return await call.run(_success(transitions.decline), receivable_id=receivable_id,
                          comment=payload.comment if payload else None)


@router.get("/receivables/{receivable_id}/history", response_model=schemas.ReceivableHistoryPaginationResponse)
async def get_receivables_id_history(call: EntityCall, receivable_id: uuid.UUID,
                                     query: Annotated[schemas.ReceivableHistoryListQuery, Query()]) -> Any:
    return await call.run(reads.history, receivable_id=receivable_id, query=query)


@router.get("/receivables/{receivable_id}/history/{receivable_history_id}",
            response_model=schemas.ReceivableHistoryResponse)
async def get_receivables_id_history_id(call: EntityCall, receivable_id: uuid.UUID,
                                        receivable_history_id: uuid.UUID) -> Any:
    return await call.run(reads.history_record, receivable_id=receivable_id, history_id=receivable_history_id)


@router.get("/receivables/{receivable_id}/mails", response_model=schemas.ReceivableMailPaginationResponse)
async def get_receivables_id_mails(call: EntityCall, receivable_id: uuid.UUID,
                                   query: Annotated[schemas.ReceivableMailListQuery, Query()]) -> Any:
    return await call.run(reads.mails, receivable_id=receivable_id, query=query)


@router.get("/receivables/{receivable_id}/mails/{mail_id}", response_model=schemas.ReceivableMailResponse)
async def get_receivables_id_mails_id(call: EntityCall, receivable_id: uuid.UUID, mail_id: uuid.UUID) -> Any:
    return await call.run(reads.mail, receivable_id=receivable_id, mail_id=mail_id)


@router.get("/receivables/{receivable_id}/pdf_link", response_model=schemas.ReceivableFileUrl)
async def get_receivables_id_pdf_link(call: EntityCall, receivable_id: uuid.UUID) -> Any:
    return await call.run(reads.pdf_link, receivable_id=receivable_id)


@router.post("/receivables/{receivable_id}/preview", status_code=201,
             response_model=schemas.ReceivablePreviewResponse, responses=STATE_ERRORS)
async def post_receivables_id_preview(call: EntityCall, receivable_id: uuid.UUID,
                                      payload: schemas.ReceivablePreviewRequest) -> Any:
    return await call.run(mails.preview, receivable_id=receivable_id, body_text=payload.body_text,
                          subject_text=payload.subject_text, language=payload.language.value)


@router.post("/receivables/{receivable_id}/send", response_model=schemas.ReceivableSendResponse,
             responses=STATE_ERRORS)
async def post_receivables_id_send(call: EntityCall, receivable_id: uuid.UUID, payload: schemas.ReceivableSendRequest) -> Any:
    recipients = payload.recipients.model_dump(mode="json") if payload.recipients else None
    return await call.run(mails.send, receivable_id=receivable_id, subject_text=payload.subject_text,
                          body_text=payload.body_text, recipients=recipients)


@router.post("/receivables/{receivable_id}/send_test_reminder", response_model=schemas.ReceivablesSendResponse,
             responses=STATE_ERRORS)
async def post_receivables_id_send_test_reminder(call: EntityCall, receivable_id: uuid.UUID,
                                                 payload: schemas.ReceivableSendTestReminderPayload) -> Any:
    recipients = payload.recipients.model_dump(mode="json") if payload.recipients else None
    return await call.run(mails.send_test_reminder, receivable_id=receivable_id,
                          reminder_type=payload.reminder_type, recipients=recipients)


@router.post("/receivables/{receivable_id}/verify", response_model=schemas.ReceivablesVerifyResponse)
async def post_receivables_id_verify(call: EntityCall, receivable_id: uuid.UUID) -> Any:
    return await call.run(reads.verify, receivable_id=receivable_id)
