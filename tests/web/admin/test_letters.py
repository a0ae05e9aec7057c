"""The letters in the console: edit, preview, refusals of the sandbox, subjects, asks, versions."""

from __future__ import annotations

import pytest

from campaign import directory
from campaign.storage import audit, versions
from tests.web.admin.helpers import form_of, hidden, sign_in
from tests.web.pages import Page, page

ESCAPES = [
    "{{ ''.__class__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ sender.__dict__ }}",
    "{% if false %}{{ ask.__globals__ }}{% endif %}",
    "{{ cycler.__init__.__globals__ }}",
]


def letter_form(client, language: str = "en") -> tuple[dict, str]:
    """What the letter editor would post, with its source."""
    data, html = form_of(client, f"/admin/letters/{language}")
    source = page_text(html, "textarea", "source")
    return {**data, "source": source, "office": "kz-president"}, html


def page_text(html: str, tag: str, element_id: str) -> str:
    """The text of one element of a page."""
    return Page(html).one(tag, id=element_id).text


def body_file(templates_dir, language: str = "en"):
    """The letter body file of a language."""
    return templates_dir / f"letter.{language}.txt"


def test_the_editor_shows_the_body_and_a_preview(admin):
    response = admin.get("/admin/letters/en?office=kz-president")
    found = page(response)
    assert "I respectfully ask you to {{ ask }}." in found.one("textarea", id="source").text
    assert found.one("option", value="kz-president").attrs.get("selected") is not None
    preview = found.one("pre", id="preview-text").text
    assert preview.startswith("Dear Mr President,")
    assert "I respectfully ask you to" in preview
    assert found.one("span", id="preview-subject").text


@pytest.mark.parametrize("path", ["/admin/letters/de", "/admin/letters/xx/subjects"])
def test_an_unknown_language_is_not_found(admin, path):
    assert admin.get(path).status_code == 404


def test_preview_without_javascript_shows_the_unsaved_text(admin, templates_dir):
    before = body_file(templates_dir).read_bytes()
    data, _ = letter_form(admin)
    data["source"] = data["source"].replace(
        "Thank you for your attention", "Preview marker 4711. Thank you for your attention"
    )
    response = admin.post("/admin/letters/en", data={**data, "action": "preview"})
    assert response.status_code == 200
    assert "Preview marker 4711" in page(response).one("pre", id="preview-text").text
    assert "Preview marker 4711" in page(response).one("textarea", id="source").text
    assert body_file(templates_dir).read_bytes() == before


def test_the_live_preview_answers_json(admin):
    data, _ = letter_form(admin)
    data["source"] += "\nLive marker 815."
    response = admin.post("/admin/letters/en/preview", data=data)
    assert response.status_code == 200
    answer = response.get_json()
    assert answer["office"] == "kz-president"
    assert answer["text"].startswith("Dear Mr President,")
    assert "Live marker 815." in answer["text"]
    assert any("KAZAKHSTAN" in line for line in answer["address"])


def test_the_live_preview_reports_a_template_error(admin):
    data, _ = letter_form(admin)
    response = admin.post("/admin/letters/en/preview", data={**data, "source": "{% if %}"})
    assert response.status_code == 400
    assert "letter.en.txt:1" in response.get_json()["error"][0]


def test_preview_as_pdf(admin):
    data, _ = letter_form(admin)
    response = admin.post("/admin/letters/en/preview.pdf", data=data)
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.get_data().startswith(b"%PDF")
    assert response.headers["Content-Disposition"].startswith("inline;")


