"""Safe under abuse: CSRF, size limits, render bound, rate limit, headers, friendly errors."""

from __future__ import annotations

import contextlib

import pytest

from campaign.web import create_app
from campaign.web.guards import SECURITY_HEADERS
from tests.web.pages import page, write_data

CSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"


def assert_secure(response) -> None:
    """Every security header is there, exactly as specified."""
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def assert_friendly(response, status: int, words: str) -> None:
    """An HTML page in the site's layout that explains, and no traceback."""
    text = response.get_data(as_text=True)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert words in text
    assert "Traceback" not in text and 'File "' not in text
    assert page(response).one("main", id="main")
    assert_secure(response)


@pytest.mark.parametrize("path", ["/write", "/preview", "/letters.pdf", "/letters/x.eml", "/sent"])
def test_post_without_csrf_token_is_refused(client, path):
    data = write_data(client)
    del data["csrf_token"]
    assert_friendly(client.post(path, data=data), 400, "Go back, reload the page")


def test_post_with_a_forged_csrf_token_is_refused(client):
    response = client.post("/letters.pdf", data=write_data(client, csrf_token="forged"))
    assert_friendly(response, 400, "Something in the form was not right")


def test_csrf_token_of_another_session_is_refused(app, client):
    data = write_data(client)
    stranger = app.test_client()
    assert stranger.post("/letters.pdf", data=data).status_code == 400


