"""Hostile input to the `campaign` command: arguments that are not UTF-8, folders it cannot
create, files that are not UTF-8 or nested too deeply, failing templates and a print layout
that reaches for internals or attachments: each a one-line `error:`, exit 1, no traceback."""

from __future__ import annotations

import email
import email.policy
import os
import subprocess
import time

import pytest
from click.testing import CliRunner

from campaign.cli import main
from tests.builders import ROOT

CAMPAIGN = ROOT / ".venv" / "bin" / "campaign"
HANG_GUARD_S = 5.0
POLICY = email.policy.default


def run(site, *args: str):
    """`campaign --recipients R --templates T ARGS` in this process."""
    result = CliRunner().invoke(
        main, ["--recipients", str(site.recipients), "--templates", str(site.templates), *args]
    )
    return result


def error_lines(result) -> list[str]:
    """What the command printed, line by line (click 8.2+ mixes stderr into the output)."""
    return [line for line in result.output.splitlines() if line.strip()]


def assert_refused(result, *fragments: str) -> list[str]:
    """Exit 1, only `error:` lines, one of them holding every fragment, and no traceback."""
    lines = error_lines(result)
    assert result.exit_code == 1, lines
    assert result.exception is None or isinstance(result.exception, SystemExit), lines
    assert lines and all(line.startswith("error: ") for line in lines), lines
    assert any(all(fragment in line for fragment in fragments) for line in lines), lines
    assert "Traceback" not in result.output
    return lines


# --- arguments that are not UTF-8 -----------------------------------------------------------

NOT_UTF8 = "Ma\udcffria"  # how Python hands over the byte 0xFF of a command line


@pytest.mark.parametrize("option", ["name", "street", "postcode", "city", "email", "note"])
def test_an_argument_that_is_not_utf8_is_refused(site, tmp_path, option):
    fields = {"name": "Maria Rossi", option: NOT_UTF8}
    args = [part for key, value in fields.items() for part in (f"--{key}", value)]
    result = run(site, "export", *args, "--out", str(tmp_path / "out"))
    assert_refused(result, f"--{option}: holds bytes that are not UTF-8 text")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([b"export", b"--name", b"Ma\xffria", b"--format", b"eml"], "--name: holds bytes"),
        ([b"--recipients", b"r\xff.yaml", b"check"], "no such file"),
    ],
    ids=["name", "recipients-path"],
)
def test_the_real_command_refuses_bytes_that_are_not_utf8(site, tmp_path, args, message):
    command = [os.fsencode(CAMPAIGN), b"--templates", os.fsencode(site.templates), *args]
    if b"export" in args:
        command[3:3] = [b"--recipients", os.fsencode(site.recipients)]
        command += [b"--out", os.fsencode(tmp_path / "out")]
    answer = subprocess.run(command, capture_output=True, timeout=60, cwd=tmp_path)
    errors = answer.stderr.decode("utf-8", "replace").splitlines()
    assert answer.returncode == 1, errors
    assert len(errors) == 1 and errors[0].startswith("error: ") and message in errors[0], errors
    assert b"Traceback" not in answer.stderr + answer.stdout
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--to", "it-\udcff", "unknown office id 'it-\\udcff'"),
        ("--format", "pdf\udcff", "--format 'pdf\\udcff': use one or more of pdf,eml,mailto"),
    ],
    ids=["to", "format"],
)
def test_a_list_option_that_is_not_utf8_is_refused(site, tmp_path, option, value, message):
    result = run(site, "export", "--name", "Maria", option, value, "--out", str(tmp_path / "o"))
    assert_refused(result, message)


INVISIBLE = ["\u200b", "\u200d", "\u2060", "\ufeff", "\u202e", "\u2066"]


