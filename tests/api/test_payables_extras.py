"""The payable endpoints around the document
(docs/payables.md, "draft → new", "Files", "History", "Analytics", "Suggestions and template variables"):
history, validation rules and validate, analytics, suggestions, template variables, files and
OCR."""

from __future__ import annotations

import hashlib
import uuid
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update

from remit.payables.models import Payable
from tests.fixtures.masterdata import assert_shape, error_message, event_actions, locs, new_partner
from tests.fixtures.payables import (
    COMPLETE_FIELDS,
    CONFLICT,
    PDF,
    act,
    add_line_item,
    create_payable,
    get_payable,
    history,
    new_payable,
    patch_payable,
    payable_in_state,
)

DEFAULT_RULES = ["currency", "document_id", "due_date", "issued_at", "total_amount", "line_items"]
UPLOAD_REJECTED = "Error uploading the file. Check the upload limitations."
SECOND_FILE = ("The file cannot be attached because another file is already attached. "
               "Please note that only one file attachment is allowed.")


@pytest.fixture(scope="module")
async def partner(client, db):
    return await new_partner(client, db)


@pytest.fixture
def on(partner, entity):
    return partner.on(entity["id"])


def set_ocr_status(db, payable_id: str, status: str | None) -> None:
    """OCR stays ``processing`` only while a real engine works; the built-in one finishes at once."""
    with db.transaction() as session:
        session.execute(update(Payable).where(Payable.id == uuid.UUID(payable_id)).values(ocr_status=status))


# -- history ---------------------------------------------------------------------------------


class TestHistory:
    async def test_unauthenticated_and_unknown(self, client, on, entity):
        payable = await create_payable(client, on)
        response = await client.get(f"/payables/{payable['id']}/history", headers={"x-monite-entity-id": entity["id"]})
        assert response.status_code == 401
        missing = str(uuid.uuid4())
        response = await client.get(f"/payables/{missing}/history", headers=on)
        assert (response.status_code, error_message(response)) == (404, f"Payable with ID {missing} not found.")

    async def test_a_full_life(self, client, partner, entity, on):
        user = await partner.user_with(entity["id"], payable=["read", "update", "approve", "pay"])
        payable = await create_payable(client, on, **COMPLETE_FIELDS)
        await add_line_item(client, user.auth, payable["id"])
        await act(client, user.auth, payable["id"], "approve_payment_operation")
        await act(client, on, payable["id"], "mark_as_paid")
        response = await client.get(f"/payables/{payable['id']}/history", headers=on)
        body = response.json()
        assert_shape(body, "PayableHistoryPaginationResponse")
        for row in body["data"]:
            assert_shape(row, "PayableHistoryResponse")
            assert row["payable_id"] == payable["id"]
        assert [(r["event_type"], r["event_data"], r["entity_user_id"]) for r in body["data"]] == [
            ("payable_created", {"payable_source": "upload"}, None),
            ("payable_updated", {}, user.id),
            ("status_changed", {"old_status": "draft", "new_status": "new"}, user.id),
            ("status_changed", {"old_status": "new", "new_status": "waiting_to_be_paid"}, user.id),
            ("status_changed", {"old_status": "waiting_to_be_paid", "new_status": "paid"}, None),
        ]
        stamps = [r["timestamp"] for r in body["data"]]
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)

        desc = await history(client, on, payable["id"], order="desc")
        assert desc == list(reversed(body["data"]))
        changed = await history(client, on, payable["id"], event_type__in=["status_changed", "payable_created"])
        assert [r["event_type"] for r in changed] == ["payable_created"] + ["status_changed"] * 3
        by_user = await history(client, on, payable["id"], entity_user_id__in=user.id)
        assert len(by_user) == 3
        third = stamps[2]
        assert len(await history(client, on, payable["id"], timestamp__gt=third)) == 2
        assert len(await history(client, on, payable["id"], timestamp__gte=third)) == 3
        assert len(await history(client, on, payable["id"], timestamp__lt=third)) == 2
        assert len(await history(client, on, payable["id"], timestamp__lte=third)) == 3

    async def test_pages(self, client, on):
        payable = await create_payable(client, on)
        for i in range(4):
            await patch_payable(client, on, payable["id"], description=f"v{i}")
        path = f"/payables/{payable['id']}/history"
        first = (await client.get(path, params={"limit": 2}, headers=on)).json()
        second = (await client.get(path, params={"pagination_token": first["next_pagination_token"]},
                                    headers=on)).json()
        third = (await client.get(path, params={"pagination_token": second["next_pagination_token"]},
                                   headers=on)).json()
        assert [len(p["data"]) for p in (first, second, third)] == [2, 2, 1]
        assert third["next_pagination_token"] is None
        back = (await client.get(path, params={"pagination_token": third["prev_pagination_token"]},
                                  headers=on)).json()
        assert back["data"] == second["data"]

    @pytest.mark.parametrize(("params", "loc"), [
        ({"event_type__in": "deleted"}, ["query", "event_type__in", 0]),
        ({"sort": "id"}, ["query", "sort"]),
        ({"timestamp__gt": "yesterday"}, ["query", "timestamp__gt"]),
        ({"limit": 0}, ["query", "limit"]),
    ])
    async def test_bad_parameters(self, client, on, params, loc):
        payable = await create_payable(client, on)
        response = await client.get(f"/payables/{payable['id']}/history", params=params, headers=on)
        assert loc in locs(response)


