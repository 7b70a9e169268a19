"""A real IMAP server on 127.0.0.1 for the bounce tests (pymap, its in-memory backend).

:class:`ImapServer` starts ``pymap`` on a free port as its own process, with one mailbox
user (``demouser`` / ``demopass``, whose INBOX holds pymap's few demo messages), and
lets a test deliver a message into the INBOX (as the mail server of the bounce address
would) and read which messages are seen.
"""

from __future__ import annotations

import imaplib
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.web.smtp import free_port

USER, PASSWORD = "demouser", "demopass"


@dataclass
class ImapServer:
    """pymap listening on 127.0.0.1:``port``."""

    port: int = field(default_factory=free_port)
    _process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The ``MENTORLOOM_BOUNCE_MAILBOX`` of its INBOX (plain IMAP on loopback)."""
        return f"imap://{USER}:{PASSWORD}@127.0.0.1:{self.port}/INBOX?starttls=0"

    def start(self) -> None:
        """Start pymap and wait until it answers."""
        self._process = subprocess.Popen(
            [
                *(str(Path(sys.executable).with_name("pymap")), "--host", "127.0.0.1"),
                *("--port", str(self.port), "dict", "--demo-data"),
                *("--demo-user", USER, "--demo-password", PASSWORD),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                with self._client():
                    return
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("pymap, the test IMAP server, did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server."""
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process.stderr.close()  # type: ignore[union-attr]
            self._process = None

    def _client(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=5)
        imap.login(USER, PASSWORD)
        imap.select("INBOX")
        return imap

    def deliver(self, raw: bytes) -> None:
        """Put ``raw`` into the INBOX, unseen."""
        with self._client() as imap:
            status, _ = imap.append("INBOX", None, None, raw)
            assert status == "OK"

    def unseen_subjects(self) -> list[str]:
        """The subjects of the INBOX's unseen messages."""
        with self._client() as imap:
            _, found = imap.search(None, "UNSEEN")
            subjects = []
            for number in found[0].split():
                _, data = imap.fetch(number, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
                header = data[0][1].decode().strip()  # type: ignore[index,union-attr]
                subjects.append(header.removeprefix("Subject:").strip())
            return subjects
