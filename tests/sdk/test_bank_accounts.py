"""The entity's bank accounts through the official SDK (``client.entities.bank_accounts``): the
first account of a currency is its default, make_default moves it, deleting it hands it on;
refusals arrive as the SDK's typed errors (or ``ApiError`` for a status it does not map)."""

from __future__ import annotations

import pytest
from monite.core.api_error import ApiError
from monite.errors import NotFoundError, UnprocessableEntityError

from tests.sdk.conftest import new_login, permissions, user_token

IBAN_DE = "DE89370400440532013000"
IBAN_DE_2 = "DE75512108001245126199"


def test_bank_accounts_as_the_partner(on_entity):
    accounts = on_entity.entities.bank_accounts
    assert accounts.get().data == []

    main = accounts.create(country="DE", currency="EUR", iban="DE89 3704 0044 0532 0130 00", bic="COBADEFFXXX",
                           account_holder_name="Acme GmbH", bank_name="Commerzbank", display_name="Main")
    assert (main.iban, main.bic, main.currency, main.country) == (IBAN_DE, "COBADEFFXXX", "EUR", "DE")
    assert main.is_default_for_currency is True  # the first EUR account
    assert main.was_created_by_user_id is None
    savings = accounts.create(country="DE", currency="EUR", iban=IBAN_DE_2, display_name="Savings")
    assert savings.is_default_for_currency is False
    pounds = accounts.create(country="GB", currency="GBP", account_holder_name="Acme Ltd", account_number="31926819",
                             sort_code="601613")
    assert pounds.is_default_for_currency is True

    listed = accounts.get()
    assert [a.id for a in listed.data] == [main.id, savings.id, pounds.id]
    assert listed.next_pagination_token is None and listed.prev_pagination_token is None
    assert accounts.get_by_id(savings.id).display_name == "Savings"

    renamed = accounts.update_by_id(savings.id, display_name="Reserve", account_holder_name="Acme GmbH")
    assert (renamed.display_name, renamed.account_holder_name, renamed.iban) == ("Reserve", "Acme GmbH", IBAN_DE_2)

    assert accounts.make_default_by_id(savings.id).is_default_for_currency is True
    assert {a.id: a.is_default_for_currency for a in accounts.get().data} == {
        main.id: False, savings.id: True, pounds.id: True
    }

    # Deleting the default hands it to the oldest remaining account of the currency.
    accounts.delete_by_id(savings.id)
    with pytest.raises(NotFoundError) as caught:
        accounts.get_by_id(savings.id)
    assert caught.value.body == {"error": {"message": "Bank account not found"}}
    assert {a.id: a.is_default_for_currency for a in accounts.get().data} == {main.id: True, pounds.id: True}


def test_refusals(on_entity):
    accounts = on_entity.entities.bank_accounts
    with pytest.raises(UnprocessableEntityError) as caught:
        accounts.create(country="DE", currency="EUR", account_number="123")  # EUR needs an IBAN
    assert [e["loc"] for e in caught.value.body["detail"]] == [["body", "iban"]]
    with pytest.raises(UnprocessableEntityError) as caught:
        accounts.create(country="DE", currency="EUR", iban="DE00370400440532013000")  # wrong check digits
    assert ["body", "iban"] in [e["loc"] for e in caught.value.body["detail"]]

    usd = accounts.create(country="US", currency="USD", account_holder_name="Acme Inc", account_number="000123456789",
                          routing_number="110000000")
    with pytest.raises(UnprocessableEntityError):
        accounts.update_by_id(usd.id, account_holder_name=None)  # USD accounts need a holder name
    with pytest.raises(NotFoundError):
        accounts.make_default_by_id("00000000-0000-4000-8000-000000000000")
    assert [a.id for a in accounts.get().data] == [usd.id]


def test_entity_user(server, on_entity):
    role = on_entity.roles.create(name="treasurer", permissions=permissions(entity_bank_account=["create", "read"]))
    user = on_entity.entity_users.create(login=new_login(), first_name="Tess", role_id=role.id)
    as_user = server.client(token=user_token(server, user.id)).entities.bank_accounts

    mine = as_user.create(country="DE", currency="EUR", iban=IBAN_DE)
    assert mine.was_created_by_user_id == user.id
    assert [a.id for a in as_user.get().data] == [mine.id]

    # Not granted: a 403, which these SDK methods do not map to a typed error.
    with pytest.raises(ApiError) as caught:
        as_user.update_by_id(mine.id, display_name="Mine")
    assert caught.value.status_code == 403
    assert caught.value.body == {"error": {"message": "Action update for entity_bank_account not allowed"}}
    assert on_entity.entities.bank_accounts.get_by_id(mine.id).display_name is None