@pytest.mark.parametrize("char", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_invisible_characters_are_removed_from_names_on_the_command_line(site, tmp_path, char):
    name, city = f"{char}Maria{char} Rossi{char}", f"Mi{char}lano"
    out = tmp_path / "out"
    # it-interior: its letters show the town (the Kazakh offices learn the name only)
    args = ["--name", name, "--city", city, "--format", "eml", "--to", "it-interior"]
    result = run(site, "export", *args, "--out", str(out))
    assert result.exit_code == 0, result.output
    raw = (out / "it-interior.eml").read_bytes()
    message = email.message_from_bytes(raw, policy=POLICY)
    content = message.get_content()
    assert char not in content and char not in str(message["Subject"])
    assert "\r\nMaria Rossi\r\n" in content and "Milano" in content
    assert char not in (out / "manifest.json").read_text(encoding="utf-8")


@pytest.mark.parametrize("option", ["note", "name"])
def test_template_syntax_typed_on_the_command_line_is_printed_literally(site, tmp_path, option):
    typed = "{{ 7*7 }} {% for i in range(10**9) %}x{% endfor %}"
    fields = {"name": "Maria Rossi", option: typed}
    args = [part for key, value in fields.items() for part in (f"--{key}", value)]
    out = tmp_path / "out"
    result = run(
        site, "export", *args, "--format", "eml", "--to", "kz-president", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    message = email.message_from_bytes((out / "kz-president.eml").read_bytes(), policy=POLICY)
    assert typed in message.get_content()
    assert "49" not in message.get_content()


# --- an --out that cannot be created --------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: (tmp / "file").write_text("x") and tmp / "file" / "sub", "cannot create it"),
        (lambda tmp: tmp / "file", "already exists; choose another --out, nothing was written"),
        (lambda tmp: (tmp / "taken").mkdir() or tmp / "taken", "already exists"),
        (lambda tmp: "/proc/campaign-out/letters", "cannot create it"),
    ],
    ids=["parent-is-a-file", "is-a-file", "exists", "under-proc"],
)
def test_an_out_folder_that_cannot_be_made_is_refused(site, tmp_path, make, message):
    (tmp_path / "file").write_text("x")
    out = make(tmp_path)
    result = run(site, "export", "--name", "Maria", "--format", "eml", "--out", str(out))
    lines = assert_refused(result, f"error: {out}: ", message)
    assert len(lines) == 1
    assert (tmp_path / "file").read_text() == "x"


# --- files that are not UTF-8 ------------------------------------------------------------------

NOT_UTF8_FILES = [
    ("letter.it.txt", "letter.it.txt:3: is not UTF-8 text; save the file as UTF-8"),
    ("letter.en.txt", "letter.en.txt:3: is not UTF-8 text; save the file as UTF-8"),
    ("campaign.yaml", "campaign.yaml:3: is not UTF-8 text; save the file as UTF-8"),
    ("../recipients.yaml", "recipients.yaml:3: is not UTF-8 text; save the file as UTF-8"),
    ("print.html", "print.html:3: is not UTF-8 text; save the file as UTF-8"),
    ("print.css", "print.css:3: is not UTF-8 text; save the file as UTF-8"),
]


NOT_UTF8_RUNS = [
    pytest.param(command, file, message, id=f"{command}-{file}")
    for file, message in NOT_UTF8_FILES
    for command in ("check", "export")
]


@pytest.mark.parametrize(("command", "file", "message"), NOT_UTF8_RUNS)
def test_a_file_that_is_not_utf8_is_named_with_its_line(site, tmp_path, command, file, message):
    path = site.templates / file
    lines = path.read_bytes().split(b"\n")
    lines.insert(2, b"# caf\xe9 (Latin-1)" if file.endswith("yaml") else b"caf\xe9")
    path.write_bytes(b"\n".join(lines))
    args = (
        ["export", "--name", "Maria", "--out", str(tmp_path / "o")] if command == "export" else []
    )
    lines = assert_refused(run(site, *(args or ["check"])), message)
    assert len(lines) == 1
    assert not (tmp_path / "o").exists()


# --- deep, huge and over-indented YAML ----------------------------------------------------------


def append(path, text: str) -> int:
    """Add `text` to a file; the number of its first added line."""
    old = path.read_text(encoding="utf-8")
    path.write_text(old + text, encoding="utf-8")
    return old.count("\n") + 1


