"""CRM.COM v4 compatibility: ``invoices/reject`` and the rejection-reason list (spec 60 §3)."""
