"""The two exceptions the policy language lets escape (docs/approvals-script.md, "Errors")."""

from __future__ import annotations


class ScriptError(Exception):
    """A trigger or script that cannot be accepted (write time). Every entry names its location."""

    def __init__(self, errors: list[str] | str) -> None:
        errors = [errors] if isinstance(errors, str) else list(errors)
        self.errors: list[str] = errors
        super().__init__("; ".join(errors))

    def __str__(self) -> str:
        return "; ".join(self.errors)


class EvaluationError(Exception):
    """A problem found while evaluating, at run time (docs/approvals-script.md, "Errors").
    ``str(exc)`` is the message alone."""

    def __init__(self, message: str, location: str | None = None) -> None:
        self.message = message
        self.location = location
        super().__init__(message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"EvaluationError({self.message!r}, location={self.location!r})"
