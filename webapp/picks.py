"""Mentees' picks on their own page: the program's setting, the mentors suggested to a
mentee and what the mentee sees of each, and the checks of a mentee's picks and of a
mentor's "would rather not".

Suggestions are the core's (:func:`matcher.suggestions`) among the mentors who chose to
be shown, computed from the participants, config, decisions and never-pairs a run reads
(:func:`webapp.runner.match`), so a mentee is offered only mentors the run could give
them. A mentee sees of a mentor the name and what the mentor chose to show
(:data:`SHOWABLE`, a short bio), never a score, a level, a generation or an admin's note.
A mentor sees of the mentees who picked them the name only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from matcher import COLUMN_LIMITS, MAX_PICKS, config_from_mapping, ordinal
from matcher import suggestions as core_suggestions
from webapp.answers import never_pairs, with_never_pairs
from webapp.db import db
from webapp.models import Participant, PickSettings, Program
from webapp.people_cache import program_cohort
from webapp.runner import program_decisions

__all__ = [
    "HOW_MANY_DEFAULT",
    "RANK_FIELD",
    "SHOWABLE",
    "Card",
    "PickError",
    "Suggested",
    "pick_settings",
    "pickers_of",
    "rather_not",
    "read_ranks",
    "save_picks",
    "suggested",
]

#: How many mentors a mentee may pick unless the program says otherwise.
HOW_MANY_DEFAULT = 3
#: What a mentor may show mentees who pick, besides the name: (column, label).
SHOWABLE = (("department", "Department"), ("strengths", "Strengths"), ("expertise", "Expertise"))
#: The name of a suggestion's rank field on the mentee's form, by the mentor's record id.
RANK_FIELD = "rank-{}"


class PickError(ValueError):
    """Picks or a "would rather not" that cannot be saved; the message says why and what
    to do, and nothing was saved."""


def pick_settings(program_id: int) -> PickSettings:
    """The program's pick settings (picking off, 3 picks, unsaved, when it has none)."""
    found = db.session.get(PickSettings, program_id)
    if found is not None:
        return found
    return PickSettings(program_id=program_id, on=False, how_many=HOW_MANY_DEFAULT)


@dataclass(frozen=True)
class Card:
    """A suggested mentor as the mentee sees them."""

    id: int
    """The mentor's record id: the rank field's name (the e-mail is not shown)."""
    name: str
    shown: tuple[tuple[str, str], ...]
    """(label, text) of what the mentor chose to show."""
    bio: str


@dataclass(frozen=True)
class Suggested:
    """The suggested mentors of one type the mentee seeks, best first."""

    mentor_type: str
    cards: tuple[Card, ...]


def card(mentor: Participant) -> Card:
    """What a mentee sees of ``mentor``: the name, the fields the mentor chose, the bio.

    >>> mentor = Participant(id=4, name="Bo", department="Sales", level=7,
    ...                      strengths="sql;coaching", shows="strengths", bio="Hi!")
    >>> card(mentor)
    Card(id=4, name='Bo', shown=(('Strengths', 'sql, coaching'),), bio='Hi!')
    """  # fmt: skip
    chosen = set((mentor.shows or "").split(";"))
    shown = tuple(
        (label, text.replace(";", ", "))
        for column, label in SHOWABLE
        if column in chosen and (text := getattr(mentor, column) or "")
    )
    return Card(mentor.id, mentor.name, shown, mentor.bio or "")


def suggested(program: Program, mentee: Participant) -> list[Suggested]:
    """The mentors suggested to ``mentee`` per type they seek, among the mentors shown to
    mentees who pick, as the program's next run would read them.

    Raises
    ------
    MatcherError
        When the program's participant data has an error (no run could read it either).
    """
    shown = {
        m.email: m
        for m in db.session.scalars(
            select(Participant).where(
                Participant.program_id == program.id,
                Participant.shown_to_pickers.is_(True),
                Participant.offers != "",
            )
        )
    }
    people = with_never_pairs(program_cohort(program.id).people, never_pairs(program.id))
    found = core_suggestions(
        people,
        mentee.email,
        config_from_mapping(program.config),
        program_decisions(program.id),
        among=shown,
    )
    return [
        Suggested(
            kind,
            tuple(
                card(shown[email])
                for email in found.loc[found["mentor_type"] == kind, "mentor_email"]
            ),
        )
        for kind in (mentee.seeks or "").split(";")
        if kind
    ]


