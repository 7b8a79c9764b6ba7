"""The permission model (docs/auth-entities.md, "Permissions"): role documents, RequestContext.check
and own_filter."""

from __future__ import annotations

import uuid

import pytest

from remit.auth.permissions import Permission, PermissionDenied, Permissions, permissions_for_role
from remit.auth.tokens import CLIENT_CREDENTIALS, ENTITY_USER, Principal
from remit.core.context import RequestContext
from remit.core.errors import Forbidden

PARTNER_ID = uuid.uuid4()
ENTITY_ID = uuid.uuid4()
USER_ID = uuid.uuid4()
SOMEONE_ELSE = uuid.uuid4()

DOCUMENT = {
    "objects": [
        {
            "object_type": "payable",
            "actions": [
                {"action_name": "read", "permission": "allowed"},
                {"action_name": "pay", "permission": "allowed_for_own"},
                {"action_name": "cancel", "permission": "not_allowed"},
            ],
        },
        {"object_type": "receivable", "actions": [{"action_name": "read", "permission": "allowed"}]},
        {"object_type": "tag", "actions": []},
    ]
}


def partner_ctx(entity_id: uuid.UUID | None = ENTITY_ID) -> RequestContext:
    principal = Principal("jti", CLIENT_CREDENTIALS, uuid.uuid4(), PARTNER_ID, 2_000_000_000)
    return RequestContext(principal=principal, partner_id=PARTNER_ID, entity_id=entity_id)


def user_ctx(document: dict = DOCUMENT) -> RequestContext:
    principal = Principal("jti", ENTITY_USER, uuid.uuid4(), PARTNER_ID, 2_000_000_000, ENTITY_ID, USER_ID)
    return RequestContext(
        principal=principal,
        partner_id=PARTNER_ID,
        entity_id=ENTITY_ID,
        entity_user_id=USER_ID,
        permissions=Permissions.from_document(document),
    )


class TestPermissionsDocument:
    def test_listed_actions(self):
        permissions = Permissions.from_document(DOCUMENT)
        assert permissions.get("payable", "read") is Permission.allowed
        assert permissions.get("payable", "pay") is Permission.allowed_for_own
        assert permissions.get("payable", "cancel") is Permission.not_allowed
        assert permissions.get("receivable", "read") is Permission.allowed

    @pytest.mark.parametrize(
        ("object_type", "action"),
        [("payable", "approve"), ("receivable", "update"), ("tag", "read"), ("counterpart", "read"), ("", "")],
    )
    def test_anything_missing_is_not_allowed(self, object_type, action):
        assert Permissions.from_document(DOCUMENT).get(object_type, action) is Permission.not_allowed

    @pytest.mark.parametrize("document", [{}, {"objects": []}, {"objects": None}, {"objects": [{"object_type": "tag"}]}])
    def test_empty_documents_allow_nothing(self, document):
        permissions = Permissions.from_document(document)
        assert dict(permissions.items()) == {}
        assert permissions.get("tag", "read") is Permission.not_allowed

    def test_items(self):
        assert dict(Permissions.from_document(DOCUMENT).items()) == {
            ("payable", "read"): Permission.allowed,
            ("payable", "pay"): Permission.allowed_for_own,
            ("payable", "cancel"): Permission.not_allowed,
            ("receivable", "read"): Permission.allowed,
        }

    def test_permission_values_are_monites(self):
        assert {p.value for p in Permission} == {"allowed", "allowed_for_own", "not_allowed"}


class TestPermissionsForRole:
    def test_parsed_once_per_role_version(self):
        role_id = uuid.uuid4()
        first = permissions_for_role(role_id, "v1", DOCUMENT)
        assert permissions_for_role(role_id, "v1", DOCUMENT) is first

    def test_a_new_version_is_parsed_again(self):
        role_id = uuid.uuid4()
        assert permissions_for_role(role_id, "v1", DOCUMENT).get("payable", "read") is Permission.allowed
        updated = permissions_for_role(role_id, "v2", {"objects": []})
        assert updated.get("payable", "read") is Permission.not_allowed

    def test_roles_do_not_share_entries(self):
        version = "same-version"
        a = permissions_for_role(uuid.uuid4(), version, DOCUMENT)
        b = permissions_for_role(uuid.uuid4(), version, {"objects": []})
        assert a.get("payable", "read") is Permission.allowed
        assert b.get("payable", "read") is Permission.not_allowed