# -- validation rules ------------------------------------------------------------------------


class TestValidationRules:
    async def test_defaults_put_and_reset(self, client, on):
        response = await client.get("/payables/validations", headers=on)
        assert (response.status_code, response.json()) == (200, {"required_fields": DEFAULT_RULES})
        rules = ["currency", "line_items.unit_price", "currency", "sender"]
        response = await client.put("/payables/validations", json={"required_fields": rules}, headers=on)
        assert response.json() == {"required_fields": ["currency", "line_items.unit_price", "sender"]}
        assert (await client.get("/payables/validations", headers=on)).json()["required_fields"] == [
            "currency", "line_items.unit_price", "sender"]
        response = await client.post("/payables/validations/reset", headers=on)
        assert response.json() == {"required_fields": DEFAULT_RULES}
        assert (await client.get("/payables/validations", headers=on)).json()["required_fields"] == DEFAULT_RULES

    @pytest.mark.parametrize("body", [{"required_fields": ["status"]}, {}, {"required_fields": "currency"},
                                      {"required_fields": [], "x": 1}])
    async def test_refused(self, client, on, body):
        response = await client.put("/payables/validations", json=body, headers=on)
        assert response.status_code == 422
        assert (await client.get("/payables/validations", headers=on)).json()["required_fields"] == DEFAULT_RULES

    async def test_partner_defaults_and_entity_rules(self, client, db):
        partner = await new_partner(client, db)  # partner-wide rules must not leak into other tests
        first, second = await partner.create_entity(), await partner.create_entity()
        response = await client.put("/payables/validations", json={"required_fields": ["currency"]},
                                    headers=partner.auth)
        assert response.status_code == 200, response.text
        for entity in (first, second):
            got = (await client.get("/payables/validations", headers=partner.on(entity["id"]))).json()
            assert got == {"required_fields": ["currency"]}
        await client.put("/payables/validations", json={"required_fields": ["sender"]},
                         headers=partner.on(first["id"]))
        assert (await client.get("/payables/validations", headers=partner.on(first["id"]))).json() == {
            "required_fields": ["sender"]}
        user = await partner.user_with(first["id"], payable=["read"])
        assert (await client.get("/payables/validations", headers=user.auth)).json() == {
            "required_fields": ["sender"]}
        # A payable of the second entity follows the partner's rules.
        payable = await create_payable(client, partner.on(second["id"]), currency="EUR")
        assert payable["status"] == "new"
        reset = (await client.post("/payables/validations/reset", headers=partner.on(first["id"]))).json()
        assert reset == {"required_fields": ["currency"]}  # back to the partner's rules
        assert (await client.post("/payables/validations/reset", headers=partner.auth)).json() == {
            "required_fields": DEFAULT_RULES}


