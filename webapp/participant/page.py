"""A participant's own page: their answers, then each published match with Accept and
Decline, its state and the date of each step, and the first-meeting check when it is due.

The link is the key: an unknown, revoked or expired link gets a page that says so and
nothing else, and a link opens only its own person's page and answers only that person's
pairs (anyone else's pair is a 404, whatever its id). Deadlines passed in silence are
settled, and due check-ins sent, before the page is read
(:func:`webapp.answers.settle_overdue`, :func:`webapp.checkins.checkins_on_look`). A
person sees the dates of their pairs' steps and why one ended, never who moved it nor an
admin's note.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from webapp.answers import (
    answer,
    answers_locked,
    pairs_of_person,
    policy_for,
    settle_on_look,
    settle_overdue,
)
from webapp.checkins import ASKED, answer_checkin, checkins_on_look, open_checkins
from webapp.cohorts import has_joined, join_next, next_cohort
from webapp.db import db
from webapp.forms import EmptyForm
from webapp.introductions import introduction
from webapp.models import Participant, utcnow
from webapp.pair_forms import AnswerForm, CheckinForm
from webapp.pair_life import Step, lives
from webapp.pair_models import Answer, Checkin, EndReason, Fit, MustAccept, Pair, PairStatus
from webapp.participant.opening import open_link
from webapp.picks import pick_settings
from webapp.program_questions import program_questions
from webapp.roles import Need, needs
from webapp.rows import record_to_row

bp = Blueprint("page", __name__, url_prefix="/me")

#: The answers a participant sees of their own record, in this order: never the level,
#: the generation, an admin's note or the lists only admins keep.
PROFILE = (
    ("name", "Name"),
    ("email", "E-mail"),
    ("role", "Taking part as"),
    ("seeks", "Looking for"),
    ("offers", "Offering"),
    ("organization", "Organization"),
    ("department", "Department"),
    ("function", "Function"),
    ("target_department", "Department you would like to move to"),
    ("goals", "Goals"),
    ("strengths", "Strengths"),
    ("expertise_wanted", "Expertise you want to learn"),
    ("expertise", "Expertise you can share"),
    ("capacity", "How many mentees you can take"),
    ("languages", "Languages"),
    ("timezone", "Time zone"),
    ("location", "Location"),
    ("meeting_mode", "Meeting"),
    ("notes", "Your notes"),
)
#: Pairs that hold a place of their mentor.
HOLDING = (PairStatus.PUBLISHED.value, PairStatus.ACCEPTED.value, PairStatus.ACTIVE.value)
#: The steps of a pair a participant sees, in their words.
SEEN_STEPS = {
    PairStatus.PUBLISHED.value: "Introduced",
    PairStatus.ACCEPTED.value: "Confirmed",
    PairStatus.DECLINED.value: "Declined",
    PairStatus.ACTIVE.value: "Going well since",
    PairStatus.ENDED.value: "Ended",
}


def seen_steps(steps: list[Step]) -> list[tuple[str, str]]:
    """The steps a participant sees: (what, date), with why a pair ended unless the
    reason is "other" (whose text is the admins').

    >>> from datetime import datetime
    >>> seen_steps(
    ...     [
    ...         Step("proposed", datetime(2027, 1, 1), "admin@x.org"),
    ...         Step("ended", datetime(2027, 3, 2), "admin@x.org", "completed", "note"),
    ...     ]
    ... )
    [('Ended (completed)', '02 March 2027')]
    """
    return [
        (
            SEEN_STEPS[step.status]
            + (f" ({step.reason_label})" if step.reason and step.reason != EndReason.OTHER else ""),
            f"{step.at:%d %B %Y}",
        )
        for step in steps
        if step.status in SEEN_STEPS
    ]


@bp.get("/<token_text>")
@needs(Need.PUBLIC)
def show(token_text: str) -> str:
    """The person's answers, then their published matches."""
    token, record = open_link(token_text)
    if record is None:
        return render_template("participant/show.html", token=token, record=None)
    settle_on_look(token.program_id)
    checkins_on_look(token.program_id)
    pairs = pairs_of_person(token.program_id, record.email)
    others = {
        p.email: p
        for p in db.session.scalars(
            select(Participant).where(
                Participant.program_id == token.program_id,
                Participant.email.in_(
                    {p.mentee_email for p in pairs} | {p.mentor_email for p in pairs}
                ),
            )
        )
    }
    shown = [
        introduction(pair, record, others[pair.other_of(record.email)])
        for pair in pairs
        if pair.other_of(record.email) in others
    ]
    held = sum(1 for p in pairs if p.mentor_email == record.email and p.status in HOLDING)
    steps = lives(pairs)
    row = record_to_row(record)
    policy = policy_for(token.program_id)
    cohort = next_cohort(token.program)
    return render_template(
        "participant/show.html",
        next_cohort=cohort if cohort and not has_joined(cohort, record.email) else None,
        token=token,
        record=record,
        profile=[
            (label, row[field].replace(";", ", "))
            for field, label in PROFILE
            if row.get(field) and (field != "capacity" or record.offers)
        ]
        + [
            (q.prompt, row[q.key].replace(";", ", "))
            for q in program_questions(token.program_id)
            if row.get(q.key)
        ],
        locked=answers_locked(token.program_id),
        contact=policy.contact,
        must_accept=MustAccept(policy.must_accept),
        silence=policy.silence,
        matches=[i for i in shown if i.side == "mentee"],
        mentees=[i for i in shown if i.side == "mentor"],
        places_left=max(record.capacity - held, 0),
        is_mentee=bool(record.seeks),
        is_mentor=bool(record.offers),
        form=AnswerForm(),
        steps={pair.id: seen_steps(steps[pair.id]) for pair in pairs},
        checkins=open_checkins(token.program_id, record.email),
        checkin_form=CheckinForm(),
        picks_open=pick_settings(token.program_id).on,
    )


@bp.post("/<token_text>/pairs/<int:pair_id>")
@needs(Need.PUBLIC)
def answer_pair(token_text: str, pair_id: int) -> Response:
    """Accept or decline one of the person's own published pairs."""
    token, record = open_link(token_text)
    pair = db.session.get(Pair, pair_id)
    if (
        record is None
        or pair is None
        or pair.program_id != token.program_id
        or record.email not in {pair.mentee_email, pair.mentor_email}
    ):
        abort(404, description="There is no such match on your page.")
    form = AnswerForm()
    if not form.validate_on_submit():
        for error in form.errors.values():
            flash(" ".join(error), "error")
        return redirect(url_for(".show", token_text=token.token))
    settle_overdue(token.program_id)
    if pair.status != PairStatus.PUBLISHED:
        flash(f"This match is {pair.status} already; your answer was not needed.", "error")
    else:
        given = Answer(form.answer.data)
        after = answer(
            pair, record.email, given, (form.reason.data or "").strip(), f"link:{token.id}"
        )
        flash(_thanks(given, PairStatus(after)))
    token.last_used_at = utcnow()
    db.session.commit()
    return redirect(url_for(".show", token_text=token.token))


@bp.post("/<token_text>/checkins/<int:checkin_id>")
@needs(Need.PUBLIC)
def answer_check(token_text: str, checkin_id: int) -> Response:
    """Answer one of the person's own first-meeting check-ins."""
    token, record = open_link(token_text)
    checkin = db.session.get(Checkin, checkin_id)
    if (
        record is None
        or checkin is None
        or checkin.program_id != token.program_id
        or getattr(checkin.pair, f"{checkin.side}_email") != record.email
    ):
        abort(404, description="There is no such question on your page.")
    form = CheckinForm()
    if not form.validate_on_submit():
        for field, errors in form.errors.items():
            label = getattr(form, field).label.text if hasattr(form, field) else field
            flash(f"{label} {' '.join(errors)}", "error")
        return redirect(url_for(".show", token_text=token.token))
    if checkin.answer is not None or checkin.pair.status not in ASKED:
        flash("This question was answered already, or the match has ended.", "error")
    else:
        fit = Fit(form.fit.data)
        after = answer_checkin(
            checkin, fit, (form.comment.data or "").strip(), record.email, utcnow()
        )
        flash(_fit_thanks(fit, PairStatus(after)))
    token.last_used_at = utcnow()
    db.session.commit()
    return redirect(url_for(".show", token_text=token.token))


def _fit_thanks(fit: Fit, after: PairStatus) -> str:
    """What the page says after a check-in answer.

    >>> _fit_thanks(Fit.NOT_A_FIT, PairStatus.ENDED)
    'Thank you for saying so. The match has ended; the program team will find you someone else.'
    """
    if after is PairStatus.ENDED:
        return (
            "Thank you for saying so. The match has ended; the program team will find you "
            "someone else."
        )
    if fit is Fit.GREAT:
        return "Thank you: glad to hear it is going well!"
    if fit is Fit.NOT_SURE:
        return "Thank you. We will ask you once more in a few weeks."
    return "Thank you for saying so. The program team will be in touch."


@bp.get("/<token_text>/stay")
@needs(Need.PUBLIC)
def stay(token_text: str) -> str:
    """Ask the person whether they stay for the program's next cohort (the link of the
    e-mail "Stay for the next cohort?"); the answer is a POST, never this look."""
    token, record = open_link(token_text)
    cohort = next_cohort(token.program)
    if record is None or cohort is None:
        abort(404, description="There is no next cohort to join with this link.")
    return render_template(
        "participant/stay.html",
        token=token,
        cohort=cohort,
        joined=has_joined(cohort, record.email),
        form=EmptyForm(),
    )


@bp.post("/<token_text>/stay")
@needs(Need.PUBLIC)
def stay_yes(token_text: str) -> Response:
    """The person's yes: they join the next cohort with their answers."""
    token, record = open_link(token_text)
    if record is None:
        abort(404, description="There is no next cohort to join with this link.")
    if not EmptyForm().validate_on_submit():
        abort(400, description="The form was not understood; reload the page and try again.")
    joined = join_next(record, f"link:{token.id}")
    if joined is None:
        abort(404, description="There is no next cohort to join with this link.")
    cohort, now = joined
    token.last_used_at = utcnow()
    db.session.commit()
    if now:
        flash(f"Thank you: you are in {cohort.name}. The program team will be in touch.")
    return redirect(url_for(".stay", token_text=token.token))


def _thanks(given: Answer, after: PairStatus) -> str:
    """What the page says after an answer.

    >>> _thanks(Answer.ACCEPT, PairStatus.PUBLISHED)
    'Thank you: you accepted. The match is confirmed once the other answers are in.'
    """
    if given is Answer.DECLINE:
        return "Thank you for saying so. The program team will find you someone else."
    if after is PairStatus.ACCEPTED:
        return "Thank you: the match is confirmed. Enjoy your first conversation!"
    return "Thank you: you accepted. The match is confirmed once the other answers are in."
