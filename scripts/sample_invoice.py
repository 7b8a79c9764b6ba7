#!/usr/bin/env python
"""Render the sample invoice of docs/documents.md and a PNG of its first page.

    python scripts/sample_invoice.py [--language en] [--out docs/images/sample-invoice]

Writes ``<out>.pdf`` (a Factur-X PDF/A-3b with its EN 16931 XML, through the same pipeline remit
serves) and ``<out>.png`` (its first page at 80 dpi, by ``pdftoppm`` from poppler-utils:
``apt-get install -y poppler-utils``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from remit.receivables.documents import einvoice, render, view

ROOT = Path(__file__).resolve().parent.parent

LINES = [  # (name, description, quantity, unit, unit price in cents, VAT in basis points)
    ("Consulting hour", "Architecture review, December", 12, "h", 12_000, 1900),
    ("Workshop day", "On-site, two trainers", 2, "day", 95_000, 1900),
    ("Travel costs", None, 1, None, 18_450, 1900),
    ("Handbook \"Invoicing in the EU\"", "Printed edition", 5, "pcs", 2_990, 700),
    ("Support plan", "January to March", 3, "month", 29_900, 1900),
]


def sample() -> dict[str, Any]:
    """An issued invoice's wire body, with the totals remit computes for it (exclusive VAT)."""
    items, groups = [], {}
    for name, description, quantity, unit, price, rate in LINES:
        net = quantity * price
        items.append({"quantity": quantity, "total_before_vat": net, "product": {
            "name": name, "description": description, "price": {"currency": "EUR", "value": price},
            "vat_rate": {"value": rate}, "measure_unit": {"name": unit} if unit else None}})
        groups.setdefault(rate, 0)
        groups[rate] += net
    vat = {rate: (net * rate + 5_000) // 10_000 for rate, net in groups.items()}
    subtotal, total_vat = sum(groups.values()), sum(vat.values())
    return {
        "type": "invoice", "status": "issued", "currency": "EUR", "document_id": "INV-00042",
        "issue_date": datetime(2026, 12, 7, tzinfo=UTC), "due_date": "2027-01-06",
        "fulfillment_date": "2026-12-04", "purchase_order": "PO-7731",
        "entity": {"name": "Acme Consulting GmbH", "email": "billing@acme.example", "phone": "+49 30 1234567",
                   "website": "https://acme.example", "tax_id": "27/123/45678",
                   "registration_authority": "Amtsgericht Charlottenburg", "registration_number": "HRB 123456"},
        "entity_address": {"line1": "Friedrichstraße 1", "city": "Berlin", "postal_code": "10117", "country": "DE"},
        "entity_vat_id": {"value": "DE123456789"}, "counterpart_name": "Customer GmbH",
        "counterpart_vat_id": {"value": "DE987654321"},
        "counterpart_billing_address": {"line1": "Unter den Linden 2", "city": "Berlin", "postal_code": "10117",
                                        "country": "DE"},
        "entity_bank_account": {"iban": "DE89370400440532013000", "bic": "COBADEFFXXX",
                                "account_holder_name": "Acme Consulting GmbH", "bank_name": "Commerzbank"},
        "line_items": items, "subtotal": subtotal,
        "total_vat_amounts": [{"value": rate, "taxable_amount": groups[rate], "amount": vat[rate]} for rate in groups],
        "total_vat_amount": total_vat, "total_amount": subtotal + total_vat, "amount_paid": 0,
        "amount_due": subtotal + total_vat, "total_amount_with_credit_notes": subtotal + total_vat,
        "payment_terms": {"name": "2/10 net 30", "term_1": {"number_of_days": 10, "discount": 200},
                          "term_final": {"number_of_days": 30}},
        "memo": "Thank you for your order. As agreed, this invoice covers the December engagement.",
        "footer": "Please quote the invoice number with your payment.",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--language", default="en")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "sample-invoice")
    args = parser.parse_args()
    body = sample()
    shown = view.build(body, language=args.language, settings={}, logo=None)
    pdf = render.pdf(shown, title=f"{shown.data['title']} {body['document_id']}", xml=einvoice.build(body))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    pdf_path = args.out.with_suffix(".pdf")
    pdf_path.write_bytes(pdf)
    if shutil.which("pdftoppm") is None:
        sys.exit(f"wrote {pdf_path}; the PNG needs pdftoppm (apt-get install -y poppler-utils)")
    subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf_path),
                    str(args.out)], check=True)
    print(f"wrote {pdf_path} and {args.out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
