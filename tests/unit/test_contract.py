"""The committed extract of Monite's OpenAPI document (tests/contract) is whole and agrees with remit's enums."""

from __future__ import annotations

import enum
import inspect
import json
from typing import Any

import remit.core.enums as enums
from tests.fixtures.masterdata import MONITE_CONTRACT, monite_contract

PROSE = {"description", "example", "examples", "title", "summary"}


def _walk(node: Any, path: str = ""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            # a "properties" object maps field names, which may be called anything (even "description")
            yield from (
                item
                for name, schema in value.items()
                for item in _walk(schema, f"{path}.{key}.{name}")
            ) if key == "properties" and isinstance(value, dict) else _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _walk(item, f"{path}[{index}]")


def test_the_contract_names_its_source_and_generator():
    contract = monite_contract()
    assert contract["version"] == "2024-05-25"
    assert contract["generated_by"] == "scripts/extract_monite_contract.py"
    assert MONITE_CONTRACT.is_relative_to(MONITE_CONTRACT.parents[2])  # inside the repository


def test_every_reference_resolves_inside_the_extract():
    contract = monite_contract()
    dangling = {
        value
        for _, key, value in _walk(contract)
        if key == "$ref" and value.rsplit("/", 1)[-1] not in contract["schemas"]
    }
    assert not dangling


def test_the_extract_holds_facts_not_prose():
    prose = [f"{path}.{key}" for path, key, _ in _walk(monite_contract()) if key in PROSE]
    assert not prose[:5]


def test_the_extract_is_formatted_as_the_script_writes_it():
    text = MONITE_CONTRACT.read_text()
    assert text == json.dumps(json.loads(text), indent=1) + "\n"


def test_remits_enums_are_monites():
    contract = monite_contract()["schemas"]
    classes = {
        name: cls
        for name, cls in vars(enums).items()
        if inspect.isclass(cls) and issubclass(cls, enum.Enum) and cls.__module__ == enums.__name__
    }
    assert len(classes) >= 8
    for name, cls in classes.items():
        assert [member.value for member in cls] == contract[name]["enum"], name
