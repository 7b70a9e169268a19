"""The program's figures after the review, for the dashboard: published matches, their
answers, silence past the deadline, declines waiting for a rematch, and failed e-mails.

Every figure counts the program's stored rows as they are now (after
:func:`webapp.answers.settle_overdue`), each backed by an audit event of the same name:
``pair.publish``, ``pair.accept``, ``pair.decline``, ``pair.deadline``.
"""

from __future__ import annotations

from sqlalchemy import func, select

from webapp.answers import needs_rematch
from webapp.db import db
from webapp.mail import MailStatus, OutboxMessage
from webapp.pair_models import BY_DEADLINE, Pair, PairStatus

__all__ = ["pair_figures"]


def pair_figures(program_id: int) -> dict[str, int]:
    """``published`` (every match ever published), ``waiting``, ``accepted``, ``declined``,
    ``active``, ``ended``,
    ``silent`` (settled by the deadline passing without an answer), ``rematch`` (declined
    requests without a new match), ``mail_failed`` (e-mails the server refused for
    good or that wait for a retry) and ``mail_bounced`` (e-mails a bounce report came
    back for)."""
    by_status = dict(
        db.session.execute(
            select(Pair.status, func.count())
            .where(Pair.program_id == program_id)
            .group_by(Pair.status)
        ).all()
    )
    silent = db.session.scalar(
        select(func.count()).where(Pair.program_id == program_id, Pair.settled_by == BY_DEADLINE)
    )
    mail = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count())
            .where(
                OutboxMessage.program_id == program_id,
                OutboxMessage.status.in_([MailStatus.FAILED, MailStatus.BOUNCED]),
            )
            .group_by(OutboxMessage.status)
        ).all()
    )
    return {
        "published": sum(by_status.values()),
        "waiting": by_status.get(PairStatus.PUBLISHED.value, 0),
        "accepted": by_status.get(PairStatus.ACCEPTED.value, 0),
        "declined": by_status.get(PairStatus.DECLINED.value, 0),
        "active": by_status.get(PairStatus.ACTIVE.value, 0),
        "ended": by_status.get(PairStatus.ENDED.value, 0),
        "silent": silent or 0,
        "rematch": len(needs_rematch(program_id)),
        "mail_failed": mail.get(MailStatus.FAILED.value, 0),
        "mail_bounced": mail.get(MailStatus.BOUNCED.value, 0),
    }
