"""The console's colours keep text readable: every text/background pair the stylesheet uses has at
least WCAG AA contrast (4.5:1) — and the stylesheet loads nothing from elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from remit.console import pages

CSS = (Path(pages.__file__).parent / "static" / "console.css").read_text()
VARIABLES = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", CSS))

# (text, background) as the stylesheet pairs them; var names or literal colours.
PAIRS = [
    ("ink", "bg"), ("ink", "card"), ("muted", "bg"), ("muted", "card"), ("brand", "card"),
    ("warn-ink", "warn-bg"), ("info-ink", "info-bg"), ("ok-ink", "ok-bg"), ("bad-ink", "bad-bg"), ("ink", "grey-bg"),
    ("#ffffff", "#14213d"), ("#8fb3ff", "#14213d"),  # the header
    ("#ffffff", "#17663a"), ("#a12626", "card"), ("#ffffff", "#a12626"),  # approve, reject, confirm reject
]


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _colour(name: str) -> str:
    return name if name.startswith("#") else VARIABLES[name]


@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_contrast_meets_wcag_aa(text: str, background: str) -> None:
    a, b = sorted((_luminance(_colour(text)), _luminance(_colour(background))), reverse=True)
    assert (a + 0.05) / (b + 0.05) >= 4.5


def test_literal_colours_are_the_ones_checked() -> None:
    checked = {_colour(name) for pair in PAIRS for name in pair} | set(VARIABLES.values())
    used = set(re.findall(r"#[0-9a-f]{6}", CSS))
    # Borders and the focus ring are not text; everything else must be in PAIRS.
    assert used - checked <= {"#d9dee5", "#8793a3", "#ffbf47", "#0f4f2c", "#1f4fbf"}


def test_nothing_from_another_origin() -> None:
    assert "http" not in CSS and "@import" not in CSS
    templates = (Path(pages.__file__).parent / "templates")
    for template in templates.glob("*.html"):
        assert not re.search(r'(src|href)="(https?:)?//', template.read_text()), template.name
