"""The failures the entity bank accounts domain names."""

from __future__ import annotations

from remit.core.errors import FieldError, NotFound


class EntityBankAccountNotFound(NotFound):
    message = "Bank account not found"


class MissingAccountDetails(FieldError):
    """An account without the details its currency needs to be paid into: one located 422 error
    per missing field (or one at the body when several combinations would do)."""

    def __init__(self, fields: list[str], msg: str):
        super().__init__(("body", fields[0]) if fields else ("body",), msg)
        self.errors.extend({"loc": ["body", name], "msg": msg, "type": "value_error"} for name in fields[1:])
