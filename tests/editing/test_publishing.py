"""Each host's copy follows the published version: saves killed before their copy, hosts that
are behind, hand edits (served on one host, reported on several), `campaign publish`."""

from __future__ import annotations

import dataclasses

import pytest

from campaign import directory, editing
from campaign.editing import offices, publishing
from campaign.errors import ConflictError
from campaign.site import Site
from campaign.storage import audit, published, versions
from tests.builders import copy_site

NAME = "recipients.yaml"


def host(tmp_path, name: str, database_url: str) -> Site:
    """One host's own copy of the campaign, on the shared database."""
    site = copy_site(tmp_path / name)
    return dataclasses.replace(site, database_url=database_url)


def set_person(site: Site, office_id: str, person: str, who: str = "maria") -> str:
    """A console save of one office's person; the new version."""
    _data, version = editing.open_file(site, NAME)
    change = editing.in_document(
        lambda document: offices.update_office(document, office_id, {"person": person}), NAME
    )
    return editing.save(site, NAME, version, change, who)


def person(site: Site, office_id: str) -> str:
    """The person of an office in this host's copy."""
    return directory.load(site.recipients).get(office_id).person


def test_a_save_killed_before_its_copy_is_completed_by_the_next_sync(
    tmp_path, database_url, monkeypatch
):
    site = host(tmp_path, "a", database_url)
    publishing.sync(site)  # the start-up: nothing published yet, the files are published
    before = site.recipients.read_bytes()
    monkeypatch.setattr(publishing, "write_copy", lambda *args, **kwargs: False)  # the kill
    set_person(site, "it-justice", "Saved, then killed")
    assert site.recipients.read_bytes() == before
    assert versions.list_versions(site.database, NAME)[0].who == "maria"
    assert audit.recent_changes(site.database)[0].office == "it-justice"
    monkeypatch.undo()
    assert publishing.sync(site).notes == []  # the next start: the copy is behind
    assert person(site, "it-justice") == "Saved, then killed"


def test_a_save_on_one_host_reaches_the_copy_of_another(tmp_path, database_url):
    first, second = host(tmp_path, "a", database_url), host(tmp_path, "b", database_url)
    publishing.sync(first)
    publishing.sync(second)  # the same files: nothing to do
    set_person(first, "kz-president", "From host A")
    assert publishing.current(second.database, second, NAME) != second.recipients.read_bytes()
    publishing.sync(second)
    assert person(second, "kz-president") == "From host A"


def test_a_hand_edit_on_one_of_several_hosts_is_reported_not_served_then_published(
    tmp_path, database_url
):
    first, second = host(tmp_path, "a", database_url), host(tmp_path, "b", database_url)
    publishing.sync(first)
    publishing.sync(second)
    text = second.recipients.read_text(encoding="utf-8")
    second.recipients.write_text(text.replace("Angelino Alfano", "Edited by hand"), "utf-8")
    synced = publishing.sync(second)
    if second.database.dialect == "sqlite":  # one host: the files are the campaign, as before
        assert synced.published == [NAME] and synced.notes == []
        assert b"Edited by hand" in published.get(second.database, NAME).content
        return
    assert NAME in synced.served and b"Angelino Alfano" in synced.served[NAME]
    assert "edited on this host and not published" in synced.notes[0]
    assert "campaign publish" in synced.notes[0]
    assert person(second, "it-interior") == "Edited by hand"  # never thrown away
    set_person(first, "kz-president", "Meanwhile on host A")  # another office: merged
    assert "published" in publishing.publish_local(second)[0]
    publishing.sync(first)
    assert person(first, "it-interior") == "Edited by hand"
    assert person(first, "kz-president") == "Meanwhile on host A"
    entry = audit.recent_changes(first.database)[0]
    assert (entry.who, entry.action) == (publishing.COMMAND_LINE, "publish")


@pytest.fixture
def postgresql_url(postgres) -> str:
    """A fresh database of the test cluster: several hosts need PostgreSQL."""
    return postgres.url(postgres.new_database())


def test_publish_of_a_field_changed_from_the_console_meanwhile_is_a_conflict(
    tmp_path, postgresql_url
):
    first, second = host(tmp_path, "a", postgresql_url), host(tmp_path, "b", postgresql_url)
    publishing.sync(first)
    publishing.sync(second)
    text = second.recipients.read_text(encoding="utf-8")
    second.recipients.write_text(text.replace("Angelino Alfano", "By hand on B"), "utf-8")
    set_person(first, "it-interior", "From the console on A")
    with pytest.raises(ConflictError, match=r"it-interior\.person was changed by someone else"):
        publishing.publish_local(second)
    assert b"From the console on A" in published.get(first.database, NAME).content


def test_a_folder_new_to_the_campaign_takes_the_published_version(tmp_path, postgresql_url):
    first = host(tmp_path, "a", postgresql_url)
    publishing.sync(first)
    set_person(first, "it-justice", "Published before B came")
    second = host(tmp_path, "b", postgresql_url)
    assert publishing.sync(second).notes == []
    assert person(second, "it-justice") == "Published before B came"


def test_the_commands_check_and_publish(tmp_path, postgresql_url):
    from click.testing import CliRunner

    from campaign.cli import main

    first, second = host(tmp_path, "a", postgresql_url), host(tmp_path, "b", postgresql_url)
    publishing.sync(first)
    publishing.sync(second)  # as B's web app does when it starts
    options = [
        f"--recipients={second.recipients}",
        f"--templates={second.templates}",
        f"--instance={second.instance}",
        f"--database={postgresql_url}",
    ]
    runner = CliRunner()
    assert runner.invoke(main, [*options, "publish"]).output.startswith("nothing to publish")
    text = second.recipients.read_text(encoding="utf-8")
    second.recipients.write_text(text.replace("Angelino Alfano", "By hand on B"), "utf-8")
    checked = runner.invoke(main, [*options, "check"])
    assert checked.exit_code == 0, checked.output
    assert "warning: " in checked.stderr and "edited on this host" in checked.stderr
    broken = text.replace("Angelino Alfano", "By hand on B").replace("country: IT", "country: ITA")
    second.recipients.write_text(broken, "utf-8")
    refused = runner.invoke(main, [*options, "publish"])
    assert refused.exit_code == 1 and "country" in refused.stderr
    assert b"Angelino Alfano" in published.get(first.database, NAME).content
    second.recipients.write_text(text.replace("Angelino Alfano", "By hand on B"), "utf-8")
    done = runner.invoke(main, [*options, "publish"])
    assert done.exit_code == 0 and done.output.startswith(f"published {second.recipients}")
    publishing.sync(first)
    assert person(first, "it-interior") == "By hand on B"


def test_the_web_app_serves_the_published_version_and_says_why(tmp_path, postgresql_url):
    from campaign.web.resources import Resources

    first, second = host(tmp_path, "a", postgresql_url), host(tmp_path, "b", postgresql_url)
    publishing.sync(first)
    served = Resources(second, poll_s=0)
    assert served.get().directory.get("it-interior").person == "Angelino Alfano"
    text = second.recipients.read_text(encoding="utf-8")
    second.recipients.write_text(text.replace("Angelino Alfano", "By hand on B"), "utf-8")
    assert served.get().directory.get("it-interior").person == "Angelino Alfano"
    assert "edited on this host and not published" in served.problems[0]  # the console's banner
    set_person(first, "kz-president", "Saved on A")
    assert served.get().directory.get("kz-president").person == "Saved on A"  # the next look
