"""Bounce reports read in words: which of our messages could not be delivered, and why.

A mail server that accepted a message and later could not deliver it sends a *delivery
status notification* (RFC 3464) to the message's envelope sender: a ``multipart/report``
with ``report-type=delivery-status`` holding, per recipient, ``Action: failed``, a
``Status: 5.1.1`` and usually the remote server's ``Diagnostic-Code``, followed by the
returned message or its headers. Postfix, Exim, Sendmail, Microsoft 365 / Exchange Online
and Gmail all send this format. :func:`read_report` finds in such a report the
``Message-ID`` of the message that bounced and each failed recipient; anything else
(an out-of-office reply, a "delayed" notice, a plain message) is not a bounce.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from email.parser import HeaderParser
from email.policy import compat32

__all__ = ["Bounce", "read_report"]

#: Longest diagnostic kept of a bounce (the rest of a remote server's words is cut).
DIAGNOSTIC_MAX_CHARS = 300


@dataclass(frozen=True)
class Bounce:
    """One recipient of one of our messages that could not be delivered."""

    #: The ``Message-ID`` of the message that bounced (``<...@...>``).
    message_id: str
    #: The address that failed (``Final-Recipient``), lower case.
    recipient: str
    #: The status code, ``5.1.1``.
    status: str
    #: What the remote server said, in one line (may be empty).
    diagnostic: str

    def in_words(self) -> str:
        """The bounce as the Outbox page shows it.

        >>> Bounce("<1@x>", "ada@example.org", "5.1.1", "550 5.1.1 no such user").in_words()
        'bounced: 5.1.1 ada@example.org: 550 5.1.1 no such user'
        """
        said = f": {self.diagnostic}" if self.diagnostic else ""
        return f"bounced: {self.status} {self.recipient}{said}"


def _one_line(text: str) -> str:
    return " ".join(text.split())[:DIAGNOSTIC_MAX_CHARS]


def _address(field: str | None) -> str:
    """``rfc822; Ada@Example.org`` -> ``ada@example.org``."""
    value = (field or "").partition(";")[2] or (field or "")
    return value.strip().strip("<>").lower()


def _returned_message_id(report: Message) -> str:
    """The ``Message-ID`` of the returned message or headers inside ``report``."""
    for part in report.walk():
        kind = part.get_content_type()
        if kind == "message/rfc822":
            payload = part.get_payload()
            returned = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(returned, Message) and returned["Message-ID"]:
                return str(returned["Message-ID"]).strip()
        elif kind == "text/rfc822-headers":
            raw = part.get_payload(decode=True) or b""
            headers = HeaderParser(policy=compat32).parsestr(raw.decode("utf-8", "replace"))
            if headers["Message-ID"]:
                return str(headers["Message-ID"]).strip()
    return ""


def _status_blocks(report: Message) -> list[Message]:
    """The per-recipient field blocks of the report's ``message/delivery-status`` part."""
    for part in report.walk():
        if part.get_content_type() == "message/delivery-status":
            payload = part.get_payload()
            blocks = payload if isinstance(payload, list) else []
            return [block for block in blocks[1:] if isinstance(block, Message)]
    return []


def read_report(raw: bytes) -> list[Bounce]:
    """The failed recipients that the bounce report ``raw`` (a whole e-mail) names.

    Empty when ``raw`` is not a delivery status report, says nothing failed (``delayed``,
    ``delivered``, ``relayed``), or does not return the message's ``Message-ID``.

    >>> report = (
    ...     b"From: MAILER-DAEMON@mx.example.org\\r\\n"
    ...     b"Subject: Undelivered Mail Returned to Sender\\r\\n"
    ...     b"MIME-Version: 1.0\\r\\n"
    ...     b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\\r\\n'
    ...     b"\\r\\n--B\\r\\nContent-Type: text/plain\\r\\n\\r\\nI'm sorry.\\r\\n"
    ...     b"--B\\r\\nContent-Type: message/delivery-status\\r\\n\\r\\n"
    ...     b"Reporting-MTA: dns; mx.example.org\\r\\n\\r\\n"
    ...     b"Final-Recipient: rfc822; Ada@Example.org\\r\\nAction: failed\\r\\n"
    ...     b"Status: 5.1.1\\r\\nDiagnostic-Code: smtp; 550 5.1.1 no such user\\r\\n"
    ...     b"\\r\\n--B\\r\\nContent-Type: text/rfc822-headers\\r\\n\\r\\n"
    ...     b"Message-ID: <42.abc@example.org>\\r\\nTo: ada@example.org\\r\\n"
    ...     b"\\r\\n--B--\\r\\n"
    ... )
    >>> [bounce] = read_report(report)
    >>> bounce.message_id, bounce.recipient, bounce.status
    ('<42.abc@example.org>', 'ada@example.org', '5.1.1')
    >>> bounce.diagnostic
    'smtp; 550 5.1.1 no such user'
    >>> read_report(b"Subject: Out of office\\r\\n\\r\\nBack on Monday.\\r\\n")
    []
    """
    report = message_from_bytes(raw, policy=compat32)
    if report.get_content_type() != "multipart/report":
        return []
    if report.get_param("report-type", "", header="content-type").lower() != "delivery-status":
        return []
    message_id = _returned_message_id(report)
    if not message_id:
        return []
    return [
        Bounce(
            message_id=message_id,
            recipient=_address(block["Final-Recipient"] or block["Original-Recipient"]),
            status=_one_line(block["Status"] or ""),
            diagnostic=_one_line(block["Diagnostic-Code"] or ""),
        )
        for block in _status_blocks(report)
        if (block["Action"] or "").strip().lower() == "failed"
    ]