def test_cross_site_post_is_refused_even_with_a_token(client):
    response = client.post(
        "/write", data=write_data(client), headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 400


def test_oversized_request_is_413(app, client):
    data = write_data(client, note="x" * app.config["MAX_CONTENT_LENGTH"])
    assert_friendly(client.post("/write", data=data), 413, "Too much text")
    multipart = client.post("/letters.pdf", data=data, content_type="multipart/form-data")
    assert_friendly(multipart, 413, "Too much text")


def test_oversized_request_without_a_form_reader_is_413(client):
    response = client.post("/sent", data=b"x" * (257 * 1024), content_type="text/plain")
    assert response.status_code == 413


def test_get_of_a_download_is_405(client):
    assert_friendly(client.get("/letters.pdf"), 405, "only works from the form")


def test_unknown_page_is_a_friendly_404(client):
    assert_friendly(client.get("/nothing-here"), 404, "There is no page at this address.")


def test_error_pages_are_in_the_interface_language(client):
    assert_friendly(client.get("/nothing-here?lang=it"), 404, "Pagina non trovata")
    assert_friendly(client.get("/nothing-here?lang=ru"), 404, "Страница не найдена")


@pytest.fixture
def config(config):
    """Low limits, so the tests reach them quickly."""
    return {**config, "PDF_RENDERS_PER_PROCESS": 1, "PDF_RENDER_WAIT_S": 0.01, "RATE_LIMIT": 3}


@contextlib.contextmanager
def every_worker_busy(app):
    """As if other requests held every PDF worker of the app."""
    pool = app.extensions["campaign.guards"].renders
    pool._start()
    taken = [pool._idle.get_nowait() for _ in range(pool.size)]
    try:
        yield
    finally:
        for worker in taken:
            pool._idle.put(worker)


def test_render_bound_full_is_503_with_retry_after(app, client):
    data = write_data(client)
    with every_worker_busy(app):
        response = client.post("/letters.pdf", data=data)
    assert_friendly(response, 503, "try again in a few seconds")
    assert int(response.headers["Retry-After"]) > 0
    assert client.post("/letters/kz-president.pdf", data=data).status_code == 200  # freed


def test_a_render_past_its_deadline_is_stopped_and_the_next_one_works(config):
    app = create_app({**config, "PDF_DEADLINE_S": 0.01, "RATE_LIMIT": 100})
    client = app.test_client()
    data = write_data(client)
    pool = app.extensions["campaign.guards"].renders
    pool._start()
    first = pool._idle.queue[0].process
    response = client.post("/letters.pdf", data=data)
    assert_friendly(response, 503, "took too long to print")
    assert int(response.headers["Retry-After"]) > 0
    first.join(timeout=5)
    assert not first.is_alive()  # killed, even inside WeasyPrint
    pool.deadline_s = 60
    again = client.post("/letters/kz-president.pdf", data=data)
    assert again.status_code == 200 and again.data.startswith(b"%PDF")
    assert pool._idle.queue[0].process is not first  # a fresh worker took its place


def test_rate_limit_is_429_with_retry_after(client):
    data = write_data(client)
    for path in (
        "/letters/kz-president.eml",
        "/letters/kz-president.pdf",
        "/letters/it-justice.eml",
    ):
        assert client.post(path, data=data).status_code == 200
    response = client.post("/letters/kz-president.eml", data=data)
    assert_friendly(response, 429, "wait a minute")
    assert 0 < int(response.headers["Retry-After"]) <= 60


def test_rate_limit_is_per_client(client):
    data = write_data(client)
    for _ in range(3):
        client.post("/letters/kz-president.eml", data=data)
    assert client.post("/letters/kz-president.eml", data=data).status_code == 429
    other = {"REMOTE_ADDR": "192.0.2.77"}
    assert (
        client.post("/letters/kz-president.eml", data=data, environ_base=other).status_code == 200
    )


def test_security_headers_on_pages_errors_and_static_files(client):
    assert_secure(client.get("/"))
    assert_secure(client.get("/nothing-here"))
    assert_secure(client.post("/write", data=write_data(client, note="x" * (300 * 1024))))
    assert_secure(client.get("/letters.pdf"))
    for asset in ("site.css", "site.js", "favicon.svg"):
        response = client.get(f"/static/{asset}")
        assert response.status_code == 200
        assert_secure(response)
    assert_secure(client.get("/healthz"))


def test_security_headers_on_429_and_503(app, client):
    data = write_data(client)
    with every_worker_busy(app):
        assert_secure(client.post("/letters.pdf", data=data))
    for _ in range(4):
        response = client.post("/letters/kz-president.eml", data=data)
    assert response.status_code == 429
    assert_secure(response)


def test_pages_are_not_stored_by_caches(client):
    assert client.get("/").headers["Cache-Control"] == "no-store"
    assert client.post("/write", data=write_data(client, name="")).headers["Cache-Control"] == (
        "no-store"
    )


def test_a_crash_is_a_friendly_500_and_its_message_is_not_logged(app, client, monkeypatch, caplog):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def explode(*args, **kwargs):
        details = "-".join(["Maria", "Rossi"])  # not in the source line the traceback shows
        raise RuntimeError(f"boom with {details}")

    monkeypatch.setattr("campaign.web.public.views.counts.total", explode)
    assert_friendly(client.get("/"), 500, "Something went wrong on our side")
    assert "RuntimeError" in caplog.text  # where it happened is logged...
    assert "Maria-Rossi" not in caplog.text  # ...but not the message, which may hold user data


def test_broken_campaign_file_keeps_the_last_good_version(client, templates_dir):
    assert client.get("/").status_code == 200
    (templates_dir / "campaign.yaml").write_text("title: [unclosed", encoding="utf-8")
    response = client.get("/")
    assert response.status_code == 200
    assert "Alma Shalabayeva" in response.get_data(as_text=True)


def test_broken_campaign_at_start_is_a_friendly_500(client, templates_dir):
    (templates_dir / "campaign.yaml").write_text("title: [unclosed", encoding="utf-8")
    assert_friendly(client.get("/"), 500, "Something went wrong on our side")


def test_past_the_waiting_pdf_requests_a_process_allows_the_answer_is_503_at_once(config):
    app = create_app({**config, "PDF_MAX_WAITING": 1, "PDF_RENDER_WAIT_S": 3})
    client = app.test_client()
    data = write_data(client)
    pool = app.extensions["campaign.guards"].renders
    pool._start()
    pool._idle.get = lambda timeout: pytest.fail("waited for a worker")  # refused before
    with pool.admission.waiting():  # another request already waits
        response = client.post("/letters.pdf", data=data)
    assert_friendly(response, 503, "try again in a few seconds")
    assert response.headers["Retry-After"] == str(app.config["RETRY_AFTER_S"])
    del pool._idle.get
    assert client.post("/letters/kz-president.pdf", data=data).status_code == 200


def test_a_pdf_that_could_not_start_within_the_wait_is_refused_before_any_work(config):
    app = create_app({**config, "PDF_RENDER_WAIT_S": 1, "RATE_LIMIT": 100})
    client = app.test_client()
    data = write_data(client)
    pool = app.extensions["campaign.guards"].renders
    pool.admission.duration_s = 5.0  # renders take 5 s these days...
    ticket = pool.admission.started()  # ...and one has just started
    try:
        response = client.post("/letters.pdf", data=data)
    finally:
        pool.admission.ended(ticket)
    assert_friendly(response, 503, "try again in a few seconds")
    assert int(response.headers["Retry-After"]) > 0
    throttle = app.extensions["campaign.throttle"]
    assert throttle.recent("pdf", "127.0.0.1", 60) == []  # not counted against the supporter


@pytest.mark.parametrize(
    "path", ["/write", "/preview", "/preview/links", "/letters/kz-president.eml", "/sent"]
)
def test_form_posts_past_the_gate_are_503_with_retry_after(config, path):
    app = create_app({**config, "FORM_POSTS_AT_ONCE": 1, "FORM_POSTS_WAITING": 1})
    client = app.test_client()
    data = write_data(client)
    gate = app.extensions["campaign.guards"].posts
    with gate.entered(), gate.admission.waiting():  # one working, one waiting: full
        response = client.post(path, data=data)
        assert client.get("/").status_code == 200  # the pages do not wait for the gate
        assert client.get("/write").status_code == 200
    assert_friendly(response, 503, "try again in a few seconds")
    assert response.headers["Retry-After"] == str(app.config["RETRY_AFTER_S"])
    assert client.post(path, data=data).status_code != 503  # through the gate again


def eml_statuses(client, data, forwarded_for: str, times: int) -> list[int]:
    """`times` e-mail drafts from behind a proxy (REMOTE_ADDR 127.0.0.1) with this header."""
    headers = {"X-Forwarded-For": forwarded_for}
    return [
        client.post("/letters/kz-president.eml", data=data, headers=headers).status_code
        for _ in range(times)
    ]


def test_behind_a_trusted_proxy_the_limits_see_the_address_it_added(config, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_TRUSTED_PROXIES", "1")
    client = create_app(config).test_client()
    data = write_data(client)
    assert eml_statuses(client, data, "203.0.113.9", 4) == [200, 200, 200, 429]
    assert eml_statuses(client, data, "203.0.113.10", 1) == [200]  # another supporter
    # A client cannot escape by sending its own header: nginx appends the real address.
    assert eml_statuses(client, data, "198.51.100.1, 203.0.113.9", 1) == [429]


def test_without_a_trusted_proxy_a_forwarded_address_is_ignored(client):
    data = write_data(client)
    statuses = [
        *eml_statuses(client, data, "203.0.113.1", 3),
        *eml_statuses(client, data, "203.0.113.2", 1),  # a made-up address changes nothing
    ]
    assert statuses == [200, 200, 200, 429]
