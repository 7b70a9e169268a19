"""The mailbox bounce reports arrive in, from ``MENTORLOOM_BOUNCE_MAILBOX``.

``imaps://user:password@imap.corp.example/INBOX`` reads an IMAP folder over TLS;
``imap://user:password@host:143/Bounces`` speaks plain IMAP and switches to TLS
(STARTTLS) when the server offers it (``?starttls=1`` requires it, ``?starttls=0`` never
asks), as the SMTP URL does. ``maildir:///var/mail/mentorloom`` reads a Maildir folder on
this machine (where Postfix, Exim or Dovecot deliver the bounce address's mail).

:func:`unread_messages` gives each new message (unseen in IMAP, in ``new/`` of a Maildir)
with a function marking it read; the reader marks only the bounce reports it handled,
so other mail in the folder stays unread for a person.
"""

from __future__ import annotations

import imaplib
import mailbox
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from webapp.mail.transport import STARTTLS_CHOICES

__all__ = ["BounceBox", "MailboxError", "parse_mailbox_url", "unread_messages"]

#: Ports used when the URL names none.
DEFAULT_PORTS = {"imap": 143, "imaps": 993}
#: Most messages one reading looks at; the rest wait for the next reading.
READ_AT_MOST = 500

#: One unread message: its bytes, and what marks it read.
Unread = tuple[bytes, Callable[[], None]]


class MailboxError(Exception):
    """The mailbox could not be read; ``str()`` says why in words."""


@dataclass(frozen=True)
class BounceBox:
    """Where bounce reports are read (see :func:`parse_mailbox_url`)."""

    scheme: str
    host: str
    port: int
    folder: str
    starttls: str
    username: str
    password: str

    def __repr__(self) -> str:  # never print the password
        where = self.folder if self.scheme == "maildir" else f"{self.host}:{self.port}"
        return f"BounceBox({self.scheme} {where}, user={self.username or None!r})"


def parse_mailbox_url(url: str) -> BounceBox:
    """Read ``MENTORLOOM_BOUNCE_MAILBOX``.

    >>> parse_mailbox_url("imaps://bounces%40corp.example:s3cret@imap.corp.example/Bounces")
    BounceBox(imaps imap.corp.example:993, user='bounces@corp.example')
    >>> parse_mailbox_url("imap://u:p@127.0.0.1:1143?starttls=0").folder
    'INBOX'
    >>> parse_mailbox_url("maildir:///var/mail/mentorloom")
    BounceBox(maildir /var/mail/mentorloom, user=None)
    >>> parse_mailbox_url("pop3://host")
    Traceback (most recent call last):
    ...
    ValueError: MENTORLOOM_BOUNCE_MAILBOX must start with imaps://, imap:// or maildir://, not pop3://
    """
    parts = urlsplit(url.strip())
    if parts.scheme == "maildir":
        if not parts.path.startswith("/"):
            raise ValueError("MENTORLOOM_BOUNCE_MAILBOX: a Maildir is maildir:///absolute/path")
        return BounceBox("maildir", "", 0, unquote(parts.path), "never", "", "")
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError(
            "MENTORLOOM_BOUNCE_MAILBOX must start with imaps://, imap:// or maildir://, "
            f"not {parts.scheme}://"
        )
    if not parts.hostname:
        raise ValueError("MENTORLOOM_BOUNCE_MAILBOX names no host: imaps://user:pass@host/INBOX")
    starttls = parse_qs(parts.query).get("starttls", [""])[-1]
    if starttls not in STARTTLS_CHOICES:
        raise ValueError("MENTORLOOM_BOUNCE_MAILBOX: starttls is 1 (required) or 0 (never)")
    return BounceBox(
        scheme=parts.scheme,
        host=parts.hostname,
        port=parts.port or DEFAULT_PORTS[parts.scheme],
        folder=unquote(parts.path.strip("/")) or "INBOX",
        starttls=STARTTLS_CHOICES[starttls],
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def _maildir(box: BounceBox) -> Iterator[Unread]:
    if not (Path(box.folder) / "new").is_dir():
        raise MailboxError(f"{box.folder} is not a Maildir folder (it has no new/ folder)")
    folder = mailbox.Maildir(box.folder, create=False)
    for key in sorted(folder.iterkeys())[:READ_AT_MOST]:
        message = folder[key]
        if message.get_subdir() != "new":
            continue

        def mark_read(key: str = key, message: mailbox.MaildirMessage = message) -> None:
            message.set_subdir("cur")
            message.add_flag("S")
            folder[key] = message

        yield message.as_bytes(), mark_read


def _connect(box: BounceBox, timeout: float) -> imaplib.IMAP4:
    if box.scheme == "imaps":
        return imaplib.IMAP4_SSL(
            box.host, box.port, ssl_context=ssl.create_default_context(), timeout=timeout
        )
    imap = imaplib.IMAP4(box.host, box.port, timeout=timeout)
    offered = "STARTTLS" in imap.capabilities
    if box.starttls == "required" or (box.starttls == "offered" and offered):
        imap.starttls(ssl_context=ssl.create_default_context())
    return imap


def _imap(box: BounceBox, timeout: float) -> Iterator[Unread]:
    imap = _connect(box, timeout)
    try:
        imap.login(box.username, box.password)
        status, _ = imap.select(_quoted(box.folder))
        if status != "OK":
            raise MailboxError(f"the IMAP server has no folder {box.folder!r}")
        _, found = imap.uid("SEARCH", "UNSEEN")
        for uid in (found[0] or b"").split()[:READ_AT_MOST]:
            _, data = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((item[1] for item in data if isinstance(item, tuple)), None)
            if raw is None:
                continue

            def mark_read(uid: bytes = uid) -> None:
                imap.uid("STORE", uid, "+FLAGS", r"(\Seen)")

            yield raw, mark_read
    finally:
        with suppress(imaplib.IMAP4.error, OSError):
            imap.logout()


def _quoted(folder: str) -> str:
    """An IMAP folder name as a quoted string.

    >>> _quoted('Bounces "old"')
    '"Bounces \\\\"old\\\\""'
    """
    escaped = folder.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


@contextmanager
def unread_messages(url: str, timeout: float = 30) -> Iterator[Iterator[Unread]]:
    """The new messages of the mailbox ``url``, each with a function marking it read.

    Raises :class:`MailboxError` with the reason in words when the mailbox cannot be
    reached, logged in to or read (also while the messages are read).
    """
    box = parse_mailbox_url(url)
    reader = _maildir(box) if box.scheme == "maildir" else _imap(box, timeout)
    try:
        yield reader
    except (imaplib.IMAP4.error, OSError, ssl.SSLError) as exc:
        where = box.folder if box.scheme == "maildir" else f"{box.host}:{box.port}"
        raise MailboxError(f"could not read the bounce mailbox {where}: {exc}") from exc
    finally:
        reader.close()