class TestValidate:
    async def test_errors_of_an_empty_draft(self, client, on):
        payable = await create_payable(client, on, currency="EUR")
        response = await client.post(f"/payables/{payable['id']}/validate", headers=on)
        assert response.status_code == 200
        body = response.json()
        assert_shape(body, "PayableValidationResponse")
        assert body == {"id": payable["id"], "validation_errors": [
            {"loc": ["document_id"], "msg": "Field required", "type": "missing"},
            {"loc": ["due_date"], "msg": "Field required", "type": "missing"},
            {"loc": ["issued_at"], "msg": "Field required", "type": "missing"},
            {"loc": ["total_amount"], "msg": "Field required", "type": "missing"},
            {"loc": ["line_items"], "msg": "At least one line item is required", "type": "missing"},
        ]}
        assert (await get_payable(client, on, payable["id"]))["status"] == "draft"

    async def test_line_item_field_rules(self, client, on):
        await client.put("/payables/validations", json={"required_fields": ["line_items.unit_price"]}, headers=on)
        payable = await create_payable(client, on)
        await add_line_item(client, on, payable["id"], name="no price")
        body = (await client.post(f"/payables/{payable['id']}/validate", headers=on)).json()
        assert body["validation_errors"] == [
            {"loc": ["line_items", 0, "unit_price"], "msg": "Field required", "type": "missing"}]

    @pytest.mark.parametrize("state", ["new", "approve_in_progress", "paid", "canceled"])
    async def test_any_status(self, client, on, state):
        payable = await payable_in_state(client, on, state)
        body = (await client.post(f"/payables/{payable['id']}/validate", headers=on)).json()
        assert body == {"id": payable["id"], "validation_errors": []}
        assert (await get_payable(client, on, payable["id"]))["status"] == state

    async def test_unknown(self, client, on):
        missing = str(uuid.uuid4())
        assert (await client.post(f"/payables/{missing}/validate", headers=on)).status_code == 404


# -- analytics -------------------------------------------------------------------------------


