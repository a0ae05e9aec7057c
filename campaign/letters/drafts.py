"""E-mail drafts of a Letter: a mailto link, an .eml file, webmail links and copy-button text.

Everything reads the same `Letter` as the PDF, so a draft never disagrees with the letter.
Header values never carry a line break (no header injection); bodies keep theirs.
"""

from __future__ import annotations

import email.policy
import re
import unicodedata
from dataclasses import dataclass
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from urllib.parse import quote

from campaign.errors import InvalidData, Problem
from campaign.letters.disclosure import sender_block
from campaign.models import Letter, Recipient
from campaign.text import crlf, lf

# Links over about 1,800 characters fail in real clients: Chromium on Windows drops external
# (OS-handled) links over 2,048 characters, Gmail as the mailto handler cuts near 1,600.
MAILTO_BUDGET = 1800

# Webmail links are ordinary page loads in the browser, not handed to the OS protocol handler,
# so the 2,048 limit does not apply; what limits them is the web server's request line, which
# is commonly 8 KB. Over that, no link rather than one that fails with "414 URI Too Long".
WEBMAIL_BUDGET = 8000

GMAIL_COMPOSE = "https://mail.google.com/mail/?view=cm&fs=1"
OUTLOOK_COMPOSE = "https://outlook.office.com/mail/deeplink/compose?"

