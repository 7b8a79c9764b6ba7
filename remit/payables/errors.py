"""Every failure the payables domain names (docs/payables.md, "Errors")."""

from __future__ import annotations

import uuid

from remit.core.errors import BadRequest, Conflict, NotFound


class PayableNotFound(NotFound):
    def __init__(self, payable_id: uuid.UUID | str | None = None):
        super().__init__(f"Payable with ID {payable_id} not found." if payable_id else "Payable not found.")


class LineItemNotFound(NotFound):
    def __init__(self, line_item_id: uuid.UUID | str):
        super().__init__(f"Line item with ID {line_item_id} not found.")


class InvalidPayableTransition(Conflict):
    """An action or edit the payable's current status does not allow."""

    def __init__(self, action: str | None = None, status: str | None = None):
        super().__init__("Payable couldn't be updated due to current state")
        self.action, self.status = action, status


class PayableNotEditable(InvalidPayableTransition):
    pass


class NoTotalAmount(Conflict):
    message = "Payable has no total amount"


class AmountOutOfBounds(BadRequest):
    pass


class AmountsFromLineItems(BadRequest):
    message = "Amounts are calculated from line items and cannot be set directly"


class FileAlreadyAttached(Conflict):
    message = (
        "The file cannot be attached because another file is already attached. "
        "Please note that only one file attachment is allowed."
    )


class UploadRejected(Conflict):
    message = "Error uploading the file. Check the upload limitations."


class OcrNotCancelable(Conflict):
    message = "OCR processing cannot be canceled because it is not in progress"


class NoSuggestions(NotFound):
    message = "No suggestions found for this payable"
