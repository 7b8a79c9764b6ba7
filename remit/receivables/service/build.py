"""Filling a document from a create or draft-update payload: references, snapshots, lines.

Payloads arrive as plain dicts of the validated request (``model_dump(exclude_unset=True)``), so
"given" means "present in the body". Every reference is checked against the request's entity and
copied into the document (``snapshots``); a bad one is a 422 at the field that named it.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from remit.core import clock
from remit.core.context import RequestContext
from remit.core.errors import FieldError
from remit.receivables import snapshots
from remit.receivables.models import Receivable, ReceivableLineItem
from remit.tags.service import TagRepository

# What a document made from another one (an invoice from a quote, a credit note, a clone) takes over
# as stored: the parties and their snapshots.
PARTIES = (
    "counterpart_id", "counterpart_type", "counterpart_name", "counterpart_tax_id",
    "counterpart_external_reference", "counterpart_business_type", "counterpart_billing_address_id",
    "counterpart_shipping_address_id", "counterpart_vat_id_id", "contact_id", "counterpart_billing_address",
    "counterpart_shipping_address", "counterpart_vat_id", "counterpart_contact", "entity", "entity_overrides",
    "entity_address", "entity_bank_account_id", "entity_bank_account", "entity_vat_id_id", "entity_vat_id",
    "trade_name", "vat_mode", "vat_inclusive_discount_mode", "vat_exempt", "vat_exemption_rationale",
    "file_language", "original_file_language",
)
COUNTERPART_PARTS = ("counterpart_billing_address_id", "counterpart_shipping_address_id", "counterpart_vat_id_id")
# Fields copied as they are given.
PLAIN = (
    "counterpart_business_type", "counterpart_einvoicing_credentials_id", "network_credentials_id", "trade_name",
    "memo", "footer", "commercial_condition_description", "deduction_memo", "purchase_order",
    "vat_exemption_rationale", "payment_page_url", "quote_accept_page_url", "deduction_amount",
    "withholding_tax_rate", "vat_exempt", "signature_required", "is_einvoice", "partner_metadata",
    "document_rendering", "project_id", "overdue_reminder_id", "payment_reminder_id", "fulfillment_date",
    "expiry_date", "discount",
)


def take_over(target: Receivable, source: Receivable, fields: tuple[str, ...]) -> None:
    for field in fields:
        setattr(target, field, getattr(source, field))


def set_plain(receivable: Receivable, data: dict[str, Any]) -> None:
    for field in PLAIN:
        if field in data:
            value = data[field]
            if field == "deduction_amount" and value is None:
                value = 0
            if field == "vat_exempt" and value is None:
                value = False
            setattr(receivable, field, value)


def set_counterpart(session: Session, ctx: RequestContext, receivable: Receivable, data: dict[str, Any],
                    root: tuple[str, ...], *, default_billing: bool = False) -> None:
    """The counterpart and its parts named in ``data``. A draft's new counterpart needs its billing
    address in the same request; with ``default_billing`` (an issued invoice's edit, whose body has
    no address field) the new counterpart's default billing address is taken."""
    entity_id = ctx.scoped_entity_id
    changed = "counterpart_id" in data and data["counterpart_id"] != receivable.counterpart_id
    if "counterpart_id" in data:
        party = snapshots.counterpart(session, entity_id, data["counterpart_id"], (*root, "counterpart_id"))
        if changed and default_billing and "counterpart_billing_address_id" not in data:
            if party.default_billing_address_id is None:
                raise FieldError((*root, "counterpart_id"), "The counterpart has no billing address")
            data = {**data, "counterpart_billing_address_id": party.default_billing_address_id}
        if changed and receivable.counterpart_id is not None and "counterpart_billing_address_id" not in data:
            raise FieldError((*root, "counterpart_billing_address_id"),
                             "A new counterpart needs its billing address in the same request")
        for key, value in snapshots.counterpart_fields(party).items():
            setattr(receivable, key, value)
        if changed:  # parts of the old counterpart no longer fit
            for field in ("counterpart_shipping_address_id", "counterpart_vat_id_id", "contact_id"):
                if field not in data:
                    setattr(receivable, field, None)
            receivable.counterpart_shipping_address = receivable.counterpart_vat_id = None
        receivable.file_language = party.language or "en"
    else:
        party = snapshots.counterpart(session, entity_id, receivable.counterpart_id, (*root, "counterpart_id"))
    counterpart_id = party.id
    if "counterpart_billing_address_id" in data:
        receivable.counterpart_billing_address_id = data["counterpart_billing_address_id"]
        receivable.counterpart_billing_address = snapshots.address(
            session, entity_id, counterpart_id, data["counterpart_billing_address_id"],
            (*root, "counterpart_billing_address_id"),
        ) if data["counterpart_billing_address_id"] is not None else None
    if "counterpart_shipping_address_id" in data:
        value = data["counterpart_shipping_address_id"]
        receivable.counterpart_shipping_address_id = value
        receivable.counterpart_shipping_address = snapshots.address(
            session, entity_id, counterpart_id, value, (*root, "counterpart_shipping_address_id"),
        ) if value is not None else None
    if "counterpart_vat_id_id" in data:
        value = data["counterpart_vat_id_id"]
        receivable.counterpart_vat_id_id = value
        receivable.counterpart_vat_id = snapshots.vat_id(
            session, entity_id, counterpart_id, value, (*root, "counterpart_vat_id_id"),
        ) if value is not None else None
    if "contact_id" in data or changed or receivable.counterpart_contact is None:
        contact_id = data.get("contact_id", receivable.contact_id if not changed else None)
        receivable.contact_id = contact_id
        receivable.counterpart_contact = snapshots.contact(session, entity_id, party, contact_id, (*root, "contact_id"))


