"""Helpers of the console's tests: signing in, CSRF tokens of console pages, form posts."""

from __future__ import annotations

import html as entities
import re

ORGANISER = "maria.rossi"
PASSPHRASE = "violet kettle drums at midnight"  # long and uncommon: the policy accepts it
CONSOLE_PAGES = (
    "/admin/dashboard",
    "/admin/counts.csv",
    "/admin/reports.csv",
    "/admin/recipients",
    "/admin/recipients/new",
    "/admin/recipients/it-interior/edit",
    "/admin/recipients/it-interior/duplicate",
    "/admin/recipients/it-interior/delete",
    "/admin/recipients.csv",
    "/admin/recipients.vcf",
    "/admin/import",
    "/admin/letters",
    "/admin/letters/it",
    "/admin/letters/ru/subjects",
    "/admin/letters/en/asks",
    "/admin/campaign",
    "/admin/history",
    "/admin/history/letter.en.txt",
)


def token_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def hidden(html: str, name: str) -> str:
    """The value of a hidden field in a page."""
    match = re.search(rf'<input type="hidden" name="{re.escape(name)}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def sign_in(client, name: str = ORGANISER, password: str = PASSPHRASE, path: str = "/admin"):
    """POST the sign-in form with a fresh CSRF token."""
    html = client.get("/admin").get_data(as_text=True)
    data = {"csrf_token": token_of(html), "name": name, "password": password}
    return client.post(path, data=data)


def form_of(client, path: str) -> tuple[dict, str]:
    """The CSRF token and version of the form on `path`, and the page."""
    html = client.get(path).get_data(as_text=True)
    data = {"csrf_token": token_of(html)}
    if 'name="version"' in html:
        data["version"] = hidden(html, "version")
    return data, html


def field_values(html: str) -> dict[str, str]:
    """The values of a form's inputs, selects and textareas, as a browser would send them."""
    values = {}
    inputs = r'<input id="([^"]+)" name="[^"]+" type="(?:text|date|search|url)" value="([^"]*)"'
    for name, value in re.findall(inputs, html):
        values[name] = entities.unescape(value)
    for name, value in re.findall(r'<textarea id="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        values[name] = entities.unescape(value)
    for name, body in re.findall(r'<select id="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        values[name] = chosen.group(1) if chosen else ""
    return values
