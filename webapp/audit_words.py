"""What each audit action means, in words an admin reads: one place for every action the
app records (a test collects the actions of every ``audit.record`` call and checks that
each has words here), and the kinds the audit pages filter by.
"""

from __future__ import annotations

#: Every action the app records, with what it means.
ACTION_WORDS: dict[str, str] = {
    "auth.login": "Signed in",
    "auth.failed": "Failed sign-in (wrong e-mail, password or code)",
    "auth.two_factor_on": "Turned on two-factor authentication",
    "auth.two_factor_off": "Two-factor authentication turned off (sessions ended)",
    "auth.recovery_codes_renewed": "Made new two-factor recovery codes (the old ones stop working)",
    "auth.recovery_code_used": "Used a two-factor recovery code (it works no more)",
    "auth.logout": "Signed out",
    "auth.sso": "Signed in with the company's identity provider",
    "auth.sso_refused": "Sign-in with the identity provider refused",
    "auth.logout_everywhere": "Signed out everywhere (every session ended)",
    "auth.password_changed": "Changed their password (their other sessions ended)",
    "auth.reset_sent": "Asked for a password-reset link (sent by e-mail)",
    "auth.password_reset": "Set a new password with a reset link (every session ended)",
    "admins.invite": "Invited an admin by e-mail",
    "admins.invite_resent": "Sent an admin's invitation again (new link)",
    "admins.invite_revoked": "Revoked an admin's invitation",
    "admins.joined": "Accepted an invitation and became an admin",
    "admins.roles": "Changed an admin's roles (their sessions ended)",
    "admins.remove": "Removed an admin (their sessions ended)",
    "admins.sso_owner": "The identity provider made an admin an owner, or no longer one",
    "program.create": "Created the program",
    "program.rename": "Renamed the program",
    "program.settings": "Changed the matching settings",
    "question.add": "Added a question to the intake form",
    "question.edit": "Changed a question of the intake form",
    "question.remove": "Removed a question of the intake form, with its answers",
    "question.move": "Moved a question of the intake form",
    "question.rules": "Changed the matching rules of a question",
    "program.cohort": "Changed the cohort dates",
    "program.answers": "Changed who must accept a match and the deadlines",
    "program.picks": "Changed whether mentees may pick mentors, and how many",
    "cohort.start": "Started the next cohort",
    "cohort.started": "This cohort was started from an earlier one",
    "cohort.join": "A participant joined from the earlier cohort",
    "participants.import": "Imported participants from a CSV file",
    "participant.edit": "Edited a participant",
    "participant.picks": "A mentee saved their picks of mentors on their page",
    "participant.showing": "A mentor changed what mentees who pick see of them",
    "participant.rather_not": "A mentor said whom they would rather not mentor",
    "participant.delete": "Deleted a participant",
    "participant.erase": "Erased a participant's personal data",
    "participant.export": "Exported everything held about a participant",
    "registration.merge": "Merged a registration into a participant",
    "registration.drop": "Dropped a registration",
    "intake.pending": "A registration waits for a merge",
    "intake.save": "A participant saved their answers",
    "invite.program": "Made the program link",
    "invite.person": "Made a personal link",
    "invite.everyone": "Made personal links for everyone",
    "invite.revoke": "Revoked a link",
    "invite.ask": "Someone asked for their link by e-mail",
    "invite.links_csv": "Downloaded every personal link as CSV",
    "invite.invitation": "Queued invitation e-mails",
    "invite.reminder": "Queued reminder e-mails",
    "mail.retry": "Retried the failed e-mails",
    "mail.failed": "E-mails failed to send",
    "mail.bounced": "E-mails bounced",
    "run.start": "Started a match run",
    "run.export": "Exported a run's pairs or open requests",
    "pairs.export": "Exported the published matches as CSV",
    "outcomes.export": "Exported the outcomes as CSV",
    "match.approve": "Approved a proposed pair",
    "match.reject": "Rejected a proposed pair",
    "match.lock": "Locked a proposed pair",
    "match.undo": "Undid a decision on a pair",
    "match.keep": "Kept a decision the data no longer allows",
    "match.give_way": "A pair gave way to a match made by hand",
    "match.manual": "Made a match by hand",
    "publish.start": "Started publishing matches",
    "pair.publish": "Published matches to the participants",
    "pair.accept": "A participant accepted a match",
    "pair.decline": "A participant declined a match",
    "pair.deadline": "Matches settled by the answer deadline",
    "pair.active": "Marked a match active",
    "pair.end": "Ended a match",
    "pair.checkin": "A participant answered the first-meeting check",
    "checkin.send": "Sent the first-meeting check e-mails",
    "audit.export": "Exported the audit log as CSV",
}

#: The filter of a program's audit page: kind -> (label, action prefixes it covers).
PROGRAM_KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "program": (
        "Program, settings, questions and cohorts",
        ("program.", "question.", "cohort.", "audit."),
    ),
    "people": ("Participants", ("participant.", "participants.", "registration.", "intake.")),
    "invites": ("Links and invitations", ("invite.",)),
    "mail": ("E-mail", ("mail.", "checkin.")),
    "runs": ("Match runs and exports", ("run.", "pairs.", "outcomes.")),
    "review": ("Review decisions", ("match.",)),
    "pairs": ("Published matches", ("publish.", "pair.")),
}

#: The prefixes of the site-wide events of the Sign-ins page (no program): signing in,
#: and managing the admins.
SIGN_IN_PREFIX = ("auth.", "admins.")


def words_for(action: str) -> str:
    """What ``action`` means, or the action itself when it has no words (never fails).

    >>> words_for("program.rename"), words_for("made.up")
    ('Renamed the program', 'made.up')
    """
    return ACTION_WORDS.get(action, action)


def kind_of(action: str) -> str | None:
    """The kind of :data:`PROGRAM_KINDS` that covers ``action``, if any.

    >>> kind_of("match.reject"), kind_of("auth.login")
    ('review', None)
    """
    for kind, (_, prefixes) in PROGRAM_KINDS.items():
        if action.startswith(prefixes):
            return kind
    return None


def sign_in_actions() -> dict[str, str]:
    """The sign-in actions with their words, the filter of the Sign-ins page.

    >>> sign_in_actions()["auth.failed"]
    'Failed sign-in (wrong e-mail, password or code)'
    """
    return {a: w for a, w in ACTION_WORDS.items() if a.startswith(SIGN_IN_PREFIX)}
