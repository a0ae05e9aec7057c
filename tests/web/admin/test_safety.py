"""The console under abuse: CSRF on every form, security headers, no cache, no traceback."""

from __future__ import annotations

import pytest

from tests.web.admin.helpers import CONSOLE_PAGES, form_of
from tests.web.public.test_abuse import assert_secure

POST_FORMS = (
    "/admin",
    "/admin/sign-out",
    "/admin/recipients/new",
    "/admin/recipients/it-interior/edit",
    "/admin/recipients/it-interior/duplicate",
    "/admin/recipients/it-interior/delete",
    "/admin/import",
    "/admin/import/confirm",
    "/admin/letters/en",
    "/admin/letters/en/preview",
    "/admin/letters/en/preview.pdf",
    "/admin/letters/en/subjects",
    "/admin/letters/en/asks",
    "/admin/campaign",
    "/admin/campaign/state",
    "/admin/history/letter.en.txt/restore",
)


def assert_not_cached(response) -> None:
    """The console's answers are never kept by a browser or a proxy."""
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", CONSOLE_PAGES)
def test_every_console_page_has_the_security_headers_and_is_not_cached(admin, path):
    response = admin.get(path)
    assert response.status_code in (200, 302), path
    assert_secure(response)
    assert_not_cached(response)


@pytest.mark.parametrize("path", ["/admin", "/admin/dashboard", "/admin/nothing-here"])
def test_the_same_without_a_session(client, path):
    response = client.get(path)
    assert_secure(response)
    assert_not_cached(response)


@pytest.mark.parametrize("path", POST_FORMS)
def test_every_form_needs_the_csrf_token(admin, recipients_file, templates_dir, path):
    before = (recipients_file.read_bytes(), (templates_dir / "letter.en.txt").read_bytes())
    response = admin.post(path, data={"source": "x", "state": "closed", "new_id": "it-copy"})
    assert response.status_code == 400
    assert "Go back, reload the page" in response.get_data(as_text=True)
    assert_secure(response)
    assert admin.get("/admin/dashboard").status_code == 200  # still signed in
    after = (recipients_file.read_bytes(), (templates_dir / "letter.en.txt").read_bytes())
    assert after == before


def test_a_cross_site_post_is_refused_even_with_the_token(admin):
    data, _ = form_of(admin, "/admin/campaign")
    response = admin.post(
        "/admin/campaign/state",
        data={**data, "state": "closed"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 400


def test_an_oversized_request_is_refused_in_the_page(admin):
    data, _ = form_of(admin, "/admin/letters/en")
    response = admin.post(
        "/admin/letters/en", data={**data, "source": "x" * (300 * 1024), "action": "save"}
    )
    assert response.status_code == 413
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "larger than this site accepts" in text


def test_an_unknown_console_page_is_a_friendly_404(admin):
    response = admin.get("/admin/nothing-here")
    assert response.status_code == 404
    assert "There is no page at this address." in response.get_data(as_text=True)


def test_a_get_on_a_post_only_address_is_explained(admin):
    response = admin.get("/admin/sign-out")
    assert response.status_code == 405
    assert "Traceback" not in response.get_data(as_text=True)


def test_the_console_pages_carry_no_inline_script(admin):
    for path in ("/admin/dashboard", "/admin/letters/en", "/admin/recipients"):
        html = admin.get(path).get_data(as_text=True)
        assert html.count("<script") == 2  # site.js and admin.js, both from /static
        assert 'src="/static/admin.js"' in html
        assert " style=" not in html and "onclick" not in html


@pytest.mark.parametrize(
    ("file_name", "broken"),
    [
        ("campaign.yaml", "title: [unclosed\n"),
        ("letter.en.txt", "Dear {{ recipient.office }\n"),
        ("print.html", "{{ ''.__class__ }}"),
    ],
)
def test_a_broken_hand_edit_keeps_the_site_up_and_tells_organisers_why(
    admin, client, templates_dir, file_name, broken
):
    title = "Bring Alma Shalabayeva and her daughter Alua home to Europe"
    assert title in client.get("/").get_data(as_text=True)
    (templates_dir / file_name).write_text(broken, encoding="utf-8")
    page = client.get("/")
    assert page.status_code == 200 and title in page.get_data(as_text=True)  # last good one
    dashboard = admin.get("/admin/dashboard").get_data(as_text=True)
    assert "keeps serving the last good version" in dashboard
    assert file_name in dashboard
