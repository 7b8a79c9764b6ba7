"""The entity's bank accounts: each currency with accounts has exactly one default.

The first account of a currency becomes its default, ``make_default`` moves the default within
the currency, and deleting the default hands it to the oldest remaining account of that currency,
so a document in a currency the entity has an account for always finds one
(``default_for_currency``). The currency of an account never changes (PATCH renames only).
Every account whose ``is_default_for_currency`` changes as a side effect gets an ``updated``
event of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from remit.bank_accounts import schemas
from remit.bank_accounts.errors import MissingAccountDetails
from remit.bank_accounts.models import EntityBankAccount
from remit.bank_accounts.repository import EntityBankAccountRepository, default_of
from remit.core.context import RequestContext
from remit.core.crud import Resource, apply_changes

OBJECT = "entity_bank_account"

BANK_ACCOUNTS = Resource(
    EntityBankAccountRepository,
    object_type=OBJECT,
    event_object=OBJECT,
    owner_attr="was_created_by_user_id",
)


# -- what an account needs, by currency -----------------------------------------------------

# Monite's documented requirements: accounts in African countries may use any fields; otherwise
# EUR needs an IBAN, GBP and USD their domestic details, and any other currency one of the three
# ways to address an account. A BIC alone names a bank, not an account.
_AFRICA = frozenset({
    "DZ", "AO", "BJ", "BW", "BF", "BI", "CV", "CM", "CF", "TD", "KM", "CG", "CD", "CI", "DJ", "EG",
    "GQ", "ER", "SZ", "ET", "GA", "GM", "GH", "GN", "GW", "KE", "LS", "LR", "LY", "MG", "MW", "ML",
    "MR", "MU", "YT", "MA", "MZ", "NA", "NE", "NG", "RE", "RW", "SH", "ST", "SN", "SC", "SL", "SO",
    "ZA", "SS", "SD", "TZ", "TG", "TN", "UG", "EH", "ZM", "ZW",
})
_REQUIRED_BY_CURRENCY = {
    "EUR": ("iban",),
    "GBP": ("account_holder_name", "account_number", "sort_code"),
    "USD": ("account_holder_name", "account_number", "routing_number"),
}


def check_account_details(account: Mapping[str, Any]) -> None:
    """422 unless ``account`` (its fields by name) has what its country and currency need."""
    if account["country"] in _AFRICA:
        return

    def has(name: str) -> bool:
        return bool(account.get(name))

    currency = account["currency"]
    if has("bic") and not has("iban"):
        raise MissingAccountDetails(["iban"], "An IBAN is required when a BIC is given")
    required = _REQUIRED_BY_CURRENCY.get(currency)
    if required is not None:
        missing = [name for name in required if not has(name)]
        if missing:
            raise MissingAccountDetails(missing, f"Field required for {currency} bank accounts")
    elif not (has("iban") or (has("account_number") and (has("sort_code") or has("routing_number")))):
        raise MissingAccountDetails(
            [], f"A {currency} bank account needs an IBAN, or an account number with a sort code or a routing number"
        )


def _details(account: EntityBankAccount) -> dict[str, Any]:
    return {
        name: getattr(account, name)
        for name in ("country", "currency", "account_holder_name", "account_number", "bic", "iban",
                     "routing_number", "sort_code")
    }


# -- defaults -------------------------------------------------------------------------------


def _make_default(session: Session, ctx: RequestContext, account: EntityBankAccount) -> None:
    """Make ``account`` its currency's default; the previous one stops being it (and says so).

    The caller holds ``lock_defaults`` and records ``account``'s own event.
    """
    previous = default_of(session, account.entity_id, account.currency)
    if previous is not None and previous.id != account.id:
        previous.is_default_for_currency = False
        session.flush()  # before the new default: the unique index allows one at any moment
        BANK_ACCOUNTS.changed(session, ctx, previous)
    account.is_default_for_currency = True
    session.flush()


def default_for_currency(session: Session, entity_id: uuid.UUID, currency: str) -> EntityBankAccount | None:
    """The entity's default account for ``currency``, or None when it has no account in it.

    For other domains (a receivable without ``entity_bank_account_id``); no permission applies.
    """
    return default_of(session, entity_id, str(currency))


def get(session: Session, ctx: RequestContext, bank_account_id: uuid.UUID) -> EntityBankAccount:
    """One of the request entity's accounts, or 404 — for other domains, with no permission check
    (a caller that takes the id from a request body turns the 404 into its own located 422)."""
    return EntityBankAccountRepository(session, ctx).get(bank_account_id)


# -- the endpoints' operations --------------------------------------------------------------


def create_bank_account(
    session: Session, ctx: RequestContext, *, payload: schemas.CreateEntityBankAccountRequest
) -> EntityBankAccount:
    BANK_ACCOUNTS.check(ctx, "create")
    values = payload.model_dump(mode="json")
    check_account_details(values)
    wants_default = values.pop("is_default_for_currency")
    repo = EntityBankAccountRepository(session, ctx)
    repo.lock_defaults()
    first_of_currency = repo.default_for(values["currency"]) is None
    account = BANK_ACCOUNTS.create(session, ctx, EntityBankAccount(**values, is_default_for_currency=False))
    if wants_default or first_of_currency:
        _make_default(session, ctx, account)
    return account


def list_bank_accounts(session: Session, ctx: RequestContext) -> dict[str, Any]:
    # Monite's list takes no parameters: every account (an entity has a handful) in one page.
    return {"data": BANK_ACCOUNTS.list_all(session, ctx)}


def get_bank_account(session: Session, ctx: RequestContext, *, bank_account_id: uuid.UUID) -> EntityBankAccount:
    return BANK_ACCOUNTS.get(session, ctx, bank_account_id)


def update_bank_account(
    session: Session,
    ctx: RequestContext,
    *,
    bank_account_id: uuid.UUID,
    payload: schemas.UpdateEntityBankAccountRequest,
) -> EntityBankAccount:
    account = BANK_ACCOUNTS.get(session, ctx, bank_account_id, "update")
    changes = payload.model_dump(mode="json", exclude_unset=True)
    check_account_details({**_details(account), **changes})  # clearing a required holder name is a 422
    apply_changes(account, changes)
    return BANK_ACCOUNTS.changed(session, ctx, account)


def make_default(session: Session, ctx: RequestContext, *, bank_account_id: uuid.UUID) -> EntityBankAccount:
    EntityBankAccountRepository(session, ctx).lock_defaults()  # first: what is read next is current
    account = BANK_ACCOUNTS.get(session, ctx, bank_account_id, "update")
    if not account.is_default_for_currency:  # already the default: nothing changes, no event
        _make_default(session, ctx, account)
        BANK_ACCOUNTS.changed(session, ctx, account)
    return account


def delete_bank_account(session: Session, ctx: RequestContext, *, bank_account_id: uuid.UUID) -> None:
    repo = EntityBankAccountRepository(session, ctx)
    repo.lock_defaults()  # first: whether the account is the default is read after it
    account = BANK_ACCOUNTS.delete(session, ctx, bank_account_id)
    if account.is_default_for_currency:
        successor = repo.oldest_of(account.currency)
        if successor is not None:
            _make_default(session, ctx, successor)
            BANK_ACCOUNTS.changed(session, ctx, successor)
