"""Hostile letter templates at the core: every build bounded while it runs, every runtime error
a message at its file and line, within a hang guard, and no memory kept afterwards.

Each source is tried the way every save and `campaign check` try it: `rulebook.load_site` with
the candidate body, for every office and both sample supporters (with and without a note).
"""

from __future__ import annotations

import gc
import time
import tracemalloc

import pytest

from campaign.errors import InvalidData
from campaign.rulebook import load_site

HEAD = "Dear {{ recipient.office }},\n\n"  # the hostile part starts on line 3
LINE = "letter.en.txt:3: "
HANG_GUARD_S = 5.0

ENOUGH = "joining these would build over 20,000 characters"
BLOCK = "a block builds more than 20,000 characters"
BUILT = "a value longer than 20,000 characters or items was built"
GROWTH = "this would build over 20,000 characters"
REPEAT = "repeating this would build over 20,000 characters"
WIDE = "a format with a field width of 10,000 or more is not allowed"
NESTED = "a format whose width comes from an argument is not allowed"
SLOW = "this letter takes longer than 0.5 s to write; simplify the loops"
FAILS = "the template fails: "
LONG_OUTPUT = "the text is longer than 20,000 characters"
INFINITE = "a number too large to print was built (it would print as inf)"
BASE = "int: the base must be 2 to 36, not 99"

# Class 1: work bounded while it runs. (id, hostile source on line 3, the refusal.)
BOUNDED = [
    ("concat", "{% set s = 'x' * 15000 %}{{ s ~ s }}", ENOUGH),
    ("concat-chain", "{{ 'x' ~ 'y' * 19999 ~ 'z' * 100 }}", ENOUGH),
    (
        "set-block",
        "{% set big %}{% for i in range(10000) %}xxxxxxxxxx{% endfor %}{% endset %}{{ big }}",
        BLOCK,
    ),
    (
        "namespace-text",
        "{% set ns = namespace(a='x' * 10000) %}{% for i in range(30) %}"
        "{% set ns.a = ns.a + ns.a %}{% endfor %}{{ ns.a }}",
        BUILT,
    ),
    (
        "namespace-list",
        "{% set ns = namespace(items=[1] * 10000) %}{% for i in range(30) %}"
        "{% set ns.items = ns.items + ns.items %}{% endfor %}{{ ns.items|length }}",
        BUILT,
    ),
    ("percent-width", "{{ '%(a)99999s' % {'a': 'x'} }}", WIDE),
    ("format-width-argument", "{{ '{:{}}'.format('x', '99999') }}", NESTED),
    ("percent-star", "{{ '%*s' % (99999, 'x') }}", WIDE),
    ("format-width", "{{ '{0:>99999}'.format(1) }}", WIDE),
    ("percent-precision", "{{ '%.99999f' % 1.0 }}", WIDE),
    ("format-filter-width", "{{ '%99999s'|format('x') }}", WIDE),
    ("format-map-width", "{{ '{:99999}'.format_map({}) }}", WIDE),
    ("replace-method", "{{ ('x' * 100).replace('x', 'y' * 300) }}", GROWTH),
    ("replace-filter", "{{ ('x' * 20000)|replace('x', 'yy') }}", GROWTH),
    ("join-filter-range", "{{ range(10000)|join('x' * 20000) }}", GROWTH),
    ("join-filter-generator", "{{ range(10000)|map('string')|join('x' * 20000) }}", GROWTH),
    ("join-method", "{{ ('x' * 300).join(['y'] * 1000) }}", GROWTH),
    ("expandtabs", "{{ ('\\t' * 5000).expandtabs(100) }}", GROWTH),
    ("expandtabs-width", "{{ 'x'.expandtabs(99999) }}", "the number 99999 is too large"),
    ("indent", "{{ ('a\\n' * 5000)|indent(100) }}", "indenting this would build over 20,000"),
    ("center-width", "{{ 'a'|center(99999) }}", "the number 99999 is too large (at most 10,000)"),
    (
        "macro",
        "{% macro big() %}{% for i in range(5000) %}xxxxx{% endfor %}{% endmacro %}{{ big() }}",
        BLOCK,
    ),
    (
        "call-block",
        "{% macro twice() %}{{ caller() }}{{ caller() }}{% endmacro %}"
        "{% call twice() %}{% for i in range(3000) %}xxxxx{% endfor %}{% endcall %}",
        BLOCK,
    ),
    ("repeat-text", "{{ 'ab' * 10001 }}", REPEAT),
    ("repeat-list", "{{ ['x'] * 20001 }}", REPEAT),
    ("repeat-twice", "{{ 'x' * 20000 * 2 }}", REPEAT),
    ("power", "{{ 9 ** 9 ** 9 }}", "this power is too large"),
    ("power-big", "{{ 7 ** 300 }}", "this power is too large"),
    (
        "nested-loops",
        "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
        SLOW,
    ),
    (
        "slow-branch-with-note",
        "{% if sender.note %}{% for i in range(10000) %}{% for j in range(10000) %}"
        "{% endfor %}{% endfor %}{% endif %}",
        SLOW,
    ),
    ("lipsum", "{{ lipsum(10000) }}", SLOW),
    ("output-loop", "{% for i in range(10000) %}xyz{% endfor %}", LONG_OUTPUT),
]

