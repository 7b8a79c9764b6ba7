"""Master data through the official SDK (docs/master-data.md): a counterpart with its address, bank
account, VAT id and contact; a product with a measure unit; a tag; payment terms; VAT rates."""

from __future__ import annotations

import uuid

import pytest
from monite import (
    CounterpartAddress,
    CounterpartCreatePayload_Organization,
    CounterpartOrganizationCreatePayload,
    Price,
    TermDiscountDays,
    TermFinalDays,
    VatRateComponent,
)
from monite.errors import BadRequestError, NotFoundError, UnprocessableEntityError

IBAN_DE = "DE89370400440532013000"


def test_counterpart_with_its_children(on_entity):
    client = on_entity
    tag = client.tags.create(name=f"vendors-{uuid.uuid4().hex[:6]}", category="vendor_type")
    created = client.counterparts.create(
        request=CounterpartCreatePayload_Organization(
            organization=CounterpartOrganizationCreatePayload(
                legal_name="Acme Supplies Ltd",
                is_customer=False,
                is_vendor=True,
                email="ap@acme-supplies.example",
                address=CounterpartAddress(city="Berlin", country="DE", line1="Friedrichstr. 1", postal_code="10117"),
                tag_ids=[tag.id],
            ),
            tax_id="DE-12345",
        )
    )
    assert created.type == "organization"
    assert created.organization.legal_name == "Acme Supplies Ltd"
    assert [t.id for t in created.organization.tags] == [tag.id]
    cid = created.id

    address = client.counterparts.addresses.create(cid, city="Hamburg", country="DE", line1="Jungfernstieg 1",
                                                   postal_code="20095")
    account = client.counterparts.bank_accounts.create(cid, country="DE", currency="EUR", iban=IBAN_DE,
                                                       bic="COBADEFFXXX", is_default_for_currency=True)
    vat_id = client.counterparts.vat_ids.create(cid, value="DE123456789", country="DE", type="eu_vat")
    contact = client.counterparts.contacts.create(
        cid, first_name="Grace", last_name="Hopper", email="grace@acme-supplies.example",
        address=CounterpartAddress(city="Berlin", country="DE", line1="Friedrichstr. 1", postal_code="10117"),
    )
    assert account.is_default_for_currency is True
    assert contact.is_default is True

    again = client.counterparts.get_by_id(cid)
    assert again.id == cid
    assert again.default_billing_address_id == created.default_billing_address_id
    assert again.tax_id == "DE-12345"
    addresses = client.counterparts.addresses.get(cid).data
    assert [a.id for a in addresses] == [created.default_billing_address_id, address.id]
    assert client.counterparts.addresses.get_by_id(address.id, cid).city == "Hamburg"
    accounts = client.counterparts.bank_accounts.get(cid).data
    assert [(a.id, a.iban, a.is_default_for_currency) for a in accounts] == [(account.id, IBAN_DE, True)]
    assert client.counterparts.bank_accounts.get_by_id(account.id, cid).bic == "COBADEFFXXX"
    assert [(v.id, v.value, v.type) for v in client.counterparts.vat_ids.get(cid).data] == [
        (vat_id.id, "DE123456789", "eu_vat")
    ]
    fetched_contact = client.counterparts.contacts.get_by_id(contact.id, cid)
    assert (fetched_contact.first_name, fetched_contact.address.city) == ("Grace", "Berlin")

    second = client.counterparts.contacts.create(
        cid, first_name="Ada", last_name="Lovelace",
        address=CounterpartAddress(city="London", country="GB", line1="1 St James's Sq", postal_code="SW1Y 4JU"),
    )
    assert second.is_default is False
    assert client.counterparts.contacts.make_default_by_id(second.id, cid).is_default is True
    assert {c.id: c.is_default for c in client.counterparts.contacts.get(cid).data} == {
        contact.id: False, second.id: True
    }

    listed = client.counterparts.get(iban=IBAN_DE)
    assert [c.id for c in listed.data] == [cid]
    assert client.counterparts.get(counterpart_name_icontains="ACME").data[0].id == cid

    client.counterparts.delete_by_id(cid)
    with pytest.raises(NotFoundError):
        client.counterparts.get_by_id(cid)


def test_product_with_a_measure_unit(on_entity):
    client = on_entity
    unit = client.measure_units.create(name="hour", description="An hour of work")
    product = client.products.create(name="Consulting", type="service", measure_unit_id=unit.id,
                                     price=Price(currency="EUR", value=12000))
    fetched = client.products.get_by_id(product.id)
    assert (fetched.name, fetched.type, fetched.measure_unit_id) == ("Consulting", "service", unit.id)
    assert (fetched.price.currency, fetched.price.value) == ("EUR", 12000)
    assert [p.id for p in client.products.get(currency="EUR", price_gte=10000).data] == [product.id]
    assert [u.id for u in client.measure_units.get().data] == [unit.id]
    assert client.measure_units.get_by_id(unit.id).name == "hour"

    with pytest.raises(UnprocessableEntityError):
        client.products.create(name="Bad", price=Price(currency="EUR", value=-1))


def test_tag(on_entity):
    client = on_entity
    name = f"Marketing {uuid.uuid4().hex[:6]}"
    tag = client.tags.create(name=name, category="department", description="Marketing costs")
    fetched = client.tags.get_by_id(tag.id)
    assert (fetched.name, fetched.category, fetched.description) == (name, "department", "Marketing costs")
    assert [t.id for t in client.tags.get(id_in=[tag.id]).data] == [tag.id]
    with pytest.raises(BadRequestError) as raised:
        client.tags.create(name=name)
    assert raised.value.body == {"error": {"message": f"Tag with name '{name}' already exists"}}


def test_payment_terms(on_entity):
    client = on_entity
    terms = client.payment_terms.create(
        name="2/10 net 30",
        term1=TermDiscountDays(number_of_days=10, discount=200),
        term_final=TermFinalDays(number_of_days=30),
    )
    fetched = client.payment_terms.get_by_id(terms.id)
    assert fetched.name == "2/10 net 30"
    assert (fetched.term1.number_of_days, fetched.term1.discount) == (10, 200)
    assert fetched.term2 is None
    assert fetched.term_final.number_of_days == 30
    assert [t.id for t in client.payment_terms.get().data] == [terms.id]

    with pytest.raises(UnprocessableEntityError):
        client.payment_terms.create(name="backwards", term1=TermDiscountDays(number_of_days=40, discount=100),
                                    term_final=TermFinalDays(number_of_days=30))


def test_vat_rates(on_entity):
    client = on_entity
    rates = client.vat_rates.get().data
    assert [(r.country, r.value, r.status) for r in rates] == [("DE", 1900, "active"), ("DE", 700, "active"),
                                                               ("DE", 0, "active")]
    custom = client.custom_vat_rates.post_custom_vat_rates(
        name="GST+PST", components=[VatRateComponent(name="GST", value=500), VatRateComponent(name="PST", value=712.5)]
    )
    assert custom.value == 1212.5
    assert client.custom_vat_rates.get_custom_vat_rates_id(custom.id).name == "GST+PST"
    assert [r.id for r in client.custom_vat_rates.get_custom_vat_rates().data] == [custom.id]