def test_save_a_letter_keeps_the_previous_version(admin, templates_dir, instance, organiser, site):
    data, _ = letter_form(admin)
    old = body_file(templates_dir).read_text(encoding="utf-8")
    data["source"] = data["source"].replace("\r\n", "\n") + "\nA saved sentence.\n"
    response = admin.post("/admin/letters/en", data={**data, "action": "save"})
    assert response.status_code == 303
    assert body_file(templates_dir).read_text(encoding="utf-8").endswith("A saved sentence.\n")
    kept = versions.list_versions(site.database, "letter.en.txt")
    assert kept[0].who == organiser
    assert versions.read(site.database, "letter.en.txt", kept[1].id).decode() == old
    assert audit.recent_changes(site.database, 1)[0].file == "letter.en.txt"
    after = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "The en letter was saved." in after


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("Hello.\n\n{% if sender.name %}\nno end\n", "letter.en.txt:"),
        ("Line one.\n{{ sender.name }\n", "letter.en.txt:2"),
        ("{{ nothing_like_this }}", "nothing_like_this"),
        ("{% for i in range(100000) %}{{ i }}{% endfor %}", "letter.en.txt"),
        ("x" * 20_001, "shorten this to 20000 characters"),  # the form refuses it first
        ("{{ 'word ' * 5000 }}", "letter.en.txt"),
    ],
)
def test_a_bad_template_is_refused_with_a_message(admin, templates_dir, source, message):
    before = body_file(templates_dir).read_bytes()
    data, _ = letter_form(admin)
    response = admin.post("/admin/letters/en", data={**data, "source": source, "action": "save"})
    assert response.status_code == 400
    found = page(response)
    error = found.one("p", id="source-error").text
    assert message in error
    assert found.one("textarea", id="source").text.rstrip("\n") == source.rstrip("\n")
    assert body_file(templates_dir).read_bytes() == before
    assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.parametrize("source", ESCAPES)
def test_a_template_reaching_python_internals_is_refused(admin, templates_dir, source):
    before = body_file(templates_dir).read_bytes()
    data, _ = letter_form(admin)
    response = admin.post("/admin/letters/en", data={**data, "source": source, "action": "save"})
    assert response.status_code == 400
    error = page(response).one("p", id="source-error").text
    assert "not available to letters" in error or "unsafe" in error or "not allowed" in error
    assert body_file(templates_dir).read_bytes() == before


def test_a_save_over_a_newer_version_is_a_conflict_and_keeps_the_text(
    app, admin, templates_dir, organiser
):
    mine, _ = letter_form(admin)
    path = body_file(templates_dir)
    path.write_text(path.read_text(encoding="utf-8") + "\nAdded by hand.\n", encoding="utf-8")
    mine["source"] += "\nMy own sentence."
    response = admin.post("/admin/letters/en", data={**mine, "action": "save"})
    assert response.status_code == 409
    found = page(response)
    assert "were added by someone else" in found.one("div", id="conflict").text
    assert "My own sentence." in found.one("textarea", id="source").text
    assert "My own sentence." not in path.read_text(encoding="utf-8")


