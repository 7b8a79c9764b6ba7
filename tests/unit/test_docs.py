"""docs/payables.md shows the state diagram of the transition table it documents."""

from pathlib import Path

from remit.payables.lifecycle import mermaid

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_payables_page_has_the_current_state_diagram():
    page = (DOCS / "payables.md").read_text()
    assert f"```mermaid\n{mermaid()}\n```" in page
