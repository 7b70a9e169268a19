"""E-mail: the outbox every message goes through, its delivery job, and the Outbox page.

Queue an e-mail with :func:`queue_message` (or several with ``deliver=False``, then
commit and call :func:`start_delivery` once); the e-mails and their templates are listed in
:data:`~webapp.mail.catalog.CATALOG`. The modules, from the bottom up:

- :mod:`webapp.mail.models`: the ``OutboxMessage`` and ``MailDelivery`` tables;
- :mod:`webapp.mail.transport`: SMTP (``MENTORLOOM_SMTP_URL``) or ``.eml`` files;
- :mod:`webapp.mail.catalog`: each e-mail's template name, kind and preview example;
- :mod:`webapp.mail.outbox`: rendering, queueing, the delivery job with its retries;
- :mod:`webapp.mail.invitations`: personal links e-mailed to a group; invitation status;
- :mod:`webapp.mail.pages`: the blueprint of the Outbox page (admins only);
- :mod:`webapp.mail.commands`: ``flask --app webapp send-mail`` (for cron).
"""

from __future__ import annotations

from webapp.mail.catalog import CATALOG, EmailTemplate
from webapp.mail.models import MailDelivery, MailKind, MailStatus, OutboxMessage
from webapp.mail.outbox import queue_message, render_email, retry_failed, start_delivery

__all__ = [
    "CATALOG",
    "EmailTemplate",
    "MailDelivery",
    "MailKind",
    "MailStatus",
    "OutboxMessage",
    "queue_message",
    "render_email",
    "retry_failed",
    "start_delivery",
]
