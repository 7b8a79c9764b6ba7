"""Credit notes against issued invoices: the default draft, its line map, issuing and its effects on
the invoice, and the credit note a compliant cancel issues (docs/receivables.md, "Credit notes").

A credit note's lines name the invoice line they credit (``source_line_id``): a return of units
(``price_diff`` None) or a price reduction per unit. Its amounts come from the invoice's own
stored line values (``cn_totals.credit_note_totals``), and a credit note that returns everything
still returnable takes exactly what the invoice has left, so rounding never leaves a cent open.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from remit.core import clock
from remit.core.context import RequestContext
from remit.core.errors import FieldError
from remit.receivables import credit_notes_totals as cn_totals
from remit.receivables import history, totals
from remit.receivables.errors import CreditNoteExceedsInvoice, CreditNoteTooLarge, ReceivableTransitionConflict
from remit.receivables.lifecycle import ReceivableType, S
from remit.receivables.models import Receivable, ReceivableLineItem
from remit.receivables.repository import ReceivableRepository
from remit.receivables.service import amounts, build, compute
from remit.receivables.service.common import emit, move


def credited_invoice(session: Session, ctx: RequestContext, invoice: Receivable) -> cn_totals.CreditedInvoice:
    """The invoice as its credit notes see it: its lines' stored values and what issued notes took."""
    fresh = compute.compute(invoice)
    lines = tuple(cn_totals.InvoiceLine.of(compute.line_input(line), result)
                  for line, result in zip(invoice.line_items, fresh.lines, strict=True))
    issued = ReceivableRepository(session, ctx).based_on(invoice.id, ReceivableType.credit_note, statuses=(S.issued,))
    positions = {line.id: index for index, line in enumerate(invoice.line_items)}
    returned = [Decimal(0)] * len(lines)
    for note in issued:
        for line in note.line_items:
            if line.price_diff is None and line.source_line_id is not None and line.source_line_id in positions:
                returned[positions[line.source_line_id]] += Decimal(str(line.quantity))
    return cn_totals.CreditedInvoice(
        lines=lines, vat_mode=invoice.vat_mode,  # type: ignore[arg-type]
        amounts=compute.amounts_of(invoice), issued=tuple(compute.amounts_of(note) for note in issued),
        returned=tuple(returned),
    )


def _credit_lines(note: Receivable, invoice: Receivable) -> list[cn_totals.CreditLine]:
    positions = {line.id: index for index, line in enumerate(invoice.line_items)}
    return [
        cn_totals.CreditLine(positions[line.source_line_id], Decimal(str(line.quantity)), line.price_diff,
                             key=str(line.product_id))
        for line in note.line_items
        if line.source_line_id is not None  # every line of a credit note names the invoice line it credits
    ]


def _set_lines(note: Receivable, invoice: Receivable, credit_lines: list[cn_totals.CreditLine]) -> None:
    lines = []
    for position, credit in enumerate(credit_lines):
        source = invoice.line_items[credit.line]
        product = dict(source.product)
        if credit.price_diff is not None:  # a price reduction shows the reduction as its unit price
            product["price"] = {**product["price"], "value": credit.price_diff}
        lines.append(ReceivableLineItem(
            id=uuid.uuid4(), entity_id=note.entity_id, position=position, product_id=source.product_id,
            quantity=credit.quantity, discount=None, vat_rate_id=source.vat_rate_id,
            custom_vat_rate_id=source.custom_vat_rate_id, tax_rate_value=source.tax_rate_value,
            tax_rate_name=source.tax_rate_name, accounting_tax_rate_id=source.accounting_tax_rate_id,
            product=product, source_line_id=source.id, price_diff=credit.price_diff,
        ))
    note.line_items = lines


def _recompute(session: Session, ctx: RequestContext, note: Receivable, invoice: Receivable,
               root: tuple[str | int, ...]) -> None:
    credited = credited_invoice(session, ctx, invoice)
    try:
        result = cn_totals.credit_note_totals(credited, _credit_lines(note, invoice))
    except totals.TotalsError as exc:
        raise FieldError((*root, *exc.path[1:]) if exc.path[:1] == ("credit_note",) else (*root, *exc.path),
                         exc.message) from None
    compute.store(note, result)
    note.discount = {"type": "amount", "amount": result.discount.amount} if result.discount else None


def draft_for(session: Session, ctx: RequestContext, invoice: Receivable) -> Receivable:
    """A draft crediting everything not yet credited (the full remainder), based on ``invoice``."""
    from remit.receivables.service.create import _created

    note = Receivable(
        id=uuid.uuid4(), entity_id=invoice.entity_id, type=ReceivableType.credit_note, status=S.draft,
        currency=invoice.currency, entity_user_id=ctx.entity_user_id, based_on=invoice.id,
        based_on_document_id=invoice.document_id, amount_paid=0, credited=0, total_vat_amounts=[],
        credit_note_ids=[], attachments=[],
    )
    build.take_over(note, invoice, build.PARTIES + ("is_einvoice", "purchase_order"))
    note.deduction_amount = 0
    _set_lines(note, invoice, list(cn_totals.full_remainder_lines(credited_invoice(session, ctx, invoice))))
    _recompute(session, ctx, note, invoice, ("body",))
    _created(session, ctx, note)
    history.based_on_receivable_created(session, ctx, invoice, note)
    return note


