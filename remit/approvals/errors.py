from __future__ import annotations

import uuid

from remit.core.errors import BadRequest, Conflict, Forbidden, NotFound


class PolicyNotFound(NotFound):
    def __init__(self, policy_id: uuid.UUID | str):
        super().__init__(f"Approval policy with ID {policy_id} not found.")


class ProcessNotFound(NotFound):
    def __init__(self, process_id: uuid.UUID | str):
        super().__init__(f"Approval policy process with ID {process_id} not found.")


class RequestNotFound(NotFound):
    def __init__(self, request_id: uuid.UUID | str):
        super().__init__(f"Approval request with ID {request_id} not found.")


class ScriptValidationError(BadRequest):
    def __init__(self, errors: str):
        super().__init__(f"Script validation error: {errors}.")


class OnlyEntityUsersDecide(Forbidden):
    message = "Approval requests can only be approved or rejected by an entity user"


class NotEligible(Forbidden):
    message = "The user is not allowed to act on this approval request"


class AlreadyApproved(Conflict):
    message = "The user has already approved this approval request"


class UnsupportedObjectType(BadRequest):
    message = "Approval requests are only supported for object type payable"
