"""Hostile campaign files: size and nesting limits, load time linear in the size, and a web app
that keeps serving the last good campaign whatever a hand edit breaks."""

from __future__ import annotations

import shutil
import subprocess
import time

import pytest

from campaign import directory
from campaign.errors import InvalidData
from campaign.rulebook import load_site
from tests.builders import ROOT, TEMPLATES
from tests.web.pages import page, write_data

MB = 1_000_000
CAMPAIGN = ROOT / ".venv" / "bin" / "campaign"
HANG_GUARD_S = 5.0


def problems_of(site) -> list[str]:
    """What load_site says of the files of `site` as they are on disk."""
    with pytest.raises(InvalidData) as refused:
        load_site(site)
    return [str(problem) for problem in refused.value.problems]


def append(path, text: str) -> None:
    """Add `text` at the end of a file."""
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def deep_block(levels: int) -> str:
    """A YAML mapping nested `levels` deep, two spaces a level."""
    return "deep:\n" + "".join(" " * (2 * level) + f"k{level}:\n" for level in range(1, levels))


def flow(depth: int) -> str:
    """A YAML flow value nested `depth` deep."""
    return "[" * depth + "1" + "]" * depth


# --- size and nesting limits ------------------------------------------------------------------

LIMITS = [
    ("recipients-over-2-mb", "recipients.yaml", "#" + "x" * (2 * MB) + "\n",
     "recipients.yaml: is larger than 2,000,000 bytes, the limit; shorten it"),
    ("campaign-over-2-mb", "letter_templates/campaign.yaml", "#" + "x" * (2 * MB) + "\n",
     "campaign.yaml: is larger than 2,000,000 bytes, the limit; shorten it"),
    ("body-over-2-mb", "letter_templates/letter.it.txt", "x" * (2 * MB + 1),
     "letter.it.txt: is larger than 2,000,000 bytes, the limit; shorten it"),
    ("body-over-its-limit", "letter_templates/letter.ru.txt", "x" * 20_001,
     "letter.ru.txt: is 20,001 characters long; the limit is 20,000"),
    ("recipients-flow-21-deep", "recipients.yaml", f"x: {flow(21)}\n",
     "has [ ] or { } nested too deeply"),
    ("recipients-flow-50000-deep", "recipients.yaml", f"x: {flow(50_000)}\n",
     ("has [ ] or { } nested too deeply",
      "is 100,004 characters long; break it into lines of at most 20,000")),
    ("recipients-indented-100", "recipients.yaml", " " * 100 + "x: 1\n",
     "is indented more than 64 spaces"),
    ("recipients-nested-40-levels", "recipients.yaml", deep_block(40),
     "is indented more than 64 spaces"),
    ("campaign-nested-40-levels", "letter_templates/campaign.yaml", deep_block(40),
     "is indented more than 64 spaces"),
    ("campaign-flow-30-deep", "letter_templates/campaign.yaml", f"x: {'{a: ' * 30}1{'}' * 30}\n",
     "has [ ] or { } nested too deeply"),
    ("print-html-over-2-mb", "letter_templates/print.html", "<!-- " + "x" * (2 * MB) + " -->",
     "letter_templates/print.html: is larger than 2,000,000 bytes, the limit; shorten it"),
]  # fmt: skip
REPLACED = ("letter.it.txt", "letter.ru.txt")  # the whole file; the others get a line added


@pytest.mark.parametrize(("name", "file", "text", "message"), [
    pytest.param(*case, id=case[0]) for case in LIMITS
])  # fmt: skip
def test_a_file_over_a_size_or_nesting_limit_is_refused_at_its_line(
    site, name, file, text, message
):
    path = site.recipients.parent / file
    if path.name in REPLACED:
        path.write_text(text, encoding="utf-8")
    else:
        lines = path.read_text(encoding="utf-8").count("\n")
        append(path, text)
    start = time.monotonic()
    problems = problems_of(site)
    messages = message if isinstance(message, tuple) else (message,)  # either refusal will do
    assert any(text in problem for problem in problems for text in messages), problems
    if "deep" in name or "indented" in name or "levels" in name:  # at the line it starts going
        first = lines + (34 if "levels" in name else 1)  # k33 is the first over 64 spaces
        at = [f"{path.name}:{first}: {text}" for text in messages]
        assert any(text in problem for problem in problems for text in at), problems
    assert time.monotonic() - start < HANG_GUARD_S


# --- linear time --------------------------------------------------------------------------------

