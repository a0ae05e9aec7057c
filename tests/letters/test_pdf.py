"""The print-ready PDF: window position, fonts, tagging, safety, page numbers, splitting."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from pathlib import Path

import pdfplumber
import pypdf
import pytest
from weasyprint import HTML

from campaign import limits
from campaign.directory import addresses
from campaign.errors import CampaignError, TemplateError, TooLarge
from campaign.letters import pdf, render_pool
from campaign.models import Address, Letter, Recipient, Sender
from tests.builders import TEMPLATES

MM = 72 / 25.4  # PDF points per millimetre
KAZAKH = "әғқңөұүһі"


# --- a small factory: letters built straight from the models -----------------------------


def italian_ministry() -> Recipient:
    """The Italian Ministry of the Interior, written to in Italian."""
    return Recipient(
        id="it-interior",
        office="Ministry of the Interior",
        office_local="Ministero dell'Interno",
        person="On. Angelino Alfano",
        country="IT",
        language="it",
        address=Address(
            lines=("Piazza del Viminale 1",),
            postcode="00184",
            city="Roma",
            region="RM",
            country="IT",
        ),
        salutation={"it": "Egregio Signor Ministro"},
        ask={"it": "Chiarire le circostanze dell'espulsione."},
    )


def kazakh_office() -> Recipient:
    """A Kazakh prosecutor's office in Atyrau, written to in Russian."""
    return Recipient(
        id="kz-atyrau-prosecutor",
        office="Prosecutor's Office of Atyrau Region",
        office_local="Прокуратура Атырауской области",
        country="KZ",
        language="ru",
        address=Address(
            lines=("ул. Азаттык, 6",),
            postcode="060005",
            city="Атырау",
            region="Атырауская область",
            country="KZ",
        ),
        salutation={"ru": "Уважаемый господин прокурор"},
        ask={"ru": "Обеспечить свободу передвижения."},
    )


def sender(name: str = "Maria Rossi") -> Sender:
    """A supporter in Milan, with a full address and an e-mail."""
    return Sender(
        name=name,
        street="Via Roma 12",
        postcode="20121",
        city="Milano",
        country="IT",
        email="maria.rossi@example.org",
    )


def make_letter(
    recipient: Recipient, paragraphs: int = 3, who: Sender | None = None, note: str = ""
) -> Letter:
    """A letter to `recipient` in its language, with `paragraphs` paragraphs of body."""
    who = who or sender()
    if recipient.language == "ru":
        text = (
            "Пишу Вам в связи с делом Алмы Шалабаевой и её дочери Алуа Аблязовой, "
            "доставленных в Атырау. Прошу обеспечить соблюдение их прав и свободу передвижения."
        )
        extras = ("Милан, 22 ноября 2026 г.", "О деле Алмы Шалабаевой", "С уважением,")
    else:
        text = (
            "Le scrivo in merito alla vicenda di Alma Shalabayeva e di sua figlia Alua "
            "Ablyazova, espulse dall'Italia il 31 maggio 2013 con una procedura straordinaria."
        )
        extras = (
            "Milano, 22 novembre 2026",
            "Alma Shalabayeva e Alua Ablyazova",
            "Distinti saluti,",
        )
    body = "\n\n".join([text] * paragraphs + ([note] if note else []))
    place_date, subject, closing = extras
    return Letter(
        recipient=recipient,
        sender=who,
        language=recipient.language,
        subject=subject,
        place_date=place_date,
        salutation=recipient.salutation[recipient.language] + ",",
        body=body,
        closing=closing,
        signature=(*addresses.sender_lines(who, recipient.language), who.email),
    )


def render(letters: list[Letter], **options) -> bytes:
    """The combined PDF of `letters`, from the repository's print templates."""
    return pdf.render(letters, templates_dir=TEMPLATES, **options)


def mm_box(page, x0: float, top: float, x1: float, bottom: float):
    """The part of a page inside a rectangle in millimetres from the top left, give or take 0.1."""
    slack = 0.1  # text set exactly at 20 mm starts at 19.99999 once in points
    return page.within_bbox(
        ((x0 - slack) * MM, (top - slack) * MM, (x1 + slack) * MM, (bottom + slack) * MM)
    )


