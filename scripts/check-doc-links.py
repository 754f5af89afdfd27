#!/usr/bin/env python3
"""Fails when a page of the book links to a file or heading that does not exist, or when a
page exists that SUMMARY.md does not list. mdBook itself reports neither."""
import pathlib
import re
import sys

SRC = pathlib.Path(__file__).resolve().parent.parent / "docs" / "src"
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.*)$")


def slug(title: str) -> str:
    """mdBook's heading id: lower case, punctuation dropped, spaces to dashes."""
    title = re.sub(r"<[^>]+>", "", title).strip().lower()
    title = re.sub(r"[^\w\- ]", "", title)
    return title.replace(" ", "-")


def anchors(page: pathlib.Path) -> set:
    found, fenced = set(), False
    for line in page.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := HEADING.match(line)):
            found.add(slug(m.group(1)))
    return found


def main() -> int:
    errors = []
    pages = sorted(SRC.rglob("*.md"))
    summary = (SRC / "SUMMARY.md").read_text()
    listed = {SRC / target for target in LINK.findall(summary)}
    for page in pages:
        if page.name != "SUMMARY.md" and page not in listed:
            errors.append(f"{page.relative_to(SRC)}: not listed in SUMMARY.md")
        text, fenced = [], False
        for line in page.read_text().splitlines():
            if line.startswith("```"):
                fenced = not fenced
            elif not fenced:
                text.append(line)
        for target in LINK.findall("\n".join(text)):
            if re.match(r"^[a-z]+://", target) or target.startswith("mailto:"):
                continue
            path, _, anchor = target.partition("#")
            dest = (page.parent / path).resolve() if path else page
            if not dest.exists():
                errors.append(f"{page.relative_to(SRC)}: broken link to {target}")
            elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                errors.append(f"{page.relative_to(SRC)}: no heading #{anchor} in {path or page.name}")
    for error in errors:
        print(error, file=sys.stderr)
    print(f"checked {len(pages)} pages: {len(errors)} problem(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
