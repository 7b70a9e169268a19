"""How a rendered e-mail leaves: an SMTP server from ``MENTORLOOM_SMTP_URL``, or a file.

``smtp://user:password@host:587`` speaks plain SMTP and switches to TLS (STARTTLS) when
the server offers it; ``?starttls=1`` requires it and ``?starttls=0`` never asks.
``smtps://user:password@host:465`` speaks TLS from the first byte. User and password are
URL-encoded (``%40`` for ``@``). Without a URL, :func:`write_eml` keeps each message as an
``.eml`` file in the instance folder (``instance/outbox/``), which any mail program opens.

Every failure becomes a :class:`SendError` carrying the server's answer in words, so
the Outbox page shows what the server said.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from webapp.settings import create_private

#: Ports used when the URL names none.
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}
#: ``?starttls=`` values: ask only when offered, always (refuse without), never.
STARTTLS_CHOICES = {"": "offered", "1": "required", "0": "never"}


class SendError(Exception):
    """Sending failed; ``str()`` is the server's answer or why no server answered."""


@dataclass(frozen=True)
class SmtpServer:
    """Where and how to reach the mail server (see :func:`parse_smtp_url`)."""

    host: str
    port: int
    implicit_tls: bool
    starttls: str
    username: str
    password: str

    def __repr__(self) -> str:  # never print the password
        return f"SmtpServer({self.host}:{self.port}, user={self.username or None!r})"


def parse_smtp_url(url: str) -> SmtpServer:
    """Read ``MENTORLOOM_SMTP_URL``.

    >>> parse_smtp_url("smtp://app%40corp.example:s3cret@relay.corp.example:587?starttls=1")
    SmtpServer(relay.corp.example:587, user='app@corp.example')
    >>> server = parse_smtp_url("smtps://apikey:KEY@smtp.provider.example")
    >>> server.port, server.implicit_tls, server.password
    (465, True, 'KEY')
    >>> parse_smtp_url("http://example.org")
    Traceback (most recent call last):
    ...
    ValueError: MENTORLOOM_SMTP_URL must start with smtp:// or smtps://, not http://
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in DEFAULT_PORTS:
        raise ValueError(
            f"MENTORLOOM_SMTP_URL must start with smtp:// or smtps://, not {parts.scheme}://"
        )
    if not parts.hostname:
        raise ValueError("MENTORLOOM_SMTP_URL names no host: smtp://host:587")
    starttls = parse_qs(parts.query).get("starttls", [""])[-1]
    if starttls not in STARTTLS_CHOICES:
        raise ValueError("MENTORLOOM_SMTP_URL: starttls is 1 (required) or 0 (never)")
    return SmtpServer(
        host=parts.hostname,
        port=parts.port or DEFAULT_PORTS[parts.scheme],
        implicit_tls=parts.scheme == "smtps",
        starttls=STARTTLS_CHOICES[starttls],
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def _answer(code: int, text: bytes | str) -> str:
    """An SMTP reply in one line: ``550 5.1.1 no such user``."""
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return f"{code} {' '.join(words.split())}".strip()


def send_smtp(
    message: EmailMessage, server: SmtpServer, timeout: float, envelope_from: str = ""
) -> str:
    """Hand ``message`` to ``server``; return its answer to the message (``250 ...``).

    The envelope sender (where bounce reports go) is ``envelope_from``, else the
    message's ``From`` address. Raises :class:`SendError` with the server's answer when
    it refuses the sender, the recipient or the message, or with why it could not be
    reached.
    """
    sender = envelope_from or message["From"].addresses[0].addr_spec
    recipient = message["To"].addresses[0]
    try:
        if server.implicit_tls:
            context = ssl.create_default_context()
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=timeout)
        with smtp:
            smtp.ehlo()
            offered = smtp.has_extn("starttls")
            if server.starttls == "required" or (server.starttls == "offered" and offered):
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if server.username:
                smtp.login(server.username, server.password)
            code, text = smtp.mail(sender)
            if code != 250:
                raise SendError(f"sender refused: {_answer(code, text)}")
            code, text = smtp.rcpt(recipient.addr_spec)
            if code not in (250, 251):
                raise SendError(f"recipient refused: {_answer(code, text)}")
            code, text = smtp.data(message.as_bytes(policy=SMTP))
            if code != 250:
                raise SendError(f"message refused: {_answer(code, text)}")
            return _answer(code, text)
    except smtplib.SMTPResponseException as exc:
        raise SendError(_answer(exc.smtp_code, exc.smtp_error)) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise SendError(f"the server does not offer STARTTLS ({exc})") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise SendError(
            f"could not reach the mail server {server.host}:{server.port}: {exc or type(exc)}"
        ) from exc


def write_eml(message: EmailMessage, folder: Path, name: str) -> str:
    """Write ``message`` as ``folder/name.eml`` (owner-only) and say where.

    The file is written whole under a temporary name first: a reader never sees half.

    >>> import tempfile
    >>> message = EmailMessage()
    >>> message["Subject"] = "Hello"
    >>> message.set_content("Hi")
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     print(write_eml(message, Path(folder) / "outbox", "1-abc"))
    written to outbox/1-abc.eml
    """
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    draft = folder / f".{name}.eml.part"
    create_private(draft, replace=True)
    draft.write_bytes(message.as_bytes(policy=SMTP))
    draft.replace(folder / f"{name}.eml")
    return f"written to {folder.name}/{name}.eml"