def lines(text: str | None) -> list[str]:
    """Non-empty lines of extracted text, with runs of spaces made one."""
    return [re.sub(r"\s+", " ", line).strip() for line in (text or "").splitlines() if line.strip()]


def footer(page) -> str:
    """The text of the bottom margin, where page numbers go."""
    height = page.height / MM
    return (mm_box(page, 100, height - 25, 200, height - 1).extract_text() or "").strip()


@pytest.fixture(scope="module")
def two_letters() -> tuple[list[Letter], bytes]:
    """An Italian one-page letter and a Russian one with Kazakh letters in a note."""
    letters = [
        make_letter(italian_ministry()),
        make_letter(kazakh_office(), note=f"Казахские буквы: {KAZAKH}. Город Атырау."),
    ]
    return letters, render(letters, title="Two letters")


@pytest.fixture(scope="module")
def long_short_long() -> tuple[list[Letter], bytes]:
    """A two-page letter, a one-page letter, another two-page letter."""
    long_ru = make_letter(kazakh_office(), paragraphs=16)
    short_it = make_letter(italian_ministry())
    long_it = make_letter(replace(italian_ministry(), id="it-second"), paragraphs=16)
    letters = [long_ru, short_it, long_it]
    return letters, render(letters, title="Three letters")


# --- the window envelope -----------------------------------------------------------------


def test_recipient_and_only_the_recipient_shows_in_the_window(two_letters):
    _, data = two_letters
    with pdfplumber.open(io.BytesIO(data)) as document:
        page = document.pages[0]
        window = lines(mm_box(page, 20, 62.7, 105, 90).extract_text())
        return_zone = lines(mm_box(page, 20, 45, 105, 62.7).extract_text())
        everything = page.extract_text()
    expected = addresses.recipient_lines(italian_ministry(), "it", from_country="IT")
    assert window == expected
    assert "Piazza del Viminale 1" in window
    assert any("00184" in line and "ROMA" in line.upper() for line in window)
    assert "Shalabayeva" in everything  # the body is on the page, but not in the window
    assert not any("Shalabayeva" in line or "Egregio" in line for line in window)
    squeeze = "".join(addresses.return_line(sender(), "it").split())
    assert "".join("".join(return_zone).split()) == squeeze


def test_foreign_recipient_gets_country_line_in_the_window(two_letters):
    _, data = two_letters
    with pdfplumber.open(io.BytesIO(data)) as document:
        window = lines(mm_box(document.pages[1], 20, 62.7, 105, 90).extract_text())
    assert window == addresses.recipient_lines(kazakh_office(), "ru", from_country="IT")
    assert window[-1] == "KAZAKHSTAN"
    assert any("Атырау" in line or "АТЫРАУ" in line for line in window)


def test_cyrillic_and_kazakh_letters_extract_intact(two_letters):
    _, data = two_letters
    with pdfplumber.open(io.BytesIO(data)) as document:
        text = document.pages[1].extract_text()
    assert "Атырау" in text
    assert KAZAKH in text
    assert "Уважаемый господин прокурор," in text


# --- fonts, tags, metadata ---------------------------------------------------------------


def font_descriptor(font) -> dict:
    """The /FontDescriptor of a simple or a composite (Type0) font."""
    font = font.get_object()
    if "/DescendantFonts" in font:
        font = font["/DescendantFonts"][0].get_object()
    return font["/FontDescriptor"].get_object()


def test_every_font_is_embedded_and_is_pt_serif(two_letters):
    _, data = two_letters
    reader = pypdf.PdfReader(io.BytesIO(data))
    names = set()
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        assert fonts, "a page without fonts"
        for font in fonts.values():
            descriptor = font_descriptor(font)
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor
            names.add(str(font.get_object()["/BaseFont"]))
    # WeasyPrint names a subset "ABCDEF+PT-Serif"; the hyphen is its, not the font's.
    assert names and all("PTSerif" in name.replace("-", "") for name in names)


def test_pdf_is_tagged_with_language_title_and_author(two_letters):
    _, data = two_letters
    reader = pypdf.PdfReader(io.BytesIO(data))
    catalog = reader.trailer["/Root"]
    assert catalog["/MarkInfo"]["/Marked"].value is True
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "it"  # the first letter's language; each section has its own
    assert reader.metadata["/Title"] == "Two letters"
    assert reader.metadata["/Author"] == "Maria Rossi"


