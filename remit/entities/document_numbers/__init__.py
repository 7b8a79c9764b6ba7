"""Document numbers (``document_id``) of invoices, quotes, credit notes, delivery notes and
purchase orders: one gap-free sequence per entity and document type.

``draw(session, entity_id, document_type, issued_at)`` allocates and formats the next number in
the caller's transaction; the entity settings endpoints set and report the next numbers.
"""

from remit.entities.document_numbers.models import DocumentCounter, DocumentType
from remit.entities.document_numbers.service import draw, format_document_id, next_numbers, set_next_numbers

__all__ = ["DocumentCounter", "DocumentType", "draw", "format_document_id", "next_numbers", "set_next_numbers"]
