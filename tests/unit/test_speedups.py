"""The memoised FastAPI helpers give FastAPI's own answers for every parameter of every route."""

from __future__ import annotations

from fastapi.dependencies import utils as fastapi_utils
from fastapi.routing import APIRoute

from remit.core import speedups


def test_installed_and_same_answers(app):
    assert speedups.install() is True
    patched_sequence, patched_aliases = fastapi_utils.field_annotation_is_sequence, fastapi_utils._get_param_aliases
    original_sequence = speedups.originals["field_annotation_is_sequence"]
    original_aliases = speedups.originals["_get_param_aliases"]
    assert (patched_sequence, patched_aliases) != (original_sequence, original_aliases)
    checked = 0
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        dependant = route.dependant
        fields = [*dependant.query_params, *dependant.header_params, *dependant.path_params]
        for sub in dependant.dependencies:
            fields += [*sub.query_params, *sub.header_params, *sub.path_params]
        for field in fields:
            model = fastapi_utils._get_param_model(field)
            for item in ([*fastapi_utils.get_cached_model_fields(model)] if model is not None else [field]):
                annotation = item.field_info.annotation
                assert patched_sequence(annotation) == original_sequence(annotation)
                for convert in (False, True):
                    expected = original_aliases(item, convert_underscores=convert)
                    assert patched_aliases(item, convert_underscores=convert) == expected
                    assert patched_aliases(item, convert_underscores=convert) == expected  # from the cache
                checked += 1
    assert checked > 200  # the payables list alone has 53 query fields


def _query_models(app):
    for route in app.routes:
        if not isinstance(route, APIRoute):
            continue
        for dependant in (route.dependant, *route.dependant.dependencies):
            for field in dependant.query_params:
                model = fastapi_utils._get_param_model(field)
                if model is not None:
                    yield field, model


def test_query_models_parse_as_fastapi_parses_them(app):
    """Every query model, fed query strings built from its own names (valid and invalid values,
    repeated names, unknown names), parses to FastAPI's values and errors."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from starlette.datastructures import QueryParams

    assert speedups.install() is True
    original = speedups.originals["_request_param_model_to_args"]
    patched = fastapi_utils._request_param_model_to_args
    models = list(_query_models(app))
    assert len(models) >= 10
    values = st.sampled_from(
        ["", "1", "0", "-5", "100", "101", "asc", "desc", "true", "no", "created_at", "draft", "new",
         "waiting_to_be_paid", "EUR", "2026-11-21", "2026-11-21T10:00:00Z", "not-a-date",
         "3fa85f64-5717-4562-b3fc-2c963f66afa6", "x" * 300, "ü%20&="]
    )

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def check(data):
        field, model = data.draw(st.sampled_from(models))
        names = sorted({name for item in fastapi_utils.get_cached_model_fields(model)
                        for _, name in speedups.originals["_get_param_aliases"](item)})
        keys = st.one_of(st.sampled_from(names), st.sampled_from(["unknown", "Status", "limit[]"]))
        pairs = data.draw(st.lists(st.tuples(keys, values), max_size=8))
        received = QueryParams(pairs)
        assert patched(field, model, received) == original(field, model, received)

    check()
    checked_payables = [m for _, m in models if m.__name__ == "PayableListQuery"]
    assert checked_payables


EMAILS = [
    "ap@example.com", "A.B@Example.COM", "first.last+tag@sub.example.co.uk", "üser@exämple.de", " ap@example.com",
    "nope", "a@b", "two@@example.com", "ap@example..com", "", "x" * 300 + "@example.com", "ap@localhost",
]


def test_remembered_email_check_answers_as_pydantic_does():
    """``core.schemas.EmailStr`` (validation remembered per address) against pydantic's ``EmailStr``:
    the same value or the same refusal, asked twice (the second answer may come from memory), and
    the same JSON schema."""
    import pydantic
    from pydantic import TypeAdapter, ValidationError

    from remit.core.schemas import EmailStr

    ours, theirs = TypeAdapter(EmailStr), TypeAdapter(pydantic.EmailStr)

    def answer(adapter: TypeAdapter, value: str) -> object:
        try:
            return adapter.validate_python(value)
        except ValidationError as exc:
            return [(e["type"], e["msg"]) for e in exc.errors()]

    refused = 0
    for value in EMAILS * 2:
        expected = answer(theirs, value)
        assert answer(ours, value) == expected, value
        refused += isinstance(expected, list)
    assert refused >= 2 * 5  # the list holds refusals as well as addresses
    assert ours.json_schema() == theirs.json_schema()
