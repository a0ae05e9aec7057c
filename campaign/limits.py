"""Every limit on what a file, a form or a template may hold: defined here once, used everywhere.

The validators of the files apply them (so `campaign check`, the web app's reload, the console
and the CSV import refuse the same things), and the forms state them and refuse longer input
before it reaches the core. A limit is a number of characters unless its name says otherwise.
"""

from __future__ import annotations

# --- what a supporter types -----------------------------------------------------------------
SENDER = {
    "name": 100,
    "street": 150,
    "postcode": 20,
    "city": 80,
    "country": 2,
    "email": 254,
    "note": 1500,
}

# --- an organiser's account ----------------------------------------------------------------
ORGANISER_NAME = 64
PASSWORD = 256  # and at least 15 (organisers.MIN_LENGTH, the policy rather than a size)
SECOND_FACTOR_CODE = 64  # a 6-digit code or a recovery code, with room for spaces

# --- a letter ---------------------------------------------------------------------------------
SUBJECT = 200  # one subject, as a subject variant in campaign.yaml and as edited in the preview
BODY = 10_000  # a rendered letter body (about four pages), and a body edited in the preview
TEMPLATE_SOURCE = 20_000  # the source of a letter body or a call script
PARAGRAPHS = 60  # paragraphs of one letter body, as rendered and as edited in the preview
LETTERS_PER_REQUEST = 30  # letters in one preview or one PDF
PDF_PAGES = 100  # pages in one PDF (8 letters of the bundled campaign take 8)
CLI_PDF_DEADLINE_S = 60.0  # seconds for one PDF of `campaign check` or `export` (30 letters)
RENDER_BUDGET_S = 2.0  # seconds for all the sample renders of one validation together
RENDER_S = 0.5  # seconds for one render of one template, for any supporter (a letter: ~1 ms)
PRINT_RENDER_S = 2.0  # seconds for print.html to lay out one request's letters as HTML

# --- one office of recipients.yaml ----------------------------------------------------------
OFFICE = {
    "id": 64,
    "office": 200,
    "office_local": 200,
    "person": 200,
    "title": 200,
    "country": 2,
    "language": 2,
    "salutation": 200,  # in each language
    "address.lines": 200,  # each line
    "postcode": 20,
    "city": 100,
    "region": 100,
    "phone": 40,  # each phone or fax, as written
    "email": 254,  # each address
    "email_note": 1000,
    "safety_note": 1000,  # in each language
    "ask": 2000,  # in each language
    "tag": 40,  # each tag
    "source": 300,
    "verified": 10,
    # the appeal's life: a pause and what a supporter may say in their own words
    "pause.reason": 1000,  # in each language
    "pause.replacement": 64,
    "talking_point": 300,  # each point, in each language
}
OFFICE_ITEMS = {"address.lines": 6, "phones": 10, "faxes": 10, "emails": 10, "tags": 20}
OFFICE_ITEMS["talking_points"] = 8  # points in each language

# --- campaign.yaml ----------------------------------------------------------------------------
CAMPAIGN = {
    "title": 200,
    "summary": 2000,
    "background": 10_000,
    "deadline": 10,
    "event.date": 10,
    "event.source": 64,
    "event.text": 1000,  # in each language
    "quote.text": 3000,
    "quote.speaker": 200,
    "quote.role": 300,
    "quote.organisation": 200,
    "quote.source": 64,
    "quote.date": 10,
    # the appeal's life: its state, and the update log
    "state": 10,
    "state.note": 2000,  # the reason of a pause, the outcome of a win: in each language
    "update.date": 10,
    "update.source": 64,
    "update.url": 500,
    "update.text": 1000,  # in each language
    "organisation": 200,  # its name; its address has an office's limits
}
CAMPAIGN_ITEMS = {"chronology": 200, "quotes": 200, "subjects": 20}  # items in each list
CAMPAIGN_ITEMS["updates"] = 200

# --- files read and uploaded --------------------------------------------------------------
FILE_BYTES = 2_000_000  # any campaign file read (recipients.yaml, campaign.yaml, print.html)
YAML_LINE = 20_000  # characters of one line of YAML (the longest text a field holds is 10,000)
YAML_INDENT = 64  # spaces before a line of YAML: deeper nesting is refused, not recursed into
YAML_FLOW_DEPTH = 20  # [ ] and { } inside one another
IMPORT_BYTES = 2_000_000  # a CSV read by the import
IMPORT_ROWS = 2_000
UPLOAD_BYTES = 150_000  # a CSV uploaded in the console (it travels back in the confirm form)

__all__ = [
    "BODY",
    "CAMPAIGN",
    "CAMPAIGN_ITEMS",
    "IMPORT_BYTES",
    "IMPORT_ROWS",
    "OFFICE",
    "OFFICE_ITEMS",
    "RENDER_BUDGET_S",
    "SENDER",
    "SUBJECT",
    "TEMPLATE_SOURCE",
    "UPLOAD_BYTES",
]
