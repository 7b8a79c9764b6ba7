"""The docs pages: the state diagram of the payable transition table, and every pointer the code
makes into them.

A comment or docstring that explains a rule points at the section of ``docs/`` that states it, as
``docs/<page>.md, "<Heading>"`` (several headings of one page: ``docs/<page>.md, "<A>", "<B>"``).
These tests check that each pointer names an existing page and heading, that links between the
docs pages land on a heading, and that nothing points at documents the repository does not hold.
"""

import re
from pathlib import Path

import pytest

from remit.payables.lifecycle import mermaid

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SOURCES = ("remit", "tests", "bench", "scripts")

# ``docs/payables.md``, optionally followed by one or more quoted headings of that page.
POINTER = re.compile(r'docs/([\w.-]+\.md)((?:, "[^"\n]+")*)')
# A pointer cut at the end of a line would escape the check above.
BROKEN_POINTER = re.compile(r'docs/[\w.-]+\.md,\s*$', re.MULTILINE)
# Markdown links between the docs pages: ``[text](page.md#anchor)`` or ``[text](#anchor)``.
LINK = re.compile(r"\]\(((?:[\w.-]+\.md)?)#([^)\s]+)\)")
# Citations of documents that live outside the repository (written so this file does not match).
FOREIGN = re.compile("|".join([r"\bspec [0-9]{2}\b", "\u00a7", r"\bseeds? 0[0-9]{2}\b", r"STYLE\.md", "shared[/]"]),
                     re.IGNORECASE)


def test_payables_page_has_the_current_state_diagram():
    page = (DOCS / "payables.md").read_text()
    assert f"```mermaid\n{mermaid()}\n```" in page


def test_receivables_page_has_the_current_state_diagrams():
    from remit.receivables.lifecycle import ReceivableType
    from remit.receivables.lifecycle import mermaid as receivable_mermaid

    page = (DOCS / "receivables.md").read_text()
    for kind in ReceivableType:
        assert f"```mermaid\n{receivable_mermaid(kind)}\n```" in page, kind


def headings(page: Path) -> list[str]:
    """The page's headings, outside fenced code blocks."""
    found, fenced = [], False
    for line in page.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (match := re.match(r"#{1,6} (.+)", line)):
            found.append(match.group(1).strip())
    return found


def titles(heading: str) -> set[str]:
    """What a pointer may call a heading: all of it, or its name before a ``—`` or code tail
    ("Counterparts — `/v1/counterparts`" is "Counterparts", 'Evaluated strings `"{…}"`' is
    "Evaluated strings")."""
    names = {heading}
    for tail in (" — ", " `"):
        if tail in heading:
            names.add(heading.split(tail, 1)[0].strip())
    return names


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces made hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def source_files() -> list[Path]:
    files = []
    for folder in SOURCES:
        files += [p for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".md") and p.is_file()]
    return sorted(files)


def pointers() -> list[tuple[str, str, list[str]]]:
    """(where, page, headings) of every pointer in the sources."""
    found = []
    for path in source_files():
        text = path.read_text()
        for match in POINTER.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            named = re.findall(r'"([^"\n]+)"', match.group(2))
            found.append((f"{path.relative_to(ROOT)}:{line}", match.group(1), named))
    return found


POINTERS = pointers()


def test_the_sources_point_into_the_docs():
    assert len(POINTERS) > 100


@pytest.mark.parametrize(("where", "page", "named"), POINTERS, ids=[where for where, _, _ in POINTERS])
def test_every_pointer_lands_on_a_heading(where, page, named):
    path = DOCS / page
    assert path.is_file(), f"{where}: docs/{page} does not exist"
    known = set().union(*(titles(h) for h in headings(path)))
    for heading in named:
        assert heading in known, f'{where}: docs/{page} has no heading "{heading}"'


def test_no_pointer_is_cut_at_a_line_end():
    cut = [f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}"
           for path in source_files() for text in [path.read_text()] for m in BROKEN_POINTER.finditer(text)]
    assert cut == [], "keep a pointer and its headings on one line"


def test_links_between_docs_pages_land_on_a_heading():
    anchors = {page.name: {anchor(h) for h in headings(page)} for page in DOCS.glob("*.md")}
    broken = []
    for page in sorted(DOCS.glob("*.md")):
        for target, fragment in LINK.findall(page.read_text()):
            if fragment not in anchors.get(target or page.name, set()):
                broken.append(f"{page.name}: {target or page.name}#{fragment}")
    assert broken == []


def test_nothing_cites_documents_outside_the_repository():
    paths = [*source_files(), *DOCS.glob("*.md"), ROOT / "README.md", ROOT / "CONTRIBUTING.md"]
    cited = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
             for path in paths for n, line in enumerate(path.read_text().splitlines(), 1) if FOREIGN.search(line)]
    assert cited == []
