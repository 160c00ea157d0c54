"""The user guide (docs/): every section of the panel's menus has a page linked from the index,
every screenshot a page embeds exists, and no page links to a missing file or anchor.

A new section (an ``AppPanel`` section in some ``<app>/panel.py``) without a guide page fails
here: add docs/<page>.md starting ``<!-- sections: <key> -->`` and link it from docs/README.md.
"""

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from accounts import registry

DOCS = Path(__file__).resolve().parents[1] / "docs"
INDEX = DOCS / "README.md"
README = DOCS.parent / "README.md"
# [text](target) and ![alt](target), the target up to a space or the closing parenthesis.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)\)")
SECTIONS = re.compile(r"<!--\s*sections:([^>]*)-->")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.MULTILINE)


def pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


def local_links(page: Path) -> list[str]:
    """The page's links to files of the repository (not http:, mailto: …), code spans left out."""
    text = re.sub(r"`[^`]*`", "", page.read_text(encoding="utf-8"))
    return [t for t in LINK.findall(text) if not re.match(r"^[a-z][a-z0-9+.-]*:", t)]


def linked_pages(page: Path) -> set[Path]:
    found = set()
    for target in local_links(page):
        path = target.split("#", 1)[0]
        if path.endswith(".md"):
            found.add((page.parent / unquote(path)).resolve())
    return found


def sections_documented(page: Path) -> set[str]:
    match = SECTIONS.search(page.read_text(encoding="utf-8"))
    return set(match[1].split()) if match else set()


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes."""
    found = set()
    for title in HEADING.findall(page.read_text(encoding="utf-8")):
        slug = re.sub(r"[^\w\- ]", "", title.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def test_every_menu_section_has_a_guide_page_linked_from_the_index():
    linked = linked_pages(INDEX)
    covered = {key for page in linked if page.exists() for key in sections_documented(page)}
    missing = [f"{s.key} ({s.label})" for s in registry.sections().values() if s.key not in covered]
    assert not missing, (
        f"sections without a guide page: {missing}. Add docs/<page>.md starting with "
        "`<!-- sections: <key> -->` and link it from docs/README.md."
    )


def test_every_guide_page_is_linked_from_the_index():
    linked = linked_pages(INDEX)
    orphans = [p.name for p in pages() if p != INDEX and p.resolve() not in linked]
    assert not orphans, f"guide pages docs/README.md does not link: {orphans}"


def test_section_keys_named_by_the_pages_exist():
    known = set(registry.sections())
    unknown = {p.name: sections_documented(p) - known for p in pages()}
    assert not {name: keys for name, keys in unknown.items() if keys}


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.name)
def test_no_link_points_at_a_missing_file_or_heading(page):
    broken = []
    for target in local_links(page):
        path, _, anchor = target.partition("#")
        file = (page.parent / unquote(path)).resolve() if path else page
        if not file.exists() or (anchor and file.suffix == ".md" and anchor not in anchors(file)):
            broken.append(target)
    assert not broken, f"{page.name} links to missing files or headings: {broken}"


@pytest.mark.parametrize("page", pages(), ids=lambda p: p.name)
def test_every_embedded_screenshot_exists_and_has_a_description(page):
    text = re.sub(r"`[^`]*`", "", page.read_text(encoding="utf-8"))
    images = IMAGE.findall(text)
    missing = [src for _, src in images if not (page.parent / src).is_file()]
    assert not missing, f"{page.name} embeds missing images (run `make docs`): {missing}"
    assert all(alt.strip() for alt, _ in images), f"{page.name}: an image without alt text"
    for _, src in images:
        assert src.startswith("screenshots/") and src.endswith(".png"), src


def test_screenshots_are_viewport_sized_pngs():
    """`make docs` saves the viewport (1280×800), not a tall full page."""
    for png in (DOCS / "screenshots").glob("*.png"):
        header = png.read_bytes()[:24]
        assert header[:8] == b"\x89PNG\r\n\x1a\n", png.name
        width, height = int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
        assert (width, height) == (1280, 800), f"{png.name} is {width}×{height}"


def test_the_readme_links_the_user_guide_and_make_docs():
    text = README.read_text(encoding="utf-8")
    assert "](docs/README.md)" in text, "README.md: link the user guide (docs/README.md)"
    assert "make docs" in text


def test_every_screenshot_is_embedded_by_a_page():
    """A picture no page shows any more is left over: delete it (make docs will not)."""
    embedded = {
        (page.parent / src).resolve()
        for page in pages()
        for _, src in IMAGE.findall(page.read_text(encoding="utf-8"))
    }
    unused = [p.name for p in (DOCS / "screenshots").glob("*.png") if p.resolve() not in embedded]
    assert not unused, f"screenshots no guide page embeds: {unused}"
