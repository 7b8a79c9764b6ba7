"""HTML → PDF: the package's templates (one per document kind) filled with a ``view.View``, laid
out by WeasyPrint as PDF/A-3b, and — for issued invoices and credit notes — the EN 16931 XML
embedded as Factur-X by the ``factur-x`` library, which checks it against the official XSD.

Rendering fetches nothing: the only resources a template may load are ``data:`` URIs (the logo is
inlined before rendering), so user text in a document can neither reach the network nor the
server's files. Templates are autoescaped: user text is text, never markup.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

import facturx
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from remit.receivables.documents.view import View

log = logging.getLogger("remit.documents")
PDF_VARIANT = "pdf/a-3b"


@cache
def environment() -> Environment:
    return Environment(loader=PackageLoader("remit.receivables.documents", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def html(view: View) -> str:
    return environment().get_template(f"{view.kind}.html").render(
        data=view.data, labels=view.labels, language=view.language)


@cache
def _fetcher() -> Any:
    """WeasyPrint's URL fetcher, for ``data:`` URIs only (no network, no local files)."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False)


def pdf(view: View, *, title: str, xml: bytes | None = None) -> bytes:
    """The PDF of ``view``; with ``xml``, a Factur-X PDF/A-3 carrying it as ``factur-x.xml``."""
    from weasyprint import HTML

    rendered: bytes = HTML(string=html(view), url_fetcher=_fetcher()).write_pdf(
        pdf_variant=PDF_VARIANT, pdf_identifier=False, custom_metadata=False)
    if xml is None:
        return rendered
    metadata = {"author": view.data["seller"]["name"] or "remit", "keywords": "Factur-X, EN 16931",
                "title": title, "subject": title}
    embedded: bytes = facturx.generate_from_binary(rendered, xml, flavor="factur-x", level="en16931",
                                                   check_xsd=True, pdf_metadata=metadata, lang=view.language)
    return embedded
