"""Receivable mails leave the building: the transports (``transport``) and the background loop
that delivers recorded mails with the document's PDF attached (``delivery``); docs/documents.md."""
