"""Pages a keyboard and a screen reader can use, that load nothing from anywhere else."""

from __future__ import annotations

import pytest

from tests.web.pages import page, write_data

LOADING = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src"}


def pages(client) -> dict[str, object]:
    """Every kind of page of the journey, parsed."""
    return {
        "campaign": page(client.get("/")),
        "write": page(client.get("/write")),
        "write with errors": page(client.post("/write", data=write_data(client, name=""))),
        "preview": page(client.post("/write", data=write_data(client))),
        "thanks": page(client.get("/thanks?n=1")),
        "404": page(client.get("/missing")),
    }


@pytest.fixture
def every_page(client):
    return pages(client)


def test_landmarks_and_skip_link(every_page):
    for name, html in every_page.items():
        assert html.one("header", class_="site-header"), name
        assert html.one("nav").attrs["aria-label"], name
        assert html.one("main", id="main"), name
        assert html.one("footer"), name
        first_link = html.all("a")[0]
        assert first_link.attrs["href"] == "#main" and "skip" in first_link.attrs["class"], name
        assert len(html.all("h1")) == 1, name
        assert html.one("html").attrs["lang"] in ("en", "it", "ru")


def test_every_field_has_a_label(every_page):
    for name, html in every_page.items():
        labelled = {label.attrs.get("for") for label in html.all("label")}
        fields = (
            html.all("textarea")
            + html.all("select")
            + [field for field in html.all("input") if field.attrs.get("type") != "hidden"]
        )
        for field in fields:
            assert field.attrs.get("id") in labelled, f"{name}: {field}"


def test_groups_of_choices_are_fieldsets_with_legends(every_page):
    html = every_page["write"]
    legends = [" ".join(legend.text.split()) for legend in html.all("legend")]
    assert "Offices to write to" in legends and "Letter language" in legends
    preview = every_page["preview"]
    assert len(preview.all("fieldset", class_="sent-choices")) == 8


def test_errors_are_tied_to_their_fields(every_page):
    html = every_page["write with errors"]
    summary = html.one(id="error-summary")
    assert summary.attrs["role"] == "alert" and summary.attrs["tabindex"] == "-1"
    field = html.one("input", name="name")
    assert "name-error" in field.attrs["aria-describedby"].split()


def test_no_inline_script_or_style(every_page):
    for name, html in every_page.items():
        assert all(script.attrs.get("src") for script in html.all("script")), name
        assert not html.all("style"), name
        for element in html.elements:
            assert "style" not in element.attrs, f"{name}: {element}"
            assert not any(attr.startswith("on") for attr in element.attrs), f"{name}: {element}"


def test_nothing_is_loaded_from_another_site(every_page):
    for name, html in every_page.items():
        for tag, attribute in LOADING.items():
            for element in html.all(tag):
                url = element.attrs.get(attribute, "")
                assert url.startswith("/") and not url.startswith("//"), f"{name}: {element}"


def test_webmail_links_open_without_referrer(every_page):
    for link in every_page["preview"].all("a", class_="button webmail-link"):
        assert link.attrs["rel"] == "noopener noreferrer"
        assert link.attrs["href"].startswith("https://")
