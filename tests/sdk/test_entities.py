"""Entities through the SDK as a partner (docs/auth-entities.md, "Entities")."""

from __future__ import annotations


def test_create_and_read_organization(partner, entity):
    assert entity.type == "organization"
    assert entity.status == "active"
    assert entity.address.country == "DE"
    assert entity.organization.legal_name.startswith("Acme ")

    again = partner.entities.get_by_id(entity.id)
    assert again.id == entity.id
    assert again.organization.legal_name == entity.organization.legal_name