class TestAnalytics:
    async def test_empty_entity(self, client, on):
        response = await client.get("/payables/analytics", headers=on)
        assert (response.status_code, response.json()) == (200, {"count": 0, "sum_total_amount": 0, "data": []})

    async def test_counts_and_sums_per_status(self, client, on):
        await create_payable(client, on)  # null total counts 0
        await create_payable(client, on, total_amount=300)
        await new_payable(client, on)
        await payable_in_state(client, on, "paid")
        body = (await client.get("/payables/analytics", headers=on)).json()
        assert_shape(body, "PayableAggregatedDataResponse")
        assert body == {"count": 4, "sum_total_amount": 300 + 2 * 11900, "data": [
            {"status": "draft", "count": 2, "sum_total_amount": 300},
            {"status": "new", "count": 1, "sum_total_amount": 11900},
            {"status": "paid", "count": 1, "sum_total_amount": 11900},
        ]}
        filtered = (await client.get("/payables/analytics", params={"status__in": ["paid", "new"],
                                                                    "total_amount__gte": 1}, headers=on)).json()
        assert filtered["count"] == 2

    async def test_refuses_bad_filters(self, client, on):
        assert (await client.get("/payables/analytics", params={"status": "x"}, headers=on)).status_code == 422

    async def test_analytics_payables_endpoint(self, client, on):
        await create_payable(client, on, total_amount=300)
        await create_payable(client, on, total_amount=700)
        response = await client.get("/analytics/payables", params={"metric": "total_amount",
                                                                   "aggregation_function": "summary"}, headers=on)
        assert response.status_code == 200, response.text
        assert response.json() == {"data": [{"dimension_value": None, "metric_value": 1000}]}

    async def analytics(self, client, on, **params):
        response = await client.get("/analytics/payables", params=params, headers=on)
        assert response.status_code == 200, response.text
        return {p["dimension_value"]: p["metric_value"] for p in response.json()["data"]}

    async def test_by_status_and_currency(self, client, on):
        await create_payable(client, on, total_amount=300, currency="EUR")
        await create_payable(client, on, total_amount=700, currency="EUR")
        await create_payable(client, on, total_amount=50, currency="USD")
        assert await self.analytics(client, on, metric="id", aggregation_function="count",
                                    dimension="currency") == {"EUR": 2, "USD": 1}
        assert await self.analytics(client, on, metric="total_amount", aggregation_function="average",
                                    dimension="currency") == {"EUR": 500, "USD": 50}
        assert await self.analytics(client, on, metric="total_amount", aggregation_function="max",
                                    dimension="status") == {"draft": 700}
        assert await self.analytics(client, on, metric="total_amount", aggregation_function="min",
                                    currency="EUR") == {None: 300}

    async def test_date_buckets(self, client, on):
        for day, amount in (("2026-01-05", 100), ("2026-01-20", 200), ("2026-02-03", 400), ("2026-04-01", 800)):
            await create_payable(client, on, total_amount=amount, issued_at=day)
        monthly = await self.analytics(client, on, metric="total_amount", aggregation_function="summary",
                                       dimension="issued_at", date_dimension_breakdown="monthly")
        assert monthly == {"2026-01-01": 300, "2026-02-01": 400, "2026-04-01": 800}
        quarterly = await self.analytics(client, on, metric="total_amount", aggregation_function="summary",
                                         dimension="issued_at", date_dimension_breakdown="quarterly")
        assert quarterly == {"2026-01-01": 700, "2026-04-01": 800}
        weekly = await self.analytics(client, on, metric="id", aggregation_function="count",
                                      dimension="issued_at", date_dimension_breakdown="weekly")
        assert weekly == {"2026-01-05": 1, "2026-01-19": 1, "2026-02-02": 1, "2026-03-30": 1}

    async def test_metric_is_required(self, client, on):
        response = await client.get("/analytics/payables", params={"aggregation_function": "count"}, headers=on)
        assert response.status_code == 422


# -- suggestions and variables ---------------------------------------------------------------


class TestSuggestions:
    async def test_none_stored(self, client, on):
        payable = await create_payable(client, on)
        response = await client.get(f"/payables/{payable['id']}/suggestions", headers=on)
        assert response.status_code == 404
        assert response.json() == {"error": {"message": "No suggestions found for this payable"}}

    async def test_delete_is_idempotent(self, client, on):
        payable = await create_payable(client, on)
        for _ in range(2):
            response = await client.delete(f"/payables/{payable['id']}/suggestions", headers=on)
            assert (response.status_code, response.json()) == (200, {})

    async def test_unknown_payable(self, client, on):
        missing = str(uuid.uuid4())
        for method in ("GET", "DELETE"):
            response = await client.request(method, f"/payables/{missing}/suggestions", headers=on)
            assert (response.status_code, error_message(response)) == (404, f"Payable with ID {missing} not found.")


