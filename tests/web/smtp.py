"""A real SMTP server on 127.0.0.1 for the e-mail tests (aiosmtpd), and what arrived.

:class:`SmtpSink` starts aiosmtpd's ``Controller`` on a free port and keeps every message
it accepts; it refuses the recipients named in ``refuse`` with the answer given there, and
can be stopped and started again on the same port (a mail server that goes away). Given
a certificate (:func:`self_signed`), it speaks TLS: STARTTLS required, or TLS from the
first byte; given ``users``, it requires a log-in (over TLS only).
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    """A TCP port of 127.0.0.1 nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def self_signed(folder: Path) -> Path:
    """A certificate for 127.0.0.1 and its key, in ``folder`` (``cert.pem``, ``key.pem``),
    made by the ``openssl`` command; the certificate's path."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert


@dataclass
class Received:
    """One message the server accepted: the envelope, the parsed e-mail, whether it came
    over TLS and who logged in to send it."""

    sender: str
    recipients: list[str]
    message: EmailMessage
    tls: bool = False
    login: str = ""

    @property
    def text(self) -> str:
        """The text part."""
        part = self.message.get_body(("plain",))
        assert part is not None, "the e-mail has no text part"
        return part.get_content()

    @property
    def html(self) -> str:
        """The HTML part."""
        part = self.message.get_body(("html",))
        assert part is not None, "the e-mail has no HTML part"
        return part.get_content()


@dataclass
class SmtpSink:
    """An SMTP server on 127.0.0.1:``port`` keeping what it accepts in ``received``."""

    port: int = field(default_factory=free_port)
    #: recipient -> the answer refusing it (``"550 5.1.1 ..."``)
    refuse: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    #: the certificate (its key beside it as key.pem) of a server speaking TLS
    cert: Path | None = None
    #: STARTTLS (required) or TLS from the first byte ("implicit")
    tls: str = "starttls"
    #: log-in -> password; a log-in is then required
    users: dict[str, str] = field(default_factory=dict)
    _controller: Controller | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        """The ``MENTORLOOM_SMTP_URL`` of this server."""
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Listen (again) on the port."""
        options: dict[str, Any] = {}
        if self.cert is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.cert, self.cert.with_name("key.pem"))
            if self.tls == "implicit":  # aiosmtpd sees no STARTTLS: allow AUTH without it
                options.update(ssl_context=context, auth_require_tls=False)
            else:
                options.update(tls_context=context, require_starttls=True)
        if self.users:
            options.update(authenticator=self._authenticate, auth_required=True)
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **options)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening: connections are refused until :meth:`start`."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[Received]:
        """The messages that arrived for ``address``."""
        with self._lock:
            return [r for r in self.received if address in r.recipients]

    def wait_for(self, count: int, timeout: float = 15) -> list[Received]:
        """Wait until ``count`` messages arrived; all that arrived by then."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        with self._lock:
            return list(self.received)

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        known = isinstance(data, LoginPassword) and self.users.get(
            data.login.decode()
        ) == data.password.decode("utf-8")
        return AuthResult(success=known, handled=False, auth_data=data)

    # aiosmtpd's handler hooks
    async def handle_RCPT(  # noqa: N802 - aiosmtpd's name
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = message_from_bytes(envelope.original_content, policy=default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    message,
                    tls=bool(session.ssl or server.transport.get_extra_info("ssl_object")),
                    login=session.auth_data.login.decode() if session.authenticated else "",
                )
            )
        return f"250 2.0.0 Ok: queued as m{len(self.received)}"
