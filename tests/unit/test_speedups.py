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