def set_entity(session: Session, ctx: RequestContext, receivable: Receivable, data: dict[str, Any],
               root: tuple[str, ...]) -> None:
    """The entity's own data: VAT id, bank account (default of the currency unless given), overrides."""
    from remit.bank_accounts import service as bank_accounts
    from remit.bank_accounts.repository import EntityBankAccountRepository

    entity_id = ctx.scoped_entity_id
    if "entity_vat_id_id" in data:
        value = data["entity_vat_id_id"]
        receivable.entity_vat_id_id = value
        receivable.entity_vat_id = snapshots.entity_vat_id(
            session, entity_id, value, (*root, "entity_vat_id_id")) if value is not None else None
    if "entity" in data:
        receivable.entity_overrides = data["entity"]
    receivable.entity, receivable.entity_address = snapshots.entity(
        session, entity_id, receivable.entity_overrides, receivable.entity_vat_id)
    if "entity_bank_account_id" in data:
        account_id = data["entity_bank_account_id"]
        if account_id is None:
            receivable.entity_bank_account_id, receivable.entity_bank_account = None, None
        else:
            account = EntityBankAccountRepository(session, ctx).find(account_id)
            if account is None:
                raise FieldError((*root, "entity_bank_account_id"), "Entity bank account not found")
            if account.currency != receivable.currency:
                raise FieldError((*root, "entity_bank_account_id"),
                                 "The bank account's currency differs from the document's")
            receivable.entity_bank_account_id, receivable.entity_bank_account = account.id, bank_account(account)
    elif receivable.entity_bank_account_id is None or (
        receivable.entity_bank_account and receivable.entity_bank_account.get("currency") != receivable.currency
    ):
        account = bank_accounts.default_for_currency(session, entity_id, receivable.currency)
        receivable.entity_bank_account_id = account.id if account else None
        receivable.entity_bank_account = bank_account(account) if account else None


def bank_account(account: Any) -> dict[str, Any]:
    return {
        "id": str(account.id), "account_holder_name": account.account_holder_name,
        "account_number": account.account_number, "bank_name": account.bank_name, "bic": account.bic,
        "iban": account.iban, "routing_number": account.routing_number, "sort_code": account.sort_code,
        "currency": account.currency,
    }


def set_terms(session: Session, ctx: RequestContext, receivable: Receivable, data: dict[str, Any],
              root: tuple[str, ...]) -> None:
    if data.get("payment_terms_id") is not None and data.get("payment_terms") is not None:
        raise FieldError((*root, "payment_terms"), "Give payment_terms or payment_terms_id, not both")
    if "payment_terms_id" in data:
        value = data["payment_terms_id"]
        receivable.payment_terms_id = value
        if value is not None:
            receivable.payment_terms = snapshots.catalogue_terms(
                session, ctx.scoped_entity_id, value, (*root, "payment_terms_id"))
        elif "payment_terms" not in data:
            receivable.payment_terms = None
    if "payment_terms" in data and data.get("payment_terms_id") is None:
        value = data["payment_terms"]
        receivable.payment_terms = snapshots.inline_terms(value) if value is not None else None
        if value is not None:
            receivable.payment_terms_id = None


def set_tags(session: Session, ctx: RequestContext, receivable: Receivable, tag_ids: list[uuid.UUID],
             root: tuple[str, ...]) -> None:
    repo = TagRepository(session, ctx)
    tags = []
    for index, tag_id in enumerate(dict.fromkeys(tag_ids)):
        tag = repo.find(tag_id)
        if tag is None:
            raise FieldError((*root, "tag_ids", index), "Tag not found")
        tags.append(tag)
    receivable.tags = tags


def set_attachments(session: Session, ctx: RequestContext, receivable: Receivable, given: list[dict[str, Any]] | None,
                    root: tuple[str, ...]) -> None:
    """The files attached to the document, each one a file of the entity; stored as the response
    shows them (the request names only the id and whether the file goes with the e-mail)."""
    from remit.files import service as files

    attachments = []
    for index, item in enumerate(given or []):
        stored = files.find(session, item["id"])
        if stored is None or stored.entity_id != ctx.scoped_entity_id:
            raise FieldError((*root, "attachments", index, "id"), "File not found")
        attachments.append({"id": str(stored.id), "name": stored.name, "mimetype": stored.mimetype,
                            "size": stored.size, "url": files.url(stored),
                            "include_in_email": bool(item.get("include_in_email"))})
    receivable.attachments = attachments


