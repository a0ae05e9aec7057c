"""campaign.yaml edited in the console: fields changed in place, checked, versioned, restored."""

import os
from pathlib import Path

import pytest

from campaign import editing, rulebook
from campaign.editing import campaign_fields
from campaign.errors import CampaignError, ConflictError, InvalidData
from campaign.letters.campaign_file import parse_campaign
from campaign.storage import audit, safe_files, versions
from campaign.yamlfile import load_document

NAME = "campaign.yaml"


def campaign_path(site) -> Path:
    """Where the site's campaign.yaml is."""
    return site.path_of(NAME)


def open_campaign(site):
    """The editable fields of campaign.yaml as an edit page opens them, and the version."""
    data, version = editing.open_file(site, NAME)
    return campaign_fields.campaign_fields(load_document(data, NAME)), version


def edit_campaign(site, change, who="maria", version=None, summary=""):
    """The console's save of a change to campaign.yaml; the campaign as saved."""
    expected = version if version is not None else safe_files.file_version(campaign_path(site))
    new_version = editing.save(
        site, NAME, expected, editing.in_document(change, NAME), who, summary=summary
    )
    data = campaign_path(site).read_bytes()
    assert new_version == safe_files.version(data)
    return parse_campaign(data, NAME)


def test_campaign_edit_changes_only_its_lines_and_is_versioned(site):
    path = campaign_path(site)
    before = path.read_text()
    fields, version = open_campaign(site)
    assert fields["deadline"] == "" and fields["state"] == "open"
    assert fields["chronology"][0]["date"] == "2013-05-29"
    title = {**fields["title"], "it": "Riportate a casa Alma e Alua"}
    campaign = edit_campaign(
        site,
        lambda doc: campaign_fields.set_campaign_fields(
            doc, {"title": title, "deadline": "2026-12-31", "state": "closed"}
        ),
        version=version,
    )
    assert (campaign.deadline, campaign.state) == ("2026-12-31", "closed")
    after = path.read_text()
    pairs = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert pairs == [
        ("  it: Riportare in Europa Alma Shalabayeva e sua figlia Alua", f"  it: {title['it']}"),
        ('deadline: ""', 'deadline: "2026-12-31"'),
        ("state: open", "state: closed"),
    ]
    assert [v.who for v in versions.list_versions(site.database, NAME)] == ["maria", ""]
    change = audit.recent_changes(site.database)[0]
    assert change.fields == ("title.it", "deadline", "state")


def test_each_state_alone_is_logged_with_its_word(site):
    reason = {"en": "The office moved."}
    for state, note, word in (
        ("closed", {}, "close"),
        ("open", {}, "open"),
        ("paused", {"pause_reason": reason}, "pause"),
        ("won", {"outcome": {"en": "She is free."}}, "win"),
    ):
        plain = {"state": state, **note}
        edit_campaign(site, lambda doc, plain=plain: campaign_fields.set_state(doc, plain))
        assert audit.recent_changes(site.database)[0].action == word


def test_a_bad_deadline_is_refused_and_nothing_is_written(site):
    path = campaign_path(site)
    before = path.read_bytes()
    with pytest.raises(InvalidData, match=r'campaign\.yaml:\d+: deadline: deadline "31/12/2026"'):
        edit_campaign(
            site, lambda doc: campaign_fields.set_campaign_fields(doc, {"deadline": "31/12/2026"})
        )
    assert path.read_bytes() == before
    assert audit.recent_changes(site.database) == []


def test_multiline_background_and_a_new_chronology_event(site):
    fields, _ = open_campaign(site)
    background = {**fields["background"], "en": "First paragraph.\n\nSecond paragraph."}
    event = {"date": "2013-09-01", "source": "appeal", "text": {"en": "Something happened."}}
    campaign = edit_campaign(
        site,
        lambda doc: campaign_fields.set_campaign_fields(
            doc, {"background": background, "chronology": [*fields["chronology"], event]}
        ),
    )
    assert campaign.background["en"] == "First paragraph.\n\nSecond paragraph."
    assert campaign.chronology[-1].date == "2013-09-01"
    text = campaign_path(site).read_text()
    assert "  en: |-\n    First paragraph.\n\n    Second paragraph.\n" in text
    assert "  - date: 2013-09-01\n    source: appeal\n    text:\n      en: Something" in text


