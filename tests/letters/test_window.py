"""Every line of an office's address prints inside the envelope window, a wrapped one too."""

from __future__ import annotations

import io

import pdfplumber
import pytest

from campaign import directory
from campaign.errors import InvalidData
from campaign.letters import disclosure, pdf, render, window
from campaign.models import Sender
from campaign.rulebook import load_site
from tests.builders import RECIPIENTS, TEMPLATES
from tests.letters.test_pdf import lines, mm_box

SENDER = Sender(
    name="Maria Rossi", street="Via Roma 12", postcode="20121", city="Milano", country="IT"
)
# The window of each paper, in millimetres from the page's top left: x0, top, x1, bottom.
# A4: DIN 5008 B below the return zone. Letter: a #10 envelope's window, 7/8 in from the
# left, 4.5 x 1.125 in, seeing 2.0 to 3.125 in of the sheet folded in thirds.
WINDOWS = {"a4": (20, 62.7, 105, 90), "letter": (22.2, 50.8, 136.5, 79.4)}
PRESIDENT_LINE = "Presidential Administration of the Republic of Kazakhstan"


def test_a_line_wider_than_the_window_counts_as_the_lines_it_wraps_into():
    assert window.printed_lines([PRESIDENT_LINE], 10.5, window.WIDTH_MM["a4"]) == 2
    assert window.printed_lines([PRESIDENT_LINE], 9.0, window.WIDTH_MM["a4"]) == 1
    assert window.printed_lines(["ASTANA", "KAZAKHSTAN"], 10.5, window.WIDTH_MM["a4"]) == 2
    assert window.printed_lines(["x" * 400], 9.0, window.WIDTH_MM["a4"]) >= 4  # one long word


def test_six_lines_with_one_wrapped_take_the_smaller_type():
    six = ["010000", "ASTANA", "Left Bank", PRESIDENT_LINE, "Nursultan Nazarbayev", "KAZAKHSTAN"]
    assert window.size_class(six, "a4") == "long"
    assert window.size_class([*six[:5], "KZ"], "a4") == "long"
    assert window.size_class(["010000", "ASTANA", "Left Bank", "KAZAKHSTAN"], "a4") == ""
    assert window.fitting_size([PRESIDENT_LINE] * 8, "a4") is None


@pytest.mark.parametrize("paper", sorted(WINDOWS))
@pytest.mark.parametrize("language", ["en", "it", "ru"])
def test_the_presidents_whole_address_prints_in_the_window(language, paper):
    appeal = render.load(TEMPLATES)
    office = directory.load(RECIPIENTS).get("kz-president")
    letter = render.render_letter(appeal, office, SENDER, language)
    expected = disclosure.window_lines(letter)
    assert expected[-1] == "KAZAKHSTAN"  # posted from Italy: the country line is printed
    with pdfplumber.open(
        io.BytesIO(pdf.render([letter], paper=paper, templates_dir=TEMPLATES))
    ) as document:
        page = document.pages[0]
        inside = lines(mm_box(page, *WINDOWS[paper]).extract_text())
        below = lines(mm_box(page, WINDOWS[paper][0], WINDOWS[paper][3], 150, 110).extract_text())
    assert " ".join(inside) == " ".join(expected)
    assert "KAZAKHSTAN" not in " ".join(below)


def test_an_address_that_cannot_fit_the_window_is_refused_at_its_line(site):
    text = site.recipients.read_text(encoding="utf-8")
    longer = text.replace(
        "        - Left Bank\n",
        "        - Left Bank\n" + "".join(f"        - {PRESIDENT_LINE} {n}\n" for n in range(3)),
        1,
    )
    assert longer != text
    with pytest.raises(InvalidData) as refused:
        load_site(site, {site.recipients.name: longer.encode()})
    (problem,) = [p for p in refused.value.problems if p.field == "kz-president.address"]
    assert problem.where == f"{site.recipients}:{_line_of(longer, 'id: kz-president', 'lines:')}"
    assert "at most 7 fit the envelope window" in problem.message
    assert "shorten a line of `address.lines`" in problem.message


def _line_of(text: str, after: str, key: str) -> int:
    """The 1-based line of the first `key` after the line holding `after`."""
    all_lines = text.splitlines()
    start = next(i for i, line in enumerate(all_lines) if after in line)
    return next(i for i in range(start, len(all_lines)) if key in all_lines[i]) + 1


def test_the_bundled_offices_all_fit_their_window():
    appeal = render.load(TEMPLATES)
    for office in directory.load(RECIPIENTS).recipients:
        for language in ("en", "it", "ru"):
            letter = render.render_letter(appeal, office, SENDER, language)
            for paper in WINDOWS:
                assert window.fitting_size(disclosure.window_lines(letter), paper) is not None