def test_one_letter_is_titled_with_its_subject():
    letter = make_letter(kazakh_office())
    reader = pypdf.PdfReader(io.BytesIO(render([letter])))
    assert reader.metadata["/Title"] == "О деле Алмы Шалабаевой"
    assert reader.trailer["/Root"]["/Lang"] == "ru"


# --- safety ------------------------------------------------------------------------------


@pytest.fixture
def fetched(monkeypatch) -> list[str]:
    """Every URL WeasyPrint asks the project's fetcher for, during the test."""
    calls: list[str] = []
    original = pdf.DataOnlyFetcher.fetch

    def recording(self, url, headers=None):
        calls.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf.DataOnlyFetcher, "fetch", recording)
    return calls


def test_html_in_a_name_is_printed_as_text_and_never_fetched(fetched):
    evil = '<img src="file:///etc/passwd">'
    letter = make_letter(italian_ministry(), who=replace(sender(), name=evil))
    data = render([letter])
    with pdfplumber.open(io.BytesIO(data)) as document:
        text = document.pages[0].extract_text()
    assert evil in text
    assert not any("passwd" in url for url in fetched)


def test_a_template_cannot_fetch_files_or_the_network(site, fetched):
    templates = site.templates
    page = templates / "print.html"
    tags = '<img src="file:///etc/passwd"><img src="http://169.254.169.254/latest/meta-data/">'
    page.write_text(page.read_text().replace("<body>", "<body>" + tags))
    data = pdf.render([make_letter(italian_ministry())], templates_dir=templates)
    assert "file:///etc/passwd" in fetched  # asked, and refused: the PDF still comes out
    assert "http://169.254.169.254/latest/meta-data/" in fetched
    pictures = pypdf.PdfReader(io.BytesIO(data)).pages[0]["/Resources"].get("/XObject", {})
    # The one picture is the fold marks' (a drawing, of print.css): no image was embedded.
    assert [x.get_object()["/Subtype"] for x in pictures.values()] == ["/Form"]


def test_fetcher_serves_data_urls():
    fetched = pdf.DataOnlyFetcher().fetch("data:text/plain;base64,aGVsbG8=")
    assert fetched.read() == b"hello"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/",
        "https://example.org/font.woff",
        "ftp://example.org/x",
        "file://evil.example/etc/passwd",
        Path(pdf.__file__).as_uri(),  # not even the package's own files
    ],
)
def test_fetcher_refuses_anything_else(url):
    with pytest.raises(pdf.FetchRefused):
        pdf.DataOnlyFetcher().fetch(url)


# --- page numbers ------------------------------------------------------------------------


def test_page_numbers_only_on_long_letters_and_restart_per_letter(long_short_long):
    _, data = long_short_long
    with pdfplumber.open(io.BytesIO(data)) as document:
        footers = [footer(page) for page in document.pages]
    assert footers == ["1 / 2", "2 / 2", "", "1 / 2", "2 / 2"]


# --- split -------------------------------------------------------------------------------


def test_split_gives_each_letter_its_own_pages(long_short_long):
    letters, _ = long_short_long
    combined, singles = pdf.render_split(letters, templates_dir=TEMPLATES)
    assert list(singles) == ["kz-atyrau-prosecutor", "it-interior", "it-second"]
    counts = {key: len(pypdf.PdfReader(io.BytesIO(data)).pages) for key, data in singles.items()}
    assert counts == {"kz-atyrau-prosecutor": 2, "it-interior": 1, "it-second": 2}
    assert len(pypdf.PdfReader(io.BytesIO(combined)).pages) == sum(counts.values())
    for letter in letters:
        data = singles[letter.recipient.id]
        with pdfplumber.open(io.BytesIO(data)) as document:
            window = lines(mm_box(document.pages[0], 20, 62.7, 105, 90).extract_text())
            assert footer(document.pages[-1]) in ("", "2 / 2")
        assert window == addresses.recipient_lines(letter.recipient, letter.language, "IT")
        reader = pypdf.PdfReader(io.BytesIO(data))
        assert reader.metadata["/Title"] == letter.subject
        assert reader.trailer["/Root"]["/Lang"] == letter.language
        assert "/StructTreeRoot" in reader.trailer["/Root"]


