"""The participant's pick page (``/me/<token>/picks``), reached from their own page while
the program lets mentees pick mentors (:mod:`webapp.picks`).

A mentee sees, per type they seek, their best suggested mentors among those who chose
to be shown, with what each chose to show, and ranks up to the program's number of
picks; a pick not among their suggestions, two picks of one rank or a rank past the
number is refused with nothing saved. A mentor chooses whether to be shown, what to
show and a short bio, and sees the names of the mentees who picked them, each with "I
would rather not mentor this person". Picks can be changed until the program turns
picking off; no score, level, generation, admin's note or rule is ever shown here.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from matcher import MENTOR_NOUN, MatcherError, MentorType, ordinal
from webapp import audit
from webapp.db import db
from webapp.forms import EmptyForm, flash_errors
from webapp.models import InviteToken, Participant, utcnow
from webapp.participant.opening import open_link
from webapp.pick_forms import ShowingForm
from webapp.picks import (
    RANK_FIELD,
    PickError,
    Suggested,
    pick_settings,
    pickers_of,
    rather_not,
    read_ranks,
    save_picks,
    suggested,
)
from webapp.roles import Need, needs

bp = Blueprint("picks", __name__, url_prefix="/me")


def _opened(token_text: str) -> tuple[InviteToken, Participant]:
    """The link and its person, while the program lets mentees pick; a 404 otherwise."""
    token, record = open_link(token_text)
    if record is None or not pick_settings(token.program_id).on:
        abort(404, description="Choosing a mentor is not open in this program.")
    return token, record


def _posted(token_text: str) -> tuple[InviteToken, Participant]:
    """As :func:`_opened`, for a form without fields of its own (its CSRF token checked)."""
    token, record = _opened(token_text)
    if not EmptyForm().validate_on_submit():
        abort(400, description="The form was not understood; reload the page and try again.")
    return token, record


def _suggested(token: InviteToken, record: Participant) -> list[Suggested] | None:
    """The mentee's suggestions, or None when the program's data cannot be read now."""
    try:
        return suggested(token.program, record)
    except MatcherError:
        return None


def _back(token: InviteToken) -> Response:
    token.last_used_at = utcnow()
    db.session.commit()
    return redirect(url_for(".show", token_text=token.token))


@bp.get("/<token_text>/picks")
@needs(Need.PUBLIC)
def show(token_text: str) -> str:
    """The mentee's suggestions and picks; the mentor's choice to be shown, and the
    mentees who picked them."""
    token, record = _opened(token_text)
    found = _suggested(token, record) if record.seeks else []
    picked = [e for e in record.preferred_mentors.split(";") if e]
    ids = {
        p.email: p
        for p in db.session.scalars(
            select(Participant).where(
                Participant.program_id == token.program_id, Participant.email.in_(picked)
            )
        )
    }
    pickers = pickers_of(record) if record.offers else []
    avoid = set(record.avoid.split(";"))
    return render_template(
        "participant/picks.html",
        token=token,
        record=record,
        how_many=pick_settings(token.program_id).how_many,
        suggested=found,
        nouns={kind.value: MENTOR_NOUN[kind] for kind in MentorType},
        ranks={ids[e].id: k for k, e in enumerate(picked, 1) if e in ids},
        picks=[(ordinal(k), ids[e].name) for k, e in enumerate(picked, 1) if e in ids],
        rank_field=RANK_FIELD,
        ordinal=ordinal,
        form=EmptyForm(),
        showing=ShowingForm(
            formdata=None,
            shown_to_pickers=record.shown_to_pickers,
            shows=[s for s in record.shows.split(";") if s],
            bio=record.bio,
        ),
        pickers=[(p, p.email in avoid) for p in pickers],
    )


@bp.post("/<token_text>/picks")
@needs(Need.PUBLIC)
def save(token_text: str) -> Response:
    """Save the mentee's picks in the order of their ranks; refuse them all otherwise."""
    token, record = _posted(token_text)
    found = _suggested(token, record) if record.seeks else []
    if found is None:
        flash("Suggestions cannot be read right now; try again later. Nothing was saved.", "error")
        return _back(token)
    allowed = sorted({c.id for group in found for c in group.cards})
    try:
        chosen = read_ranks(request.form, allowed, pick_settings(token.program_id).how_many)
        mentors = {
            m.id: m
            for m in db.session.scalars(select(Participant).where(Participant.id.in_(chosen)))
        }
        save_picks(record, [mentors[i] for i in chosen])
    except PickError as error:
        flash(str(error), "error")
        return _back(token)
    audit.record(
        "participant.picks", token.program_id, actor=f"link:{token.id}", email=record.email
    )
    names = ", ".join(f"{ordinal(k)} {mentors[i].name}" for k, i in enumerate(chosen, 1))
    flash(f"Your picks are saved: {names}." if chosen else "You have no picks now.")
    return _back(token)


@bp.post("/<token_text>/picks/showing")
@needs(Need.PUBLIC)
def showing(token_text: str) -> Response:
    """Save the mentor's choice to be shown to mentees who pick, what they show, their bio."""
    token, record = _opened(token_text)
    form = ShowingForm()
    if not record.offers:
        abort(404, description="Only mentors choose what mentees who pick see.")
    if not form.validate_on_submit():
        flash_errors(form)
        return _back(token)
    record.shown_to_pickers = bool(form.shown_to_pickers.data)
    record.shows = ";".join(form.shows.data or [])
    record.bio = (form.bio.data or "").strip()
    audit.record(
        "participant.showing",
        token.program_id,
        actor=f"link:{token.id}",
        email=record.email,
        shown=record.shown_to_pickers,
    )
    flash(
        "Saved: mentees who are choosing a mentor may see you."
        if record.shown_to_pickers
        else "Saved: mentees who are choosing a mentor do not see you."
    )
    return _back(token)


@bp.post("/<token_text>/picks/rather-not")
@needs(Need.PUBLIC)
def rather_not_save(token_text: str) -> Response:
    """Save whom of the mentees who picked the mentor they would rather not mentor."""
    token, record = _posted(token_text)
    pickers = pickers_of(record)
    ids = {p.id for p in pickers}
    given = request.form.getlist("rather_not")
    if any(not g.isdigit() or int(g) not in ids for g in given):
        flash(
            "The list of mentees who picked you has changed: reload the page and choose "
            "again. Nothing was saved.",
            "error",
        )
        return _back(token)
    try:
        record.avoid = rather_not(record.avoid, pickers, {int(g) for g in given})
    except PickError as error:
        flash(str(error), "error")
        return _back(token)
    audit.record(
        "participant.rather_not", token.program_id, actor=f"link:{token.id}", email=record.email
    )
    flash("Saved. The program team will take it into account when matching.")
    return _back(token)