class TestVariables:
    async def test_catalogue(self, client, on, partner, entity):
        response = await client.get("/payables/variables", headers=on)
        assert response.status_code == 200
        body = response.json()
        assert_shape(body, "PayableTemplatesVariablesObjectList")
        assert [(d["object_type"], d["object_subtype"], [v["name"] for v in d["variables"]]) for d in body["data"]] == [
            ("payable", "payables_notify_approver",
             ["invoice_id", "document_id", "currency", "total_amount", "due_date", "customer_name",
              "uploaded_username"]),
            ("payables_purchase_order", "payables_purchase_order",
             ["document_id", "currency", "total_amount", "issued_at", "counterpart_name", "entity_name"]),
        ]
        assert all(v["description"] for d in body["data"] for v in d["variables"])
        # No permission beyond authentication.
        user = await partner.user_with(entity["id"], tag=["read"])
        assert (await client.get("/payables/variables", headers=user.auth)).json() == body

    async def test_unauthenticated(self, client, entity):
        response = await client.get("/payables/variables", headers={"x-monite-entity-id": entity["id"]})
        assert response.status_code == 401


# -- files and OCR ---------------------------------------------------------------------------


class TestUploadFromFile:
    @pytest.mark.parametrize(("name", "mimetype"), [("bill.pdf", "application/pdf"), ("bill.png", "image/png"),
                                                    ("bill.jpg", "image/jpeg")])
    async def test_creates_a_draft_and_runs_ocr(self, client, on, db, name, mimetype):
        content = PDF + name.encode()
        response = await client.post("/payables/upload_from_file", files={"file": (name, content, mimetype)},
                                     headers=on)
        assert response.status_code == 201, response.text
        body = response.json()
        assert_shape(body, "PayableResponseSchema")
        assert (body["status"], body["payable_origin"], body["source_of_payable_data"]) == ("draft", "upload", "ocr")
        assert body["ocr_status"] == "error"  # the built-in "none" engine
        assert body["ocr_request_id"]
        file = body["file"]
        assert_shape(file, "FileSchema")
        assert (file["id"], file["name"], file["mimetype"], file["size"]) == (body["file_id"], name, mimetype,
                                                                              len(content))
        assert file["md5"] == hashlib.md5(content).hexdigest()
        assert (file["file_type"], file["region"]) == ("payables", "local")
        rows = await history(client, on, body["id"])
        assert [r["event_type"] for r in rows] == ["payable_created", "file_attached", "payable_updated"]
        assert rows[0]["event_data"] == {"payable_source": "upload"}
        assert event_actions(db, body["id"]) == ["payable.created", "payable.ocr_finished"]
        download = await client.get("http://remit.test" + urlsplit(file["url"]).path)
        assert (download.status_code, download.content) == (200, content)

    @pytest.mark.parametrize(("name", "content", "mimetype"), [
        ("notes.txt", b"hello", "text/plain"),
        ("empty.pdf", b"", "application/pdf"),
        ("huge.pdf", b"%" * (20 * 1024 * 1024 + 1), "application/pdf"),
    ])
    async def test_upload_limits(self, client, on, name, content, mimetype):
        before = (await client.get("/payables/analytics", headers=on)).json()["count"]
        response = await client.post("/payables/upload_from_file", files={"file": (name, content, mimetype)},
                                     headers=on)
        assert (response.status_code, response.json()) == (409, {"error": {"message": UPLOAD_REJECTED}})
        assert (await client.get("/payables/analytics", headers=on)).json()["count"] == before

    async def test_missing_file_part(self, client, on):
        response = await client.post("/payables/upload_from_file", files={"other": ("a.pdf", PDF, "application/pdf")},
                                     headers=on)
        assert locs(response) == [["body", "file"]]

    async def test_not_multipart(self, client, on):
        response = await client.post("/payables/upload_from_file", json={"file": "x"}, headers=on)
        assert response.status_code in (415, 422)

    async def test_by_entity_user(self, client, partner, entity):
        user = await partner.user_with(entity["id"], payable=["create", "read"])
        response = await client.post("/payables/upload_from_file", headers=user.auth,
                                     files={"file": ("a.pdf", PDF, "application/pdf")})
        assert response.json()["was_created_by_user_id"] == user.id