def test_split_lays_out_once(monkeypatch):
    layouts = []
    original = HTML.render

    def counting(self, *args, **kwargs):
        layouts.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(HTML, "render", counting)
    pdf.render_split(
        [make_letter(italian_ministry()), make_letter(kazakh_office())], templates_dir=TEMPLATES
    )
    assert len(layouts) == 1


# --- paper, fonts, errors ----------------------------------------------------------------


def test_us_letter_paper(fetched):
    data = render([make_letter(italian_ministry())], paper="letter")
    box = pypdf.PdfReader(io.BytesIO(data)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)
    a4 = pypdf.PdfReader(io.BytesIO(render([make_letter(italian_ministry())]))).pages[0].mediabox
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)


def test_unknown_paper_names_the_valid_ones():
    with pytest.raises(CampaignError, match="a4, letter"):
        render([make_letter(italian_ministry())], paper="legal")


def test_one_font_configuration_for_every_render(monkeypatch):
    seen = []
    original = HTML.render

    def spying(self, font_config=None, *args, **kwargs):
        seen.append(font_config)
        return original(self, font_config, *args, **kwargs)

    monkeypatch.setattr(HTML, "render", spying)
    render([make_letter(italian_ministry())])
    render([make_letter(kazakh_office())])
    assert len(seen) == 2
    assert seen[0] is not None and seen[0] is seen[1] is pdf.font_configuration()


def test_no_letters_or_the_same_office_twice_are_refused():
    with pytest.raises(CampaignError, match="no letters"):
        render([])
    letter = make_letter(italian_ministry())
    with pytest.raises(CampaignError, match="it-interior"):
        render([letter, letter])


def test_template_mistake_names_the_file_and_line(site):
    templates = site.templates
    (templates / "print.html").write_text("<html>\n{{ letters[0].nope }}\n</html>\n")
    with pytest.raises(TemplateError, match=r"print\.html:2"):
        pdf.render([make_letter(italian_ministry())], templates_dir=templates)


def test_html_gets_plain_values_and_escapes_them():
    evil = "<script>x</script>"
    letter = make_letter(italian_ministry(), who=replace(sender(), name=evil))
    source = pdf.html([letter], templates_dir=TEMPLATES)
    assert evil not in source
    assert "&lt;script&gt;x&lt;/script&gt;" in source
    assert 'id="letter-it-interior"' in source and 'lang="it"' in source