# Class 3: runtime errors. (id, source on line 3, the message.)
FAILING = [
    ("zero-division", "{{ 1 / 0 }}", FAILS + "ZeroDivisionError: division by zero"),
    ("float-overflow-power", "{{ 1e308 ** 2 }}", FAILS + "OverflowError"),
    (
        "macro-recursion",
        "{% macro again() %}{{ again() }}{% endmacro %}{{ again() }}",
        FAILS + "RecursionError: maximum recursion depth exceeded",
    ),
    (
        "range-of-text",
        "{{ range('a') }}",
        FAILS + "TypeError: 'str' object cannot be interpreted as an integer",
    ),
    ("range-step-zero", "{{ range(1, 2, 0) }}", FAILS + "ValueError: range() arg 3 must not be"),
    ("wordwrap-zero", "{{ 'a b'|wordwrap(0) }}", FAILS + "ValueError: invalid width 0"),
    ("truncate-negative", "{{ 'x'|truncate(-1) }}", FAILS + "AssertionError"),
    ("attribute-of-text", "{{ 'x'|xmlattr }}", FAILS + "AttributeError"),
    (
        "failing-branch-without-note",
        "{% if not sender.note %}{{ 1 / 0 }}{% endif %}",
        FAILS + "ZeroDivisionError",
    ),
    ("failing-branch-with-note", "{% if sender.note %}{{ 1 / 0 }}{% endif %}", FAILS),
    ("float-overflow-product", "{{ 1e308 * 10 }}", INFINITE),
    ("float-overflow-sum", "{{ 1e308 + 1e308 }}", INFINITE),
    ("int-bad-base-positional", "{{ 'x'|int(0, 99) }}", BASE),
    ("int-bad-base-keyword", "{{ 'x'|int(base=99) }}", BASE),
    ("int-bad-base-both", "{{ 'x'|int(0, base=99) }}", BASE),
]


def refusal(site, source: str) -> tuple[list[str], float]:
    """The problems load_site reports for the English body `source`, and the time it took."""
    start = time.monotonic()
    with pytest.raises(InvalidData) as refused:
        load_site(site, {"letter.en.txt": (HEAD + source + "\n").encode()})
    return [str(problem) for problem in refused.value.problems], time.monotonic() - start


def params(cases):
    """The cases as pytest params, with their ids."""
    return [case if hasattr(case, "marks") else pytest.param(*case, id=case[0]) for case in cases]


@pytest.mark.parametrize(("name", "source", "message"), params(BOUNDED))
def test_work_is_bounded_while_it_runs(site, name, source, message):
    problems, seconds = refusal(site, source)
    assert any(LINE + message in problem for problem in problems), problems
    assert seconds < HANG_GUARD_S