class TestAttachFile:
    async def test_attach_once(self, client, on, db):
        payable = await create_payable(client, on)
        response = await client.post(f"/payables/{payable['id']}/attach_file", headers=on,
                                     files={"file": ("scan.png", b"\x89PNG....", "image/png")})
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["file"]["name"], body["file"]["mimetype"], body["ocr_status"]) == ("scan.png", "image/png",
                                                                                        None)
        (row,) = [r for r in await history(client, on, payable["id"]) if r["event_type"] == "file_attached"]
        assert row["event_data"] == {"file_name": "scan.png", "file_size": 8, "url": body["file"]["url"]}
        assert event_actions(db, payable["id"]) == ["payable.created", "payable.updated"]
        again = await client.post(f"/payables/{payable['id']}/attach_file", headers=on,
                                  files={"file": ("other.pdf", PDF, "application/pdf")})
        assert (again.status_code, again.json()) == (409, {"error": {"message": SECOND_FILE}})
        assert (await get_payable(client, on, payable["id"]))["file_id"] == body["file_id"]

    async def test_file_from_create_counts(self, client, on):
        payable = await create_payable(client, on, base64_encoded_file="JVBERi0xLjQ=")
        response = await client.post(f"/payables/{payable['id']}/attach_file", headers=on,
                                     files={"file": ("b.pdf", PDF, "application/pdf")})
        assert response.status_code == 409

    @pytest.mark.parametrize("state", ["approve_in_progress", "waiting_to_be_paid", "paid", "rejected", "canceled"])
    async def test_not_after_submission(self, client, on, state):
        payable = await payable_in_state(client, on, state)
        response = await client.post(f"/payables/{payable['id']}/attach_file", headers=on,
                                     files={"file": ("b.pdf", PDF, "application/pdf")})
        assert (response.status_code, response.json()) == (409, CONFLICT)
        assert (await get_payable(client, on, payable["id"]))["file"] is None

    async def test_refused_file(self, client, on):
        payable = await create_payable(client, on)
        response = await client.post(f"/payables/{payable['id']}/attach_file", headers=on,
                                     files={"file": ("a.txt", b"text", "text/plain")})
        assert (response.status_code, error_message(response)) == (409, UPLOAD_REJECTED)
        assert (await get_payable(client, on, payable["id"]))["file"] is None


class TestCancelOcr:
    async def test_cancels_while_processing(self, client, on, db):
        response = await client.post("/payables/upload_from_file", headers=on,
                                     files={"file": ("a.pdf", PDF, "application/pdf")})
        payable = response.json()
        set_ocr_status(db, payable["id"], "processing")
        response = await client.post(f"/payables/{payable['id']}/cancel_ocr", headers=on)
        assert response.status_code == 200, response.text
        assert response.json()["ocr_status"] == "canceled"
        again = await client.post(f"/payables/{payable['id']}/cancel_ocr", headers=on)
        assert (again.status_code, again.json()) == (409, {"error": {
            "message": "OCR processing cannot be canceled because it is not in progress"}})

    @pytest.mark.parametrize("ocr_status", [None, "error", "success", "canceled"])
    async def test_not_in_progress(self, client, on, db, ocr_status):
        payable = await create_payable(client, on)
        set_ocr_status(db, payable["id"], ocr_status)
        response = await client.post(f"/payables/{payable['id']}/cancel_ocr", headers=on)
        assert response.status_code == 409
        assert (await get_payable(client, on, payable["id"]))["ocr_status"] == ocr_status

    @pytest.mark.parametrize("state", ["paid", "rejected"])
    async def test_any_status_while_processing(self, client, on, db, state):
        payable = await payable_in_state(client, on, state)
        set_ocr_status(db, payable["id"], "processing")
        response = await client.post(f"/payables/{payable['id']}/cancel_ocr", headers=on)
        assert (response.status_code, response.json()["ocr_status"], response.json()["status"]) == (200, "canceled",
                                                                                                     state)

    async def test_unknown(self, client, on):
        assert (await client.post(f"/payables/{uuid.uuid4()}/cancel_ocr", headers=on)).status_code == 404