def test_renders_from_many_threads_are_serialised(monkeypatch):
    """WeasyPrint crashes when two threads render at once: the module lets one in at a time."""
    import threading
    import time

    inside, overlaps = [0], []
    real_render = HTML.render

    def counting_render(self, *args, **kwargs):
        inside[0] += 1
        overlaps.append(inside[0])
        time.sleep(0.05)
        try:
            return real_render(self, *args, **kwargs)
        finally:
            inside[0] -= 1

    monkeypatch.setattr(HTML, "render", counting_render)
    letter = make_letter(italian_ministry())
    threads = [
        threading.Thread(target=pdf.render, args=([letter],), kwargs={"templates_dir": TEMPLATES})
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert overlaps == [1, 1, 1, 1]


def test_a_word_longer_than_the_line_is_printed_whole():
    word = "".join("abcdefghijklmnopqrstuvwxyz"[index % 26] for index in range(10_000))
    letter = replace(make_letter(italian_ministry()), body=word + "\n")
    data = render([letter])
    with pdfplumber.open(io.BytesIO(data)) as document:
        text = "\n".join(page.extract_text() for page in document.pages)
        pages = len(document.pages)
    pieces = [line for line in text.splitlines() if line.isalpha() and line.islower()]
    assert "".join(pieces) == word  # broken across lines and pages, every character there
    assert len(pieces) > 50 and pages >= 3  # it fills pages instead of running off one line


def test_a_document_over_the_page_limit_is_refused_after_its_layout(monkeypatch):
    monkeypatch.setattr(limits, "PDF_PAGES", 2)
    long = replace(make_letter(italian_ministry()), body="\n\n".join(["word " * 150] * 12))
    with pytest.raises(TooLarge, match=r"would print \d+ pages; one PDF holds at most 2"):
        render([long])


def test_more_letters_than_one_request_may_print_are_refused(monkeypatch):
    monkeypatch.setattr(limits, "LETTERS_PER_REQUEST", 1)
    letters = [make_letter(italian_ministry()), make_letter(replace(italian_ministry(), id="b"))]
    with pytest.raises(TooLarge, match="2 letters; print at most 1 at once"):
        pdf.html(letters, templates_dir=TEMPLATES)


def test_a_worker_sends_a_limit_back_as_the_same_error():
    class Refusing:
        @staticmethod
        def render(*args, **kwargs):
            raise TooLarge("the letters would print 140 pages")

    job = render_pool.Job((), "a4", TEMPLATES, None)
    answer = render_pool._render(Refusing, job)
    assert answer == ("too-large", "the letters would print 140 pages", None)
    with pytest.raises(TooLarge, match="140 pages"):
        render_pool._result(answer)


def test_a_layout_that_prints_two_letters_on_one_page_cannot_be_split(site):
    css = site.templates / "print.css"
    css.write_text(css.read_text().replace("  break-before: page;\n", "", 1))
    letters = [make_letter(italian_ministry()), make_letter(kazakh_office())]
    assert len(pypdf.PdfReader(io.BytesIO(pdf.render(letters, templates_dir=site.templates))).pages)
    with pytest.raises(TemplateError, match="the letter to kz-atyrau-prosecutor has no page of"):
        pdf.render_split(letters, templates_dir=site.templates)


def test_a_pdf_cut_for_one_office_holds_nothing_of_the_other_letters(long_short_long):
    import pikepdf

    letters, _ = long_short_long
    combined, singles = pdf.render_split(letters, templates_dir=TEMPLATES)
    combined_texts = [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(combined)).pages]
    first = 0
    for letter in letters:
        own = letter.recipient.id
        data = singles[own]
        with pikepdf.open(io.BytesIO(data)) as document:
            pages = [
                o
                for o in document.objects
                if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Page"
            ]
            assert len(pages) == len(document.pages)  # no page of another letter left unseen
            root = document.Root
            sections = root.StructTreeRoot.K[0].K
            assert all(section.Pg.objgen in {p.objgen for p in pages} for section in sections)
            keys = root.StructTreeRoot.ParentTree.Nums[::2]
            assert sorted(int(k) for k in keys) == sorted(int(p.StructParents) for p in pages)
            names = [str(name) for name in root.Names.Dests.Names[::2]]
            assert names == [f"letter-end-{own}", f"letter-{own}"]
            assert root.Outlines.Count == 1 and str(root.Outlines.First.Title) == letter.subject
        reader = pypdf.PdfReader(io.BytesIO(data))
        assert reader.xmp_metadata.dc_title == {"x-default": letter.subject}
        assert reader.xmp_metadata.dc_creator == [letter.sender.name]
        texts = [page.extract_text() for page in reader.pages]
        assert texts == combined_texts[first : first + len(texts)]
        first += len(texts)
    assert first == len(combined_texts)


def test_print_css_parsed_once_cannot_fetch_files_or_the_network(site, fetched):
    css = site.templates / "print.css"
    css.write_text(
        '@import url("file:///etc/passwd");\n'
        + css.read_text()
        + '\nh1.subject { background: url("http://169.254.169.254/latest/meta-data/"); }\n'
    )
    data = pdf.render([make_letter(italian_ministry())], templates_dir=site.templates)
    assert "file:///etc/passwd" in fetched  # asked, and refused
    assert "http://169.254.169.254/latest/meta-data/" in fetched
    assert b"root:" not in data and len(pypdf.PdfReader(io.BytesIO(data)).pages) == 1
    fetched.clear()
    pdf.render([make_letter(italian_ministry())], templates_dir=site.templates)
    # The same print.css: parsed once, its @import not asked for again (a background is
    # asked for by each document, and refused each time).
    assert "file:///etc/passwd" not in fetched
    assert "http://169.254.169.254/latest/meta-data/" in fetched