LONG_LINE = "is {:,} characters long; break it into lines of at most 20,000"
LONG_LINES = {  # (the file with a 1 MB line, the line's length, whether it is the first line)
    "comment-at-the-start": (lambda text: "# " + "x" * MB + "\n" + text, MB + 2, True),
    "comment-at-the-end": (lambda text: text + "# " + "x" * MB + "\n", MB + 2, False),
    "brackets-in-a-comment": (lambda text: "# " + "[" * MB + "\n" + text, MB + 2, True),
    "spaces": (lambda text: " " * MB + "\n" + text, MB, True),
    "quotes-in-a-comment": (lambda text: "# " + "'\"" * (MB // 2) + "\n" + text, MB + 2, True),
}


@pytest.mark.parametrize(("make", "length", "first"), LONG_LINES.values(), ids=LONG_LINES.keys())
def test_a_1_mb_line_in_recipients_yaml_is_refused_at_its_line_in_well_under_a_second(
    site, make, length, first
):
    text = site.recipients.read_text(encoding="utf-8")
    line = 1 if first else text.count("\n") + 1
    site.recipients.write_text(make(text), encoding="utf-8")
    directory.load(ROOT / "recipients.yaml")  # this process has parsed YAML before
    start = time.monotonic()
    with pytest.raises(InvalidData) as refused:
        directory.load(site.recipients)
    assert time.monotonic() - start < 1.0
    problems = [str(problem) for problem in refused.value.problems]
    assert problems == [f"{site.recipients}:{line}: {LONG_LINE.format(length)}"], problems


def test_a_1_mb_comment_line_is_refused_quickly_in_a_fresh_process(site):
    site.recipients.write_text(
        "# " + "x" * MB + "\n" + site.recipients.read_text(encoding="utf-8"), encoding="utf-8"
    )
    command = [CAMPAIGN, "--recipients", site.recipients, "--templates", site.templates]
    start = time.monotonic()
    answer = subprocess.run(
        [*command, "recipients"], capture_output=True, text=True, timeout=2, cwd=site.templates
    )
    assert time.monotonic() - start < 2.0
    assert answer.returncode == 1, answer.stderr
    assert answer.stderr.splitlines() == [
        f"error: {site.recipients}:1: {LONG_LINE.format(MB + 2)}"
    ], answer.stderr
    assert answer.stdout == ""


# --- a hand edit that breaks a file: the last good campaign keeps being served -----------------


def replace_in(path, old: str, new: str) -> None:
    """Edit a file by hand: `old` becomes `new`."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def write_bytes(path, data: bytes) -> None:
    """Replace a file's bytes."""
    path.write_bytes(data)


BREAKS = {
    "recipients-syntax": lambda r, t: append(r, "  - id: [unclosed\n"),
    "recipients-not-utf8": lambda r, t: write_bytes(r, r.read_bytes() + b"# \xff\xfe\n"),
    "recipients-over-2-mb": lambda r, t: append(r, "#" + "x" * (2 * MB) + "\n"),
    "recipients-indented-100": lambda r, t: append(r, " " * 100 + "x: 1\n"),
    "recipients-bad-country": lambda r, t: replace_in(r, "country: KZ", "country: QQ"),
    "recipients-deleted": lambda r, t: r.unlink(),
    "campaign-syntax": lambda r, t: append(t / "campaign.yaml", "title: [unclosed\n"),
    "campaign-not-utf8": lambda r, t: write_bytes(
        t / "campaign.yaml", b"\xff" + (t / "campaign.yaml").read_bytes()
    ),
    "body-syntax": lambda r, t: append(t / "letter.en.txt", "{% if %}\n"),
    "body-division-by-zero": lambda r, t: append(t / "letter.en.txt", "{{ 1 / 0 }}\n"),
    "body-slow-loops": lambda r, t: append(
        t / "letter.it.txt",
        "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}\n",
    ),
    "body-escape": lambda r, t: append(t / "letter.ru.txt", "{{ ''.__class__ }}\n"),
    "body-deleted": lambda r, t: (t / "letter.it.txt").unlink(),
    "body-is-a-folder": lambda r, t: (
        (t / "letter.en.txt").unlink(), (t / "letter.en.txt").mkdir()
    ),
    "print-html-escape": lambda r, t: replace_in(
        t / "print.html", "</body>", "{{ ''.__class__ }}</body>"
    ),
    "print-html-not-utf8": lambda r, t: write_bytes(
        t / "print.html", (t / "print.html").read_bytes() + b"\xff"
    ),
    "print-html-deleted": lambda r, t: (t / "print.html").unlink(),
    "print-css-ends-style": lambda r, t: append(t / "print.css", "/* </style> */\n"),
    "print-css-not-utf8": lambda r, t: write_bytes(
        t / "print.css", (t / "print.css").read_bytes() + b"/* \xff */\n"
    ),
    "print-css-deleted": lambda r, t: (t / "print.css").unlink(),
}  # fmt: skip
NEW_TITLE = "A title typed by hand"


@pytest.fixture
def served(console):
    """The module's app, its files as it first served them (the previous case broke one)."""
    shutil.rmtree(console.templates)
    shutil.copytree(TEMPLATES, console.templates)
    console.recipients.write_bytes(console.first_recipients)
    return console


@pytest.mark.parametrize("brk", BREAKS.values(), ids=BREAKS.keys())
def test_a_hand_edit_that_breaks_a_file_keeps_the_last_good_campaign(served, brk):
    client, recipients_file, templates_dir = served.client, served.recipients, served.templates
    first = client.get("/")
    assert first.status_code == 200
    title = "Bring Alma Shalabayeva"
    assert title in first.get_data(as_text=True)
    replace_in(templates_dir / "campaign.yaml", "Bring Alma Shalabayeva", NEW_TITLE)
    brk(recipients_file, templates_dir)
    start = time.monotonic()
    response = client.get("/")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert title in text and NEW_TITLE not in text  # the last good version, not a mix
    preview = client.post("/write", data=write_data(client, offices=["kz-president"]))
    assert preview.status_code == 200
    assert "Алмы Шалабаевой" in page(preview).one("textarea", id="body-kz-president").text
    assert time.monotonic() - start < HANG_GUARD_S
