"""CRM.COM v4 compatibility: ``invoices/reject`` and the rejection-reason list (docs/compat-crm.md)."""
