"""The worked examples (docs/approvals-script.md, "Worked examples") as data, with placeholder
UUIDs, shared by the script tests."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

from remit.approvals.script import Environment

U_ANNA = "0a0a0a0a-0000-4000-8000-00000000a001"
U_BEN = "0b0b0b0b-0000-4000-8000-00000000b002"
U_CLARA = "0c0c0c0c-0000-4000-8000-00000000c003"
U_DAN = "0d0d0d0d-0000-4000-8000-00000000d004"
R_FIN = "0f0f0f0f-0000-4000-8000-00000000f005"
T_MKT = "07070707-0000-4000-8000-000000007006"
C_ACME = "0c4c4c4c-0000-4000-8000-00000000c007"
C_OTHER = "0c5c5c5c-0000-4000-8000-00000000c008"
USERS = {U_ANNA, U_BEN, U_CLARA, U_DAN}
ROLES = {R_FIN}

EVENT = "{event_name == 'submitted_for_approval'}"


def users_gate(user_ids: list[str], count: int) -> dict[str, Any]:
    return {"call": "ApprovalRequests.request_approval_by_users",
            "params": {"user_ids": list(user_ids), "required_approval_count": count}}


def roles_gate(role_ids: list[str], count: int) -> dict[str, Any]:
    return {"call": "ApprovalRequests.request_approval_by_roles",
            "params": {"role_ids": list(role_ids), "required_approval_count": count}}


APPROVE = "{Payables.approve(invoice.id)}"
REJECT = "{Payables.reject(invoice.id)}"

EXAMPLE_1 = {
    "trigger": {"all": [
        EVENT,
        {"operator": ">=", "left_operand": {"name": "invoice.amount"}, "right_operand": 50000},
        {"operator": "==", "left_operand": {"name": "invoice.currency"}, "right_operand": "EUR"},
    ]},
    "script": [{
        "if": {"run_concurrently": False, "all": [users_gate([U_BEN], 1)]},
        "then": [APPROVE],
        "else": [REJECT],
    }],
}

EXAMPLE_2 = {
    "trigger": {"all": [EVENT, "{invoice.amount >= 50000}"]},
    "script": [users_gate([U_ANNA, U_BEN, U_CLARA], 2)],
}

EXAMPLE_3 = {
    "trigger": {"all": [EVENT, {"operator": "in", "left_operand": {"name": "invoice.counterpart_id"},
                                "right_operand": [C_ACME]}]},
    "script": [{
        "if": {"run_concurrently": False, "all": [
            {"run_concurrently": False, "all": [users_gate([U_BEN], 1), users_gate([U_CLARA], 1)]},
        ]},
        "then": [APPROVE],
        "else": [REJECT],
    }],
}

EXAMPLE_4 = {
    "trigger": {"all": [EVENT, {"any": ["{'Marketing' in invoice.tags.name}", "{invoice.amount > 100000}"]}]},
    "script": [{
        "if": {"any": [users_gate([U_DAN], 1), roles_gate([R_FIN], 2)]},
        "then": [APPROVE],
        "else": [REJECT],
    }],
}

EXAMPLE_5 = {
    "trigger": {"all": [
        EVENT,
        "{invoice.currency in ['EUR', 'USD']}",
        {"operator": "<",
         "left_operand": {"call": "Currency.convert", "params": {
             "amount": "{invoice.amount}", "from_currency": "{invoice.currency}", "to_currency": "EUR"}},
         "right_operand": 20000},
    ]},
    "script": [{
        "if": {"all": [users_gate([U_ANNA, U_BEN], 2), roles_gate([R_FIN], 1)]},
        "then": [APPROVE, "{Payables.mark_as_paid(invoice.id, 'Marked from approval.')}"],
        "else": [REJECT],
    }],
}

# Example 6: three policies competing on priority (the choice itself is the database side's job).
EXAMPLE_6_TRIGGERS = {
    "A": {"all": [EVENT, "{invoice.amount > 100000}"]},   # "amount > 1000" EUR, in minor units
    "B": {"all": [EVENT, "{invoice.amount > 50000}"]},    # "amount > 500" EUR
    "C": {"all": [EVENT, "{'Marketing' in invoice.tags.name}"]},
}

EXAMPLES = {
    "example_1": EXAMPLE_1,
    "example_2": EXAMPLE_2,
    "example_3": EXAMPLE_3,
    "example_4": EXAMPLE_4,
    "example_5": EXAMPLE_5,
}


def invoice(**overrides: Any) -> dict[str, Any]:
    """A snapshot (docs/approvals-script.md, "Evaluation context") with sensible defaults."""
    data: dict[str, Any] = {
        "id": "9a9a9a9a-0000-4000-8000-000000009999",
        "amount": 75000,
        "total_amount": 75000,
        "currency": "EUR",
        "status": "approve_in_progress",
        "counterpart_id": C_ACME,
        "counterpart_name": "ACME GmbH",
        "counterpart": {"name": "ACME GmbH"},
        "tags": [],
        "line_items": [],
        "partner_metadata": {},
        "payable_origin": "upload",
        "issued_at": "2024-05-01",
        "due_date": "2024-06-01",
    }
    data.update(overrides)
    if "amount" in overrides and "total_amount" not in overrides:
        data["total_amount"] = overrides["amount"]
    return data


def marketing_tag() -> dict[str, Any]:
    return {"id": T_MKT, "name": "Marketing", "category": "department", "description": None}


def rates(**pairs: str) -> Any:
    """A converter in the shape of ``Environment.convert``: ``rates(USD_EUR="0.9")``."""
    table = {tuple(k.split("_")): Decimal(v) for k, v in pairs.items()}

    def convert(amount: int, source: str, target: str) -> int:
        if (source, target) not in table:
            raise LookupError(f"No exchange rate from {source} to {target}")
        return int((Decimal(amount) * table[(source, target)]).to_integral_value())

    return convert


def env(inv: dict[str, Any] | None = None, convert: Any = None, **overrides: Any) -> Environment:
    return Environment(context={"event_name": "submitted_for_approval", "invoice": inv or invoice(**overrides)},
                       convert=convert)


def fresh(example: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(example)