def test_an_event_with_an_unknown_source_is_refused(site):
    fields, _ = open_campaign(site)
    event = {"date": "2013-09-01", "source": "rumour", "text": {"en": "x"}}
    with pytest.raises(InvalidData, match='"rumour" is not in sources'):
        edit_campaign(
            site,
            lambda doc: campaign_fields.set_campaign_fields(
                doc, {"chronology": [*fields["chronology"], event]}
            ),
        )


def test_subject_variants_are_checked_and_saved(site):
    campaign = edit_campaign(
        site, lambda doc: campaign_fields.set_subjects(doc, "it", ["Un oggetto", "Un altro"])
    )
    assert campaign.subjects["it"] == ("Un oggetto", "Un altro")
    too_long = (
        r"campaign\.yaml:\d+: subjects\.it\[0\]: it\[0\] is 201 characters long; the limit is 200"
    )
    with pytest.raises(InvalidData, match=too_long):
        edit_campaign(site, lambda doc: campaign_fields.set_subjects(doc, "it", ["x" * 201]))
    with pytest.raises(InvalidData, match="control character"):
        edit_campaign(site, lambda doc: campaign_fields.set_subjects(doc, "it", ["a\u2028b"]))
    with pytest.raises(CampaignError, match="unknown language 'de'"):
        edit_campaign(site, lambda doc: campaign_fields.set_subjects(doc, "de", ["x"]))


def test_fields_outside_the_console_are_refused(site):
    with pytest.raises(CampaignError, match="'call_script' cannot be edited here"):
        edit_campaign(
            site, lambda doc: campaign_fields.set_campaign_fields(doc, {"call_script": {}})
        )


def test_the_rulebook_checks_a_candidate_campaign_file(site):
    data = campaign_path(site).read_bytes()
    loaded = rulebook.load_site(site, {NAME: data.replace(b"state: open", b"state: closed")})
    assert loaded.appeal.campaign.state == "closed"
    with pytest.raises(InvalidData, match=r'campaign\.yaml:\d+: deadline: deadline "tomorrow"'):
        rulebook.load_site(site, {NAME: data.replace(b'deadline: ""', b'deadline: "tomorrow"')})
    assert campaign_path(site).read_bytes() == data  # a check writes nothing


def test_campaign_conflict_names_the_fields(site):
    _fields, version = open_campaign(site)
    edit_campaign(
        site,
        lambda doc: campaign_fields.set_campaign_fields(doc, {"deadline": "2026-12-31"}),
        version=version,
    )
    with pytest.raises(ConflictError) as caught:
        edit_campaign(
            site,
            lambda doc: campaign_fields.set_campaign_fields(doc, {"deadline": "2027-01-31"}),
            who="anna",
            version=version,
        )
    assert caught.value.changes == [
        "campaign.yaml: deadline was changed by someone else since you opened it: "
        "(empty) → 2026-12-31; you changed it too"
    ]


def test_restore_campaign_and_failed_write_leaves_it_intact(site, monkeypatch):
    path = campaign_path(site)
    original = path.read_bytes()
    edit_campaign(site, lambda doc: campaign_fields.set_state(doc, {"state": "closed"}))
    oldest = versions.list_versions(site.database, NAME)[-1]
    closed = path.read_bytes()
    real_replace = os.replace

    def failing_replace(source, target):
        if Path(target) == path:
            raise OSError(28, "No space left on device")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(CampaignError, match=r"saved and published.*could not be written"):
        editing.restore(site, NAME, oldest.id, "anna", safe_files.version(closed))
    assert path.read_bytes() == closed  # the copy is behind the published version
    monkeypatch.undo()
    editing.publishing.sync(site)  # as the web app's next look does
    assert path.read_bytes() == original
    change = audit.recent_changes(site.database)[0]
    assert (change.who, change.file, change.action) == ("anna", NAME, "restore")


def test_setting_the_state_replaces_the_yes_no_of_earlier_versions(site):
    path = campaign_path(site)
    old = path.read_text(encoding="utf-8").replace("state: open", "open: true")
    path.write_text(old, encoding="utf-8")
    with pytest.raises(InvalidData, match="`open:` is replaced by `state:`"):
        rulebook.load_site(site)
    document = load_document(path.read_bytes(), NAME)
    campaign_fields.set_state(document, {"state": "closed"})
    assert "open" not in document and document["state"] == "closed"
    with pytest.raises(CampaignError, match="'title' is not part of the state"):
        campaign_fields.set_state(document, {"title": {"en": "x"}})