def read_ranks(form: Mapping[str, str], allowed: Sequence[int], how_many: int) -> list[int]:
    """The mentors' ids a mentee's form ranks, 1st first: every field
    :data:`RANK_FIELD` with a rank; ranks need not follow each other (1st, 3rd: two picks).

    Raises
    ------
    PickError
        When a ranked mentor is not among ``allowed``, two mentors share a rank, or a
        rank is past ``how_many`` (or not a rank).

    >>> read_ranks({"rank-4": "2", "rank-7": "1", "rank-9": "", "csrf_token": "x"}, [4, 7, 9], 3)
    [7, 4]
    >>> read_ranks({"rank-4": "1", "rank-7": "1"}, [4, 7], 3)
    Traceback (most recent call last):
    ...
    webapp.picks.PickError: Two mentors have the same rank (1st): give each pick its own rank. Nothing was saved.
    """  # noqa: E501
    ranked: dict[int, int] = {}
    for name, value in form.items():
        if not name.startswith(RANK_FIELD.format("")) or not value.strip():
            continue
        key = name.removeprefix(RANK_FIELD.format(""))
        if not key.isdigit() or int(key) not in allowed:
            raise PickError(
                "One of your picks is not among your suggestions any more: reload the page "
                "and pick again. Nothing was saved."
            )
        rank = value.strip()
        if not rank.isdigit() or not 1 <= int(rank) <= how_many:
            raise PickError(
                f"You may pick up to {how_many} mentors, ranked 1st to {ordinal(how_many)}. "
                "Nothing was saved."
            )
        if int(rank) in ranked:
            raise PickError(
                f"Two mentors have the same rank ({ordinal(int(rank))}): give each pick its "
                "own rank. Nothing was saved."
            )
        ranked[int(rank)] = int(key)
    return [ranked[rank] for rank in sorted(ranked)]


def _cell(column: str, emails: Sequence[str]) -> str:
    """A canonical ";" list of e-mails, refused when longer than ``column`` may hold."""
    text = ";".join(emails)
    if len(text) > COLUMN_LIMITS[column]:
        raise PickError("These choices are too long to keep; choose fewer. Nothing was saved.")
    return text


def save_picks(mentee: Participant, picked: Sequence[Participant]) -> None:
    """Keep ``picked`` (1st first) as the mentee's picks; the caller commits."""
    if len(picked) > MAX_PICKS:
        raise PickError(f"At most {MAX_PICKS} picks, please. Nothing was saved.")
    mentee.preferred_mentors = _cell("preferred_mentors", [m.email for m in picked])


def pickers_of(mentor: Participant) -> list[Participant]:
    """The mentees of the mentor's program who picked the mentor, by name."""
    query = select(Participant).where(
        Participant.program_id == mentor.program_id,
        Participant.preferred_mentors.contains(mentor.email),
    )
    found = [p for p in db.session.scalars(query) if mentor.email in p.preferred_mentors.split(";")]
    return sorted(found, key=lambda p: (p.name.casefold(), p.id))


def rather_not(avoid: str, pickers: Sequence[Participant], chosen: set[int]) -> str:
    """The mentor's ``avoid`` list after their "would rather not" among ``pickers``: the
    ``chosen`` pickers' e-mails in, the other pickers' out, every other entry kept (an
    admin's import).

    >>> pickers = [Participant(id=1, email="a@x.org"), Participant(id=2, email="b@x.org")]
    >>> rather_not("b@x.org;z@x.org", pickers, {1})
    'z@x.org;a@x.org'
    """
    theirs = {p.email for p in pickers}
    kept = [e for e in avoid.split(";") if e and e not in theirs]
    return _cell("avoid", kept + [p.email for p in pickers if p.id in chosen])
