"""create_app: configuration, the instance folder, the secret key, reloading, translations."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from campaign.web import create_app
from campaign.web.config import PROJECT_ROOT
from campaign.web.i18n import TRANSLATIONS
from tests.web.pages import page


def test_defaults_point_at_the_bundled_campaign(instance):
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert Path(app.config["RECIPIENTS"]) == PROJECT_ROOT / "recipients.yaml"
    assert Path(app.config["TEMPLATES"]) == PROJECT_ROOT / "letter_templates"
    assert (
        app.extensions["campaign.site"].database.url == f"sqlite:///{instance / 'campaign.sqlite3'}"
    )
    assert app.config["MAX_CONTENT_LENGTH"] == 256 * 1024
    assert app.test_client().get("/").status_code == 200


def test_environment_overrides_the_paths(instance, recipients_file, templates_dir, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_RECIPIENTS", str(recipients_file))
    monkeypatch.setenv("CAMPAIGN_TEMPLATES", str(templates_dir))
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["RECIPIENTS"] == str(recipients_file)
    assert app.config["TEMPLATES"] == str(templates_dir)


def test_instance_config_file_is_read(instance):
    instance.mkdir(parents=True)
    (instance / "config.py").write_text("RATE_LIMIT = 7\n", encoding="utf-8")
    assert create_app({"INSTANCE_PATH": str(instance)}).config["RATE_LIMIT"] == 7


@pytest.mark.parametrize(("value", "count"), [("0", 0), ("1", 1), (" 2 ", 2)])
def test_the_trusted_proxies_come_from_the_environment(instance, monkeypatch, value, count):
    monkeypatch.setenv("CAMPAIGN_TRUSTED_PROXIES", value)
    assert create_app({"INSTANCE_PATH": str(instance)}).config["TRUSTED_PROXIES"] == count


@pytest.mark.parametrize("value", ["one", "-1", "1.5", "6", "١"])
def test_a_wrong_trusted_proxies_count_is_refused_with_the_fix(instance, monkeypatch, value):
    monkeypatch.setenv("CAMPAIGN_TRUSTED_PROXIES", value)
    with pytest.raises(ValueError, match=r"CAMPAIGN_TRUSTED_PROXIES=.*1 behind nginx"):
        create_app({"INSTANCE_PATH": str(instance)})


def test_secret_key_is_made_once_private_and_shared(instance):
    first = create_app({"INSTANCE_PATH": str(instance)})
    key_file = instance / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    second = create_app({"INSTANCE_PATH": str(instance)})
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) >= 64
    made = sorted(p.name for p in instance.iterdir())
    assert made == [
        "campaign.sqlite3",
        "campaign.sqlite3-shm",
        "campaign.sqlite3-wal",
        "secret_key",
    ]


def test_secret_key_from_the_environment_wins(instance, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_SECRET_KEY", "k" * 40)
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["SECRET_KEY"] == "k" * 40
    assert not (instance / "secret_key").exists()


def test_a_saved_campaign_change_is_seen_without_a_restart(client, templates_dir):
    assert "Bring Alma Shalabayeva" in page(client.get("/")).one("h1").text
    path = templates_dir / "campaign.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Bring Alma Shalabayeva", "Free Alma Shalabayeva"), "utf-8")
    os.utime(path, ns=(1, 1))  # a different mtime even on a coarse clock
    assert "Free Alma Shalabayeva" in page(client.get("/")).one("h1").text


def test_a_saved_directory_change_is_seen_without_a_restart(client, recipients_file):
    assert page(client.get("/")).all("li", id="office-kz-president")
    text = recipients_file.read_text(encoding="utf-8")
    recipients_file.write_text(
        text.replace("Presidential Administration", "Office of the President"), "utf-8"
    )
    html = page(client.get("/"))
    assert "Office of the President" in html.one("li", id="office-kz-president").text


def test_healthz(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_translations_are_compiled_at_start(app):
    for language in ("it", "ru"):
        mo = TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo"
        po = mo.with_suffix(".po")
        assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime


def test_a_database_gone_away_is_503_with_retry_after(config, postgres):
    name = postgres.new_database()
    client = create_app({**config, "DATABASE_URL": postgres.url(name)}).test_client()
    assert client.get("/").status_code == 200
    postgres.drop_database(name)  # the server ends every connection to it
    response = client.get("/?lang=it")
    assert response.status_code == 503 and response.headers["Retry-After"] == "10"
    assert "Il sito non riesce a raggiungere i suoi dati" in response.get_data(as_text=True)
    assert "postgresql" not in response.get_data(as_text=True)  # no detail for supporters


def test_the_pdf_workers_share_the_cores_among_the_web_processes(instance, monkeypatch):
    cores = len(os.sched_getaffinity(0))
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.extensions["campaign.guards"].renders.size == cores  # `flask run`: all of them
    monkeypatch.setenv("CAMPAIGN_WEB_PROCESSES", str(cores))  # as gunicorn's config sets it
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.extensions["campaign.guards"].renders.size == 1
    app = create_app({"INSTANCE_PATH": str(instance), "PDF_RENDERS_PER_PROCESS": 3})
    assert app.extensions["campaign.guards"].renders.size == 3


@pytest.mark.parametrize("value", ["two", "0", "-1", "1.5", ""])
def test_a_wrong_number_of_web_processes_is_refused_by_name(instance, monkeypatch, value):
    monkeypatch.setenv("CAMPAIGN_WEB_PROCESSES", value)
    if not value:  # empty: not set, the default
        assert create_app({"INSTANCE_PATH": str(instance)}).config["WEB_PROCESSES"] == 1
        return
    with pytest.raises(RuntimeError, match=r"WEB_PROCESSES \(CAMPAIGN_WEB_PROCESSES\) is "):
        create_app({"INSTANCE_PATH": str(instance)})
