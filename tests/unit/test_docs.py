"""docs/payables.md shows the state diagram of the transition table it documents."""

from pathlib import Path

from remit.payables.lifecycle import mermaid

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_payables_page_has_the_current_state_diagram():
    page = (DOCS / "payables.md").read_text()
    assert f"```mermaid\n{mermaid()}\n```" in page


def test_receivables_page_has_the_current_state_diagrams():
    from remit.receivables.lifecycle import ReceivableType
    from remit.receivables.lifecycle import mermaid as receivable_mermaid

    page = (DOCS / "receivables.md").read_text()
    for kind in ReceivableType:
        assert f"```mermaid\n{receivable_mermaid(kind)}\n```" in page, kind