def test_restore_an_old_version(admin, templates_dir, instance, site):
    original = body_file(templates_dir).read_text(encoding="utf-8")
    data, _ = letter_form(admin)
    data["source"] = "Only this sentence, and {{ ask }}.\n"
    assert admin.post("/admin/letters/en", data={**data, "action": "save"}).status_code == 303
    html = admin.get("/admin/letters/en").get_data(as_text=True)
    oldest = versions.list_versions(site.database, "letter.en.txt")[-1]
    response = admin.post(
        "/admin/history/letter.en.txt/restore",
        data={
            "csrf_token": hidden(html, "csrf_token"),
            "version_id": oldest.id,
            "expected": hidden(html, "expected"),
            "back": "/admin/letters/en",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/letters/en"
    assert body_file(templates_dir).read_text(encoding="utf-8") == original
    assert audit.recent_changes(site.database, 1)[0].action == "restore"
    assert "is back in letter.en.txt" in admin.get("/admin/letters/en").get_data(as_text=True)


def test_compare_two_versions(admin, instance, site):
    data, _ = letter_form(admin)
    data["source"] = data["source"].replace("I am writing to you", "I write to you")
    assert admin.post("/admin/letters/en", data={**data, "action": "save"}).status_code == 303
    kept = versions.list_versions(site.database, "letter.en.txt")
    response = admin.get(f"/admin/history/letter.en.txt?a={kept[1].id}&b={kept[0].id}")
    found = page(response)
    removed = [line.text for line in found.all("del")]
    added = [line.text for line in found.all("ins")]
    assert any(line.startswith("-I am writing to you") for line in removed)
    assert any(line.startswith("+I write to you") for line in added)
    now = admin.get(f"/admin/history/letter.en.txt?a={kept[0].id}&b=now")
    assert "The two versions are the same." in now.get_data(as_text=True)


def test_compare_an_unknown_version_is_explained(admin):
    response = admin.get("/admin/history/letter.en.txt?a=nonsense")
    assert response.status_code == 400
    assert "has no version" in response.get_data(as_text=True)


def test_history_of_a_file_the_console_does_not_edit_is_not_found(admin):
    assert admin.get("/admin/history/print.html").status_code == 404
    assert admin.get("/admin/history/..%2Forganisers.json").status_code == 404


def test_edit_the_subjects(admin, templates_dir):
    data, html = form_of(admin, "/admin/letters/it/subjects")
    assert "Appello per Alma Shalabayeva" in html
    data["subjects"] = "Primo oggetto\r\nSecondo oggetto\r\n\r\n"
    response = admin.post("/admin/letters/it/subjects", data=data)
    assert response.status_code == 303
    text = (templates_dir / "campaign.yaml").read_text(encoding="utf-8")
    assert "Primo oggetto" in text and "Appello per Alma" not in text


def test_an_over_long_subject_is_refused(admin, templates_dir):
    before = (templates_dir / "campaign.yaml").read_bytes()
    data, _ = form_of(admin, "/admin/letters/en/subjects")
    data["subjects"] = "A fine subject\n" + "y" * 201
    response = admin.post("/admin/letters/en/subjects", data=data)
    assert response.status_code == 400
    assert "the limit is 200" in response.get_data(as_text=True)
    assert "y" * 201 in page(response).one("textarea", id="subjects").text
    assert (templates_dir / "campaign.yaml").read_bytes() == before


def test_edit_the_asks_of_a_language(admin, recipients_file):
    data, _ = form_of(admin, "/admin/letters/ru/asks")
    found = page(admin.get("/admin/letters/ru/asks"))
    asks = {
        element.attrs["name"]: element.text
        for element in found.all("textarea")
        if element.attrs["name"].startswith("ask-")
    }
    asks["ask-kz-president"] = "освободить Алму Шалабаеву"
    response = admin.post("/admin/letters/ru/asks", data={**data, **asks})
    assert response.status_code == 303
    assert directory.load(recipients_file).get("kz-president").ask["ru"] == (
        "освободить Алму Шалабаеву"
    )
    assert directory.load(recipients_file).get("it-interior").ask["ru"].startswith("обеспечить")


def test_a_required_ask_cannot_be_emptied(admin, recipients_file):
    before = recipients_file.read_bytes()
    data, _ = form_of(admin, "/admin/letters/ru/asks")
    found = page(admin.get("/admin/letters/ru/asks"))
    asks = {e.attrs["name"]: e.text for e in found.all("textarea")}
    asks["ask-kz-president"] = ""
    response = admin.post("/admin/letters/ru/asks", data={**data, **asks})
    assert response.status_code == 400
    assert page(response).one("p", id="ask-kz-president-error")
    assert recipients_file.read_bytes() == before


def test_a_second_organiser_sees_the_saved_letter_at_once(app, admin, templates_dir, organiser):
    data, _ = letter_form(admin)
    data["source"] += "\nVisible to everyone."
    assert admin.post("/admin/letters/en", data={**data, "action": "save"}).status_code == 303
    other = app.test_client()
    sign_in(other)
    assert "Visible to everyone." in other.get("/admin/letters/en").get_data(as_text=True)


def test_asks_after_a_conflict_keep_mine_and_show_theirs(app, admin, recipients_file, organiser):
    def asks_form(client) -> dict:
        data, _ = form_of(client, "/admin/letters/en/asks")
        found = page(client.get("/admin/letters/en/asks"))
        return {**data, **{e.attrs["name"]: e.text for e in found.all("textarea")}}

    mine = asks_form(admin)
    other = app.test_client()
    sign_in(other)
    theirs = asks_form(other)
    theirs["ask-kz-president"] = "free Alma Shalabayeva"
    theirs["ask-it-justice"] = "look into the case"  # changed by both: a conflict
    assert other.post("/admin/letters/en/asks", data=theirs).status_code == 303
    mine["ask-it-justice"] = "reopen the case"
    response = admin.post("/admin/letters/en/asks", data=mine)
    assert response.status_code == 409
    found = page(response)
    assert found.one("textarea", id="ask-it-justice").text == "reopen the case"
    assert found.one("textarea", id="ask-kz-president").text == "free Alma Shalabayeva"
    assert found.one("p", id="ask-kz-president-note")
    again = {**mine, "ask-kz-president": "free Alma Shalabayeva"}
    again["version"] = found.one("input", name="version").attrs["value"]
    assert admin.post("/admin/letters/en/asks", data=again).status_code == 303
    loaded = directory.load(recipients_file)
    assert loaded.get("it-justice").ask["en"] == "reopen the case"
    assert loaded.get("kz-president").ask["en"] == "free Alma Shalabayeva"