YAML_CASES = [
    ("flow", "recipients.yaml", "x: " + "[" * 50_000 + "]" * 50_000 + "\n", 0,
     ("has [ ] or { } nested too deeply",
      "is 100,003 characters long; break it into lines of at most 20,000")),
    ("block", "recipients.yaml",
     "x:\n" + "".join(" " * (2 * n) + f"k{n}:\n" for n in range(1, 40)), 33,
     "is indented more than 64 spaces"),
    ("indent-100", "recipients.yaml", " " * 100 + "x: 1\n", 0, "is indented more than 64 spaces"),
    ("campaign-flow", "letter_templates/campaign.yaml", "x: " + "{a: " * 30 + "1" + "}" * 30 + "\n",
     0, "has [ ] or { } nested too deeply"),
    ("huge-recipients", "recipients.yaml", "#" + "x" * 2_100_000 + "\n", None,
     "is larger than 2,000,000 bytes, the limit; shorten it"),
    ("huge-campaign", "letter_templates/campaign.yaml", "#" + "x" * 2_100_000 + "\n", None,
     "is larger than 2,000,000 bytes, the limit; shorten it"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("file", "text", "offset", "message"),
    [pytest.param(*case[1:], id=case[0]) for case in YAML_CASES],
)
def test_yaml_too_deep_too_large_or_over_indented_is_one_error_line(
    site, file, text, offset, message
):
    path = site.recipients.parent / file
    first = append(path, text)
    where = path.name if offset is None else f"{path.name}:{first + offset}"
    start = time.monotonic()
    result = run(site, "check")
    messages = message if isinstance(message, tuple) else (message,)  # either refusal will do
    assert_refused(result, f"{where}: ")
    lines = error_lines(result)
    assert len(lines) == 1 and any(f"{where}: {text}" in lines[0] for text in messages), lines
    assert time.monotonic() - start < HANG_GUARD_S


def test_aliases_that_would_expand_a_billion_times_are_refused_quickly(site):
    laughs = 'lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]\n'
    laughs += "".join(
        f"lol{n}: &lol{n} [{', '.join([f'*lol{n - 1}'] * 9)}]\n" for n in range(1, 10)
    )
    text = site.recipients.read_text(encoding="utf-8")
    text = text.replace("    tags: [italy, government]", "    tags: *lol9", 1)
    site.recipients.write_text(laughs + text, encoding="utf-8")
    start = time.monotonic()
    assert_refused(run(site, "check"), "recipients.yaml:1: lol0: unknown key 'lol0'")
    assert time.monotonic() - start < HANG_GUARD_S


# --- template runtime errors in `check` and `export` ------------------------------------------

RUNTIME = [
    ("zero-division", "{{ 1 / 0 }}", "ZeroDivisionError: division by zero"),
    ("overflow", "{{ 1e308 ** 2 }}", "OverflowError"),
    ("recursion", "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "RecursionError"),
    ("range-of-text", "{{ range('a') }}", "TypeError"),
    ("nested-loops", "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}"
     "{% endfor %}", "takes longer than 0.5 s"),
]  # fmt: skip


@pytest.mark.parametrize("command", ["check", "export"])
@pytest.mark.parametrize(
    ("source", "message"), [pytest.param(*case[1:], id=case[0]) for case in RUNTIME]
)
def test_a_template_runtime_error_is_one_error_line(site, tmp_path, command, source, message):
    (site.templates / "letter.ru.txt").write_text(f"Text.\n\n{source}\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["export", "--name", "Maria", "--out", str(out)] if command == "export" else ["check"]
    start = time.monotonic()
    lines = assert_refused(run(site, *args), "letter.ru.txt:3: ", message)
    assert len(lines) == 1
    assert not out.exists()
    assert time.monotonic() - start < HANG_GUARD_S


# --- print.html that reaches for internals or attachments ---------------------------------------


def edit_print_html(site, old: str, new: str) -> None:
    """Change print.html by hand."""
    path = site.templates / "print.html"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("addition", "message"),
    [("{{ ''.__class__ }}", "'__class__' is not available to letters"),
     ("{% if false %}{{ letters.__class__.__mro__ }}{% endif %}",
      "'__class__' is not available to letters"),
     ("{{ lipsum.__globals__ }}", "'__globals__' is not available to letters"),
     ("{{ letters[0]['__class__'] }}", "'__class__' is not available to letters"),
     ("{% include 'letter.en.txt' %}",
      "{% include %} is not available to letters; write the text here"),
     ("{% import 'letter.en.txt' as other %}",
      "{% import %} is not available to letters; write the text here"),
     ("{% from 'letter.en.txt' import m %}",
      "{% from %} is not available to letters; write the text here")],
    ids=["class", "in-a-branch-never-taken", "globals", "subscript", "include", "import",
         "from-import"],
)  # fmt: skip
def test_a_print_layout_reaching_python_internals_is_refused_by_check(site, addition, message):
    text = (site.templates / "print.html").read_text(encoding="utf-8")
    line = text[: text.index("</body>")].count("\n") + 1
    edit_print_html(site, "</body>", addition + "</body>")
    lines = assert_refused(run(site, "check"), f"print.html:{line}: {message}")
    assert len(lines) == 1


ATTACHMENTS = {
    "link-file": '<link rel="attachment" href="file:///etc/passwd">',
    "link-data": '<link rel="attachment" href="data:text/plain,hello">',
    "anchor-data": '<a rel="attachment" href="data:text/plain,hello">attached</a>',
    "anchor-file": '<a rel="attachment" href="file:///etc/passwd">attached</a>',
}


@pytest.mark.parametrize("name", list(ATTACHMENTS))
def test_a_print_layout_with_an_attachment_works_in_every_export(site, tmp_path, name):
    place = "</head>" if name.startswith("link") else "</body>"
    edit_print_html(site, place, ATTACHMENTS[name] + place)
    checked = run(site, "check")
    assert checked.exit_code == 0, checked.output
    out = tmp_path / "out"
    result = run(site, "export", "--name", "Maria", "--format", "pdf", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "WeasyPrint" not in result.output
    pdf_files = list(out.glob("*.pdf"))
    assert len(pdf_files) > 1  # the combined PDF and one per office: each written again
    for pdf_file in pdf_files:
        assert b"root:x:0:0" not in pdf_file.read_bytes()
        if name.startswith("link"):  # a document's attachments are dropped: none is embedded
            assert b"/EmbeddedFile" not in pdf_file.read_bytes()
