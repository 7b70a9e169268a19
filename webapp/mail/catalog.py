"""The e-mails the site sends: each one's template name, kind and an example to preview.

An e-mail named ``name`` is three Jinja templates in ``webapp/mail/templates/mail/email/``:
``name.subject.txt`` (one line), ``name.txt`` (the text part) and ``name.html`` (the HTML
part, extending ``_layout.html``). Every template gets ``program_name``; the others are
listed in its :class:`EmailTemplate`. A new e-mail adds its three templates and one
entry to :data:`CATALOG`, whose example lets admins preview it (Outbox → E-mail templates).
The site's own e-mails to admins (``password_reset``, see :mod:`webapp.resets`, and
``admin_invite``, see :mod:`webapp.admin_access`) belong to no program and are not listed:
their footer names no program.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from webapp.mail.models import MailKind

__all__ = ["CATALOG", "EmailTemplate"]


@dataclass(frozen=True)
class EmailTemplate:
    """One e-mail the site sends: its template name, kind, purpose and example context."""

    name: str
    kind: MailKind
    about: str
    example: Mapping[str, Any] = field(default_factory=dict)

    def context(self, program_name: str) -> dict[str, Any]:
        """The example context of a preview in the program ``program_name``.

        >>> CATALOG["invitation"].context("Spring cohort")["program_name"]
        'Spring cohort'
        """
        return {**self.example, "program_name": program_name}


_PERSONAL_LINK = {
    "name": "Ada Lovelace",
    "link": "https://mentorloom.example.org/intake/EXAMPLE-PERSONAL-LINK",
    "expires_on": "1 March 2027",
}

#: Every e-mail of the site, by template name.
CATALOG: dict[str, EmailTemplate] = {
    template.name: template
    for template in (
        EmailTemplate(
            "invitation",
            MailKind.INVITATION,
            "Invites a person to the program with their personal link to the intake form.",
            _PERSONAL_LINK,
        ),
        EmailTemplate(
            "reminder",
            MailKind.REMINDER,
            "Reminds a person who has not submitted the intake form, with the same link.",
            _PERSONAL_LINK,
        ),
        EmailTemplate(
            "program_link",
            MailKind.LINK,
            "Sends the personal link to the address someone entered on the program link.",
            _PERSONAL_LINK,
        ),
        EmailTemplate(
            "introduction",
            MailKind.INTRODUCTION,
            "Introduces each person of a published match to the other: who, their contact, "
            "why they were matched, a first agenda, and the link to their own page to accept "
            "or decline.",
            {
                "name": "Ada Lovelace",
                "other_name": "Grace Hopper",
                "other_email": "grace.hopper@example.org",
                "other_role": "your expertise mentor",
                "reasons": [
                    "Grace Hopper knows compilers, which Ada Lovelace wants to learn",
                    "you share a time zone",
                ],
                "agenda": [
                    "Introduce yourselves and the skill the mentee wants to learn.",
                    "Agree how often you meet and how you share work between meetings.",
                ],
                "must_answer": True,
                "deadline": "13 March 2027",
                "silence": "accepted",
                "link": "https://mentorloom.example.org/me/EXAMPLE-PERSONAL-LINK",
            },
        ),
        EmailTemplate(
            "checkin",
            MailKind.CHECKIN,
            "Asks each person of an accepted match how their first conversations went "
            "(great / not sure yet / not a fit), with the link to their page to answer; "
            "also its reminder and the second asking after “not sure yet”.",
            {
                "name": "Ada Lovelace",
                "other_name": "Grace Hopper",
                "other_role": "your expertise mentor",
                "reminder": False,
                "again": False,
                "link": "https://mentorloom.example.org/me/EXAMPLE-PERSONAL-LINK",
            },
        ),
        EmailTemplate(
            "stay",
            MailKind.COHORT,
            "Asks a person of a cohort whether they stay for the next one, with a personal "
            "link whose yes adds them to it.",
            {
                "name": "Ada Lovelace",
                "next_name": "Autumn cohort 2027",
                "starts_on": "1 September 2027",
                "link": "https://mentorloom.example.org/me/EXAMPLE-PERSONAL-LINK/stay",
            },
        ),
    )
}