@pytest.mark.parametrize(("name", "source", "message"), params(FAILING))
def test_a_runtime_error_is_a_message_at_its_line(site, name, source, message):
    problems, seconds = refusal(site, source)
    assert any(LINE + message in problem for problem in problems), problems
    assert not any("Traceback" in problem for problem in problems)
    assert seconds < HANG_GUARD_S


MEMORY_BOMBS = [
    "{{ range(10000)|join('x' * 20000) }}",  # 200 MB if it were built
    "{{ ('\\t' * 5000).expandtabs(10000) }}",  # 50 MB
    "{{ ('x' * 20000)|replace('x', 'y' * 5000) }}",  # 100 MB
    "{% set ns = namespace(a='x' * 10000) %}{% for i in range(30) %}"
    "{% set ns.a = ns.a ~ ns.a %}{% endfor %}",  # doubling 30 times
]


@pytest.mark.parametrize("source", MEMORY_BOMBS, ids=["join", "expandtabs", "replace", "doubling"])
def test_a_refused_build_never_allocates_much_and_keeps_nothing(site, source):
    load_site(site)  # the caches of a first load are not what is measured
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        problems, _seconds = refusal(site, source)
        gc.collect()
        now, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert any(LINE in problem for problem in problems), problems
    assert peak - before < 20_000_000  # refused before the value was built
    assert now - before < 2_000_000  # and nothing of the attempt stays allocated


NOT_FOR_LETTERS = " is not available to letters; write the text here"
INCLUDE = LINE + "{% include %}" + NOT_FOR_LETTERS


def test_two_bodies_that_include_each_other_under_a_condition_are_refused(site):
    loop = "Text.\n\n{%% if sender.note %%}{%% include '%s' %%}{%% endif %%}\n"
    (site.templates / "letter.en.txt").write_text(loop % "letter.it.txt", encoding="utf-8")
    (site.templates / "letter.it.txt").write_text(loop % "letter.en.txt", encoding="utf-8")
    start = time.monotonic()
    with pytest.raises(InvalidData) as refused:
        load_site(site)
    problems = [str(problem) for problem in refused.value.problems]
    assert any(INCLUDE in problem for problem in problems), problems
    assert not any("RecursionError" in problem for problem in problems), problems
    assert time.monotonic() - start < HANG_GUARD_S


@pytest.mark.parametrize(
    "source",
    ["{% include '../recipients.yaml' %}", "{% include '/etc/passwd' %}"],
    ids=["parent-folder", "absolute-path"],
)
def test_an_include_outside_the_templates_folder_is_refused(site, source):
    problems, _seconds = refusal(site, source)
    assert any(INCLUDE in problem for problem in problems), problems
    assert not any("root:" in problem or "kz-president" in problem for problem in problems)


@pytest.mark.parametrize(
    ("source", "tag"),
    [
        ("{% include 'letter.it.txt' %}", "include"),
        ("{% if false %}{% include 'letter.it.txt' %}{% endif %}", "include"),
        ("{% import 'letter.it.txt' as other %}", "import"),
        ("{% from 'letter.it.txt' import m %}", "from"),
        ("{% extends 'letter.it.txt' %}", "extends"),
    ],
    ids=["include", "include-in-a-branch-never-taken", "import", "from-import", "extends"],
)
def test_a_body_that_reads_another_template_is_refused_at_its_line(site, source, tag):
    problems, _seconds = refusal(site, source)
    assert any(LINE + "{% " + tag + " %}" + NOT_FOR_LETTERS in p for p in problems), problems


def test_a_call_script_that_includes_a_body_is_refused_at_its_line(site):
    campaign = site.templates / "campaign.yaml"
    text = campaign.read_text(encoding="utf-8")
    old = "    you.\n  it: >-"
    assert old in text
    new = "    you. {% include 'letter.en.txt' %}\n  it: >-"
    with pytest.raises(InvalidData) as refused:
        load_site(site, {"campaign.yaml": text.replace(old, new, 1).encode()})
    problems = [str(problem) for problem in refused.value.problems]
    message = "campaign.yaml: call_script.en, line 1: {% include %}" + NOT_FOR_LETTERS
    assert any(message in problem for problem in problems), problems
