"""A receivable's documents: the PDF each revision renders to (HTML templates in ``templates/``,
WeasyPrint, PDF/A-3b), the EN 16931 e-invoice embedded in it (Factur-X / ZUGFeRD), and the signed,
expiring links that serve them outside ``/v1`` (docs/documents.md)."""
