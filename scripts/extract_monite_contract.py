#!/usr/bin/env python3
"""Extract the facts of Monite's published OpenAPI document that remit's tests check against.

    python scripts/extract_monite_contract.py path/to/monite-openapi-2024-05-25.json

writes ``tests/contract/monite-2024-05-25.json``: the component schemas of the resources remit
implements (and every schema they reference), every enumeration, and for their operations the success status, the
request body schema and the response schemas. Only facts are kept: field names, types, formats,
enums, required lists, bounds, nullability, defaults and references. Descriptions, titles and
examples are dropped. The output is committed; rerun the script when Monite publishes a new
version of the document, and review the diff.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parents[1] / "tests" / "contract"

# Resources remit implements or is about to; a schema whose name matches is kept with its references.
SCHEMA_ROOTS = re.compile(
    r"(Access|Approval|Counterpart|CreditNote|CustomVat|Document|Entity|ErrorSchema|Event|File|HTTPValidation"
    r"|Invoice|LineItem|Mail|NextDocument|PatchSettings|Payable|PaymentTerm|Product|Quote|Receivable|ResponseItem"
    r"|Role|Settings|Tag|Unit|VatRate|Webhook)"
)
# Path prefixes of the operations remit implements or is about to.
PATH_ROOTS = re.compile(
    r"^/(approval_policies|approval_requests|auth|bank_accounts|counterparts|custom_vat_rates|entities|entity_users"
    r"|events|files|measure_units|payables|payment_terms|products|receivables|roles|tags|vat_rates"
    r"|webhook_deliveries|webhook_subscriptions)(/|$)"
)
PROSE = frozenset({"description", "example", "examples", "title", "summary"})
METHODS = ("get", "post", "put", "patch", "delete")


def strip(node: Any) -> Any:
    """``node`` without prose keys; ``properties`` keeps every field name, whatever it is called."""
    if isinstance(node, list):
        return [strip(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "properties":
            out[key] = {name: strip(schema) for name, schema in value.items()}
        elif key not in PROSE:
            out[key] = strip(value)
    return out


def refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                found.add(value.rsplit("/", 1)[-1])
            else:
                found |= refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= refs(item)
    return found


def _schema_of(content: dict[str, Any] | None) -> Any:
    media = (content or {}).get("application/json") or next(iter((content or {}).values()), None)
    return strip(media["schema"]) if media and "schema" in media else None


def operations(document: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, item in sorted(document["paths"].items()):
        if not PATH_ROOTS.match(path):
            continue
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = {code: _schema_of(response.get("content")) for code, response in operation["responses"].items()}
            out[f"{method.upper()} {path}"] = {
                "operation_id": operation.get("operationId"),
                "success": sorted(code for code in responses if code.startswith("2")),
                "parameters": sorted(
                    f"{param['in']}:{param['name']}" for param in operation.get("parameters", []) if "name" in param
                ),
                "request": _schema_of((operation.get("requestBody") or {}).get("content")),
                "responses": responses,
            }
    return out


def extract(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document["components"]["schemas"]
    ops = operations(document)
    wanted = {name for name in schemas if SCHEMA_ROOTS.match(name) or "enum" in schemas[name]} | refs(ops)
    kept: set[str] = set()
    while wanted:
        name = wanted.pop()
        if name in kept:
            continue
        kept.add(name)
        wanted |= refs(schemas[name]) - kept
    return {
        "generated_by": "scripts/extract_monite_contract.py",
        "source": f"{document['info']['title']} OpenAPI document, version {document['info']['version']}",
        "version": document["info"]["version"],
        "operations": ops,
        "schemas": {name: strip(schemas[name]) for name in sorted(kept)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("document", type=Path, help="Monite's OpenAPI document (JSON)")
    parser.add_argument("--output-dir", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    document = json.loads(args.document.read_text())
    contract = extract(document)
    target = args.output_dir / f"monite-{contract['version']}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(contract, indent=1, sort_keys=False) + "\n")
    print(f"{target}: {len(contract['schemas'])} schemas, {len(contract['operations'])} operations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