class TestPermissionDenied:
    def test_message_and_status(self):
        error = PermissionDenied("payable", "cancel")
        assert isinstance(error, Forbidden)
        assert error.status_code == 403
        assert error.body() == {"error": {"message": "Action cancel for payable not allowed"}}


class TestCheck:
    def test_partner_is_allowed_everything(self):
        ctx = partner_ctx()
        assert ctx.is_partner
        assert ctx.check("payable", "cancel") is Permission.allowed
        assert ctx.check("anything", "whatever", owner_id=SOMEONE_ELSE) is Permission.allowed

    def test_allowed(self):
        assert user_ctx().check("payable", "read") is Permission.allowed
        assert user_ctx().check("payable", "read", owner_id=SOMEONE_ELSE) is Permission.allowed

    @pytest.mark.parametrize(("object_type", "action"), [("payable", "cancel"), ("payable", "approve"), ("tag", "read")])
    def test_not_allowed(self, object_type, action):
        with pytest.raises(PermissionDenied) as caught:
            user_ctx().check(object_type, action)
        assert caught.value.message == f"Action {action} for {object_type} not allowed"

    def test_allowed_for_own_without_an_object(self):
        # create, and list endpoints that filter afterwards
        assert user_ctx().check("payable", "pay") is Permission.allowed_for_own

    def test_allowed_for_own_on_the_callers_object(self):
        assert user_ctx().check("payable", "pay", owner_id=USER_ID) is Permission.allowed_for_own

    @pytest.mark.parametrize("owner", [SOMEONE_ELSE, None], ids=["other user", "no creator"])
    def test_allowed_for_own_on_another_object(self, owner):
        with pytest.raises(PermissionDenied) as caught:
            user_ctx().check("payable", "pay", owner_id=owner)
        assert caught.value.message == "Action pay for payable not allowed"

    def test_not_allowed_even_for_own_objects(self):
        with pytest.raises(PermissionDenied):
            user_ctx().check("payable", "cancel", owner_id=USER_ID)


class TestOwnFilter:
    def test_partner_sees_everything(self):
        assert partner_ctx().own_filter("payable") is None

    def test_allowed_sees_everything(self):
        assert user_ctx().own_filter("payable", "read") is None

    def test_allowed_for_own_is_restricted_to_the_caller(self):
        document = {"objects": [{"object_type": "payable", "actions": [{"action_name": "read", "permission": "allowed_for_own"}]}]}
        assert user_ctx(document).own_filter("payable") == USER_ID

    def test_default_action_is_read(self):
        document = {"objects": [{"object_type": "tag", "actions": [{"action_name": "read", "permission": "allowed_for_own"}]}]}
        assert user_ctx(document).own_filter("tag") == USER_ID
        with pytest.raises(PermissionDenied):
            user_ctx(document).own_filter("tag", "update")

    def test_not_allowed_raises(self):
        with pytest.raises(PermissionDenied) as caught:
            user_ctx().own_filter("receivable", "delete")
        assert caught.value.message == "Action delete for receivable not allowed"


class TestContext:
    def test_require_partner(self):
        partner_ctx().require_partner()
        with pytest.raises(Forbidden):
            user_ctx().require_partner()

    def test_require_user(self):
        user_ctx().require_user()
        with pytest.raises(Forbidden):
            partner_ctx().require_user()

    def test_scoped_entity_id(self):
        assert user_ctx().scoped_entity_id == ENTITY_ID
        assert partner_ctx().scoped_entity_id == ENTITY_ID
        with pytest.raises(RuntimeError):
            partner_ctx(entity_id=None).scoped_entity_id  # noqa: B018

    def test_is_immutable(self):
        ctx = user_ctx()
        with pytest.raises(AttributeError):
            ctx.entity_id = uuid.uuid4()  # type: ignore[misc]
