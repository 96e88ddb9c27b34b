"""Every relative link in README.md and docs/*.md reaches a file that exists, and every
`#anchor` a heading of that file, as GitHub slugs headings (lower case, punctuation dropped,
spaces to hyphens, a repeated heading numbered -1, -2...). Links to the web are not followed."""

import re
from collections import Counter
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
# [text](target) and ![alt](target), not inside code spans or fenced blocks.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")


def outside_fences(text: str) -> list[str]:
    """The lines outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def slug(heading: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link's text only
    text = text.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)  # GitHub keeps letters, digits, _, - and spaces
    return text.replace(" ", "-")


def anchors(document: Path) -> set[str]:
    seen: Counter[str] = Counter()
    found = set()
    for line in outside_fences(document.read_text()):
        if match := HEADING.match(line):
            base = slug(match.group(2))
            found.add(f"{base}-{seen[base]}" if seen[base] else base)
            seen[base] += 1
    return found


def links(document: Path) -> list[str]:
    """Relative link targets, code spans left out."""
    return [
        target
        for line in outside_fences(document.read_text())
        for target in LINK.findall(re.sub(r"`[^`]*`", "", line))
        if not re.match(r"^[a-z]+:", target)  # http:, https:, mailto:
    ]


def test_the_documents_have_relative_links_to_check():
    assert sum(len(links(document)) for document in DOCUMENTS) >= 10


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: path.name)
def test_relative_links_and_anchors_resolve(document):
    broken = []
    for target in links(document):
        path, _, anchor = target.partition("#")
        destination = (document.parent / path).resolve() if path else document
        if not destination.exists():
            broken.append(f"{target}: no file {destination.relative_to(REPO_ROOT)}")
        elif anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading #{anchor}")
    assert not broken, "\n".join(broken)


def test_the_slugs_follow_github():
    assert slug("The cost of observability (2026-12-02)") == "the-cost-of-observability-2026-12-02"
    assert slug("Notifications: releases and GitOps failures in chat") == (
        "notifications-releases-and-gitops-failures-in-chat"
    )
    assert slug("The app's database role") == "the-apps-database-role"
    assert slug("`make bench` figures") == "make-bench-figures"