def _invoice_of(session: Session, ctx: RequestContext, note: Receivable) -> Receivable:
    invoice = ReceivableRepository(session, ctx).find_for_update(note.based_on) if note.based_on else None
    if invoice is None:
        raise ReceivableTransitionConflict("issue", note.status)
    return invoice


def update_draft(session: Session, ctx: RequestContext, note: Receivable, data: dict[str, Any],
                 root: tuple[str, ...]) -> None:
    """A draft credit note's fields; ``line_items`` is a map by product id that replaces its lines."""
    build.set_plain(note, {k: v for k, v in data.items() if k in ("memo", "footer", "document_rendering",
                                                                   "partner_metadata", "project_id")})
    build.check_reminders(session, ctx, data, root)
    parts: dict[str, Any] = {k: data[k] for k in ("counterpart_billing_address_id", "counterpart_shipping_address_id") if k in data}
    if parts:
        build.set_counterpart(session, ctx, note, parts, root)
    if "counterpart_contact" in data:
        note.counterpart_contact = data["counterpart_contact"]
    if "entity" in data:
        build.set_entity(session, ctx, note, {"entity": data["entity"]}, root)
    if "tag_ids" in data:
        build.set_tags(session, ctx, note, data["tag_ids"] or [], root)
    if "attachments" in data:
        build.set_attachments(session, ctx, note, data["attachments"], root)
    if data.get("line_items") is not None:
        invoice = _invoice_of(session, ctx, note)
        credit_lines = _map(invoice, data["line_items"], (*root, "line_items"))
        _set_lines(note, invoice, credit_lines)
        _recompute(session, ctx, note, invoice, root)


def _map(invoice: Receivable, given: dict[str, dict[str, Any]], root: tuple[str | int, ...]) -> list[cn_totals.CreditLine]:
    """The credit lines of a ``{product_id: {quantity, price_diff?, old_price?}}`` map."""
    by_product: dict[str, list[int]] = defaultdict(list)
    for index, line in enumerate(invoice.line_items):
        by_product[str(line.product_id)].append(index)
    lines = []
    for product_id, entry in given.items():
        key = str(product_id)
        candidates = by_product.get(key, [])
        if len(candidates) > 1 and entry.get("old_price") is not None:
            candidates = [i for i in candidates
                          if invoice.line_items[i].product["price"]["value"] == entry["old_price"]]
        if len(candidates) != 1:
            reason = "is not on the invoice" if not candidates else "is on several lines; give old_price"
            raise FieldError((*root, key), f"Product {key} {reason}")
        lines.append(cn_totals.CreditLine(candidates[0], Decimal(str(entry["quantity"])), entry.get("price_diff"),
                                       key=key))
    return lines


def prepare_issue(session: Session, ctx: RequestContext, note: Receivable) -> None:
    """Before the credit note leaves draft: its amounts against the invoice as it is now."""
    invoice = _invoice_of(session, ctx, note)
    if invoice.status not in (S.issued, S.partially_paid, S.overdue):
        raise ReceivableTransitionConflict("issue a credit note for", invoice.status)
    try:
        _recompute(session, ctx, note, invoice, ("body",))
    except FieldError:  # another credit note took what this one returns since it was edited: a state problem
        raise CreditNoteExceedsInvoice() from None
    _, due = amounts.balances(invoice)
    if note.total_amount > due:
        raise CreditNoteTooLarge()
    credited = credited_invoice(session, ctx, invoice)
    reduces_prices = any(line.price_diff is not None for line in note.line_items)
    if invoice.amount_paid and reduces_prices and note.total_amount != due and not cn_totals.is_full_remainder(
        credited, _credit_lines(note, invoice)
    ):
        raise ReceivableTransitionConflict("reduce prices on an invoice with payments", invoice.status)
    session.flush()


def apply_to_invoice(session: Session, ctx: RequestContext, note: Receivable, *, settle: bool = True) -> None:
    """An issued credit note lowers what its invoice asks for; covering all that is due closes it
    (canceled when nothing was paid, else paid). ``settle=False``: the caller closes it (cancel)."""
    invoice = _invoice_of(session, ctx, note)
    invoice.credited = (invoice.credited or 0) + note.total_amount
    invoice.credit_note_ids = [*(invoice.credit_note_ids or []), str(note.id)]
    invoice.updated_at = clock.now()
    session.flush()
    history.receivable_updated(session, ctx, invoice)
    _, due = amounts.balances(invoice)
    if settle and due == 0 and invoice.status in (S.issued, S.partially_paid, S.overdue):
        system = _system(ctx)
        if invoice.amount_paid == 0:
            move(session, system, invoice, "cancel_by_credit_note")
        else:
            move(session, system, invoice, "pay_by_credit_note", values={"paid_at": clock.now()})
    else:
        emit(session, invoice, "updated")


def cancel_with_credit_note(session: Session, ctx: RequestContext, invoice: Receivable) -> Receivable:
    """The credit note a compliant cancel issues for everything still owed; an existing draft goes first."""
    repo = ReceivableRepository(session, ctx)
    for draft in repo.based_on(invoice.id, ReceivableType.credit_note, statuses=(S.draft,)):
        move(session, _system(ctx), draft, "delete")
    note = draft_for(session, ctx, invoice)
    from remit.receivables.service.transitions import issue_loaded

    issue_loaded(session, _system(ctx), note, automatic=True, settle=False)
    return note


def _system(ctx: RequestContext) -> RequestContext:
    """The system acts in the caller's name, with full rights (its moves are consequences)."""
    import dataclasses

    return dataclasses.replace(ctx, permissions=None)