def check_reminders(session: Session, ctx: RequestContext, data: dict[str, Any], root: tuple[str, ...]) -> None:
    """Reminders are not offered by remit yet, so no id can name one."""
    for field in ("overdue_reminder_id", "payment_reminder_id"):
        if data.get(field) is not None:
            raise FieldError((*root, field), "Reminder not found")
    if data.get("project_id") is not None:
        raise FieldError((*root, "project_id"), "Project not found")


# -- lines ----------------------------------------------------------------------------------------


def line_from_payload(session: Session, ctx: RequestContext, receivable: Receivable, given: dict[str, Any],
                      position: int, loc: tuple[str | int, ...]) -> ReceivableLineItem:
    """One line of a create or ``PUT line_items``: its product and rate taken, checked against the document."""
    entity_id = ctx.scoped_entity_id
    if (given.get("product_id") is None) == (given.get("product") is None):
        raise FieldError(loc, "Give exactly one of product_id and product")
    if given.get("product_id") is not None:
        product = snapshots.catalogue_product(session, entity_id, given["product_id"], (*loc, "product_id"))
    else:
        product = snapshots.inline_product(given["product"])
    if product["price"]["currency"] != receivable.currency:
        raise FieldError((*loc, "product_id" if given.get("product_id") else "product"),
                         "The product's price currency differs from the document's")
    quantity = Decimal(str(given["quantity"]))
    smallest = product.get("smallest_amount")
    if smallest is not None and quantity < Decimal(str(smallest)):
        raise FieldError((*loc, "quantity"), f"The quantity is below the product's smallest amount ({smallest})")
    product["accounting_tax_rate_id"] = str(given["accounting_tax_rate_id"]) if given.get("accounting_tax_rate_id") else None
    rates = [name for name in ("vat_rate_id", "custom_vat_rate_id", "tax_rate_value") if given.get(name) is not None]
    if given.get("tax_rate_name") is not None and given.get("tax_rate_value") is None:
        raise FieldError((*loc, "tax_rate_name"), "tax_rate_name needs tax_rate_value")
    if len(rates) > 1:
        raise FieldError((*loc, rates[1]), "Give only one of vat_rate_id, custom_vat_rate_id and tax_rate_value")
    if not rates and not receivable.vat_exempt:
        raise FieldError((*loc, "vat_rate_id"), "A tax rate is required: vat_rate_id, custom_vat_rate_id or "
                                                 "tax_rate_value")
    if rates and rates[0] == "vat_rate_id":
        rate = snapshots.catalogue_rate(session, entity_id, given["vat_rate_id"], (*loc, "vat_rate_id"),
                                        clock.now().date())
    elif rates and rates[0] == "custom_vat_rate_id":
        rate = snapshots.custom_rate(session, entity_id, given["custom_vat_rate_id"], (*loc, "custom_vat_rate_id"))
    elif rates:
        rate = snapshots.given_rate(session, entity_id, given["tax_rate_value"], given.get("tax_rate_name"))
    else:
        rate = snapshots.exempt_rate(session, entity_id, None)
    product["vat_rate"] = rate
    return ReceivableLineItem(
        id=uuid.uuid4(), entity_id=entity_id, position=position, product_id=uuid.UUID(product["id"]),
        quantity=quantity, discount=given.get("discount"), vat_rate_id=given.get("vat_rate_id"),
        custom_vat_rate_id=given.get("custom_vat_rate_id"), tax_rate_value=given.get("tax_rate_value"),
        tax_rate_name=given.get("tax_rate_name"), accounting_tax_rate_id=given.get("accounting_tax_rate_id"),
        product=product,
    )


def replace_lines(session: Session, ctx: RequestContext, receivable: Receivable, lines: list[dict[str, Any]],
                  root: tuple[str | int, ...]) -> None:
    receivable.line_items = [
        line_from_payload(session, ctx, receivable, given, position, (*root, position))
        for position, given in enumerate(lines)
    ]


def copy_line(line: ReceivableLineItem, receivable: Receivable, position: int) -> ReceivableLineItem:
    """A line copied to another document (an invoice from a quote, a clone): the same snapshot."""
    return ReceivableLineItem(
        id=uuid.uuid4(), entity_id=receivable.entity_id, position=position, product_id=line.product_id,
        quantity=line.quantity, discount=line.discount, vat_rate_id=line.vat_rate_id,
        custom_vat_rate_id=line.custom_vat_rate_id, tax_rate_value=line.tax_rate_value,
        tax_rate_name=line.tax_rate_name, accounting_tax_rate_id=line.accounting_tax_rate_id,
        product=dict(line.product),
    )