# Every character str.splitlines() breaks at: the email package rejects them all in headers.
_LINE_BREAKS = re.compile("[\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Mailto:
    """A mailto link, or None with the reason why (a sentence) and a machine-readable code."""

    link: str | None
    reason: str = ""  # empty when there is a link
    code: str = ""  # "", "no-email" or "too-long"
    length: int = 0  # characters of the link, also when it is over the budget


def _one_line(value: str) -> str:
    """`value` fit for a header: each run of line breaks one space, other controls removed."""
    return _CONTROLS.sub("", _LINE_BREAKS.sub(" ", value))


def _q(value: str) -> str:
    """`value` percent-encoded as UTF-8, with nothing left safe (space is %20, + is %2B)."""
    return quote(value, safe="")


def _emails(recipient: Recipient) -> tuple[str, ...]:
    """The office's e-mail addresses, each on one line and stripped, empty ones left out."""
    cleaned = (_one_line(address).strip() for address in recipient.emails)
    return tuple(address for address in cleaned if address)


def _subject(letter: Letter) -> str:
    """The letter's subject on one line: the same in every draft."""
    return _one_line(letter.subject)


def _no_email_reason(recipient: Recipient) -> str:
    """The sentence for an office without e-mail, with the directory's note when there is one."""
    note = _one_line(recipient.email_note).strip()
    if note:
        return f"No e-mail address is known for this office: {note}"
    return "No e-mail address is known for this office."


def _too_long_reason(length: int, budget: int) -> str:
    """The sentence for a link over the budget."""
    return (
        f"The letter is too long for a mail link ({length:,} of {budget:,} characters); "
        "download the .eml draft or copy the text instead."
    )


def _link(letter: Letter) -> str:
    """The RFC 6068 link, whatever its length; the sender's own e-mail is never in it."""
    to = ",".join(quote(address, safe="@") for address in _emails(letter.recipient))
    return f"mailto:{to}?subject={_q(_subject(letter))}&body={_q(crlf(letter.text))}"


def mailto(letter: Letter, budget: int = MAILTO_BUDGET) -> Mailto:
    """A mailto link for `letter`, or no link when the office has no e-mail or it is too long."""
    if not _emails(letter.recipient):
        return Mailto(None, _no_email_reason(letter.recipient), "no-email")
    link = _link(letter)
    if len(link) > budget:
        return Mailto(None, _too_long_reason(len(link), budget), "too-long", len(link))
    return Mailto(link, length=len(link))


def _ascii_domain(domain: str) -> str:
    """`domain` in its IDNA (xn--) form, so it needs no encoding in a header."""
    return domain if domain.isascii() else domain.encode("idna").decode("ascii")


def _address(addr_spec: str, name: str = "") -> Address:
    """A header address; raises ValueError or HeaderParseError when `addr_spec` is not one."""
    local, at, domain = addr_spec.rpartition("@")
    if not at or not local:
        raise ValueError(f"{addr_spec!r} is not an e-mail address")
    domain = _ascii_domain(domain)
    if local.isascii():  # parsed and checked by the email package
        return Address(display_name=name, addr_spec=f"{local}@{domain}")
    return Address(display_name=name, username=local, domain=domain)  # needs SMTPUTF8


def _checked(addr_spec: str, name: str, where: str, field: str) -> Address:
    """`_address`, with a bad address reported as InvalidData at `where`."""
    try:
        return _address(addr_spec, name)
    except (ValueError, HeaderParseError) as error:
        message = f"{addr_spec!r} cannot be written into an e-mail draft ({error}); correct it."
        raise InvalidData([Problem(where, message, field)]) from error


def _recipients(recipient: Recipient) -> list[Address]:
    """The office's addresses for the To header."""
    where = f"recipients.yaml:{recipient.line}" if recipient.line else "recipients.yaml"
    return [
        _checked(addr, "", where, f"{recipient.id}.emails[{index}]")
        for index, addr in enumerate(_emails(recipient))
    ]


def _sender(letter: Letter) -> Address | None:
    """The From address, or None when the supporter gave no e-mail or the office's disclosure
    rule keeps it out of the letter (the mail program then sends the account's own)."""
    block = sender_block(letter)
    addr_spec = _one_line(block.email).strip()
    if not addr_spec:
        return None
    return _checked(addr_spec, _one_line(block.name).strip(), "email", "")


def _policy(addresses: list[Address]) -> email.policy.EmailPolicy[EmailMessage]:
    """SMTP (CRLF), or SMTPUTF8 when an address has a non-ASCII local part."""
    if all(address.username.isascii() for address in addresses):
        return email.policy.SMTP
    return email.policy.SMTPUTF8


def eml(letter: Letter) -> bytes:
    """The letter as an unsent .eml draft: no Date, `X-Unsent: 1`, UTF-8 quoted-printable.

    Raises InvalidData when an address cannot be written into a header.
    No To header when the office has no e-mail (the supporter fills it in);
    no From unless the supporter gave an e-mail and the office's disclosure rule shows it
    (mail clients use the account's own).
    """
    to, sender = _recipients(letter.recipient), _sender(letter)
    message = EmailMessage(policy=_policy([*to, *([sender] if sender else [])]))
    if to:
        message["To"] = to
    if sender:
        message["From"] = sender
    message["Subject"] = _subject(letter)
    message["X-Unsent"] = "1"
    message.set_content(lf(letter.text), subtype="plain", charset="utf-8", cte="quoted-printable")
    return message.as_bytes()


def eml_filename(letter: Letter) -> str:
    """A safe ASCII file name for the .eml draft, such as `it-interior.eml`."""
    ascii_id = unicodedata.normalize("NFKD", letter.recipient.id).encode("ascii", "ignore")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_id.decode("ascii").lower()).strip("-")[:80]
    return f"{slug.strip('-') or 'letter'}.eml"


def webmail_links(letter: Letter, budget: int = WEBMAIL_BUDGET) -> dict[str, str]:
    """Gmail and Outlook compose links; each left out when it is longer than `budget`.

    An office without e-mail still gets them, with an empty `to`: the compose form has a To
    field where the supporter can paste an address. Line breaks are LF, as web forms expect.
    """
    to, subject, body = (
        _q(",".join(_emails(letter.recipient))),
        _q(_subject(letter)),
        _q(lf(letter.text)),
    )
    links = {
        "gmail": f"{GMAIL_COMPOSE}&to={to}&su={subject}&body={body}",
        "outlook": f"{OUTLOOK_COMPOSE}to={to}&subject={subject}&body={body}",
    }
    return {name: link for name, link in links.items() if len(link) <= budget}


def plain_copy(letter: Letter) -> dict[str, str]:
    """The texts of the copy buttons: "to", "subject" and "body" (LF line breaks)."""
    return {
        "to": ", ".join(_emails(letter.recipient)),
        "subject": _subject(letter),
        "body": lf(letter.text),
    }
