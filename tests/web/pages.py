"""Helpers of the web tests: the supporter's details, CSRF tokens, and reading pages."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.builders import OFFICE_IDS

# Two offices get an e-mail address in the test copy of the directory (the bundled one has none):
# kz-nsc-atyrau's English letter fits a mailto link, it-foreign-affairs' Italian one does not.
EMAILS = {"kz-nsc-atyrau": "nsc-atyrau@example.org", "it-foreign-affairs": "mfa@example.org"}

SENDER = {
    "name": "Maria Rossi",
    "street": "Via Roma 1",
    "postcode": "20100",
    "city": "Milano",
    "country": "IT",
    "email": "maria@example.org",
    "note": "I teach history in Milan.",
}


def csrf_token(client, path: str = "/write") -> str:
    """The CSRF token of the form on `path` (the session cookie stays in the client)."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def write_data(client, **changes) -> dict:
    """The form data of a valid POST /write to every office, with `changes` applied."""
    data = {
        "csrf_token": csrf_token(client),
        **SENDER,
        "offices": list(OFFICE_IDS),
        "language": "auto",
    }
    data.update(changes)
    return data


class Element:
    """One element of a page: its tag, attributes and text content."""

    def __init__(self, tag: str, attrs: dict):
        self.tag, self.attrs, self.text = tag, attrs, ""

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>{self.text[:60]}"


class Page(HTMLParser):
    """A parsed HTML page, queried by tag and attributes (no third-party parser needed)."""

    VOID = frozenset({"input", "meta", "link", "br", "img", "hr", "source", "wbr", "area", "col"})

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        for element in self._open:
            element.text += data

    def all(self, tag: str | None = None, **attrs) -> list[Element]:
        """Elements with this tag (any when None) whose attributes equal `attrs` (_ for -)."""
        wanted = {name.rstrip("_").replace("_", "-"): value for name, value in attrs.items()}
        return [
            element
            for element in self.elements
            if (tag is None or element.tag == tag)
            and all(element.attrs.get(name) == value for name, value in wanted.items())
        ]

    def one(self, tag: str | None = None, **attrs) -> Element:
        """The only element that matches."""
        found = self.all(tag, **attrs)
        assert len(found) == 1, f"{len(found)} elements match {tag} {attrs}"
        return found[0]


def page(response) -> Page:
    """The response's HTML, parsed."""
    return Page(response.get_data(as_text=True))
