"""One mentee's matches explained: per type sought, the best mentors and what became of each.

:func:`explain_mentee` answers an admin's "why did Ana get Bo and not Cy?": it ranks the
mentors offering each type the mentee seeks by score and says of each whether it was
matched, blocked by a rule, below the program's minimum, full with other mentees, already
the mentee's mentor in another type, or left free because the cohort gains more
elsewhere. It explains a :class:`~matcher.proposal.Proposal` from
:func:`matcher.engine.propose` (computed when not given). The mentee and the
mentors open to them come from :mod:`matcher.mentors`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from matcher.breaches import pair_breaches
from matcher.cohort import Cohort, encode
from matcher.config import ProgramConfig
from matcher.engine import propose
from matcher.mentors import mentee_index, mentors_for
from matcher.program_words import ordinal, pick_rank
from matcher.proposal import Decision, Proposal, decision_triples, rejected_matrices
from matcher.schema import Participant
from matcher.scoring import combine, criterion_values
from matcher.words import plural

ALTERNATIVE_COLUMNS = [
    "mentor_type",
    "rank",
    "mentor_email",
    "mentor_name",
    "score",
    "outcome",
    "why",
]


@dataclass(frozen=True, eq=False)
class MenteeExplanation:
    """One mentee's matches, open requests, and per type the best alternatives and their fate."""

    matches: pd.DataFrame
    unmatched: pd.DataFrame
    alternatives: pd.DataFrame


def _fate(
    mentor: Participant,
    score: float,
    base: float,
    blocked: list[str],
    placed: pd.DataFrame,
    chosen: pd.Series | None,
    config: ProgramConfig,
) -> tuple[str, str]:
    """Outcome and words for one alternative mentor of one request (``base``: its score
    before any bonus, which the minimum applies to)."""
    if chosen is not None and chosen.mentor_email == mentor.email:
        return "matched", chosen.reasons
    if blocked:
        return "blocked", "; ".join(blocked)
    if base < config.min_score:
        return "lower score", f"below the program's minimum score of {config.min_score:g}"
    theirs = placed[placed.mentor_email == mentor.email]
    if len(theirs) >= mentor.capacity:
        names = ", ".join(sorted(set(theirs.mentee_name)))
        places = plural(mentor.capacity, "place")
        return "went to another mentee", f"full ({places}): mentors {names}"
    if chosen is not None:
        return "lower score", f"score {score:g} vs {chosen.score:g} for the match"
    return "lower score", "left free: giving this pair would cost the cohort more elsewhere"


def explain_mentee(
    participants: Sequence[Participant],
    mentee_email: str,
    config: ProgramConfig | None = None,
    decisions: Sequence[Decision] = (),
    proposal: Proposal | None = None,
    top: int = 5,
    cohort: Cohort | None = None,
) -> MenteeExplanation:
    """Why one mentee got the mentors they got, and what became of the best alternatives.

    Parameters
    ----------
    participants, config, decisions
        As given to :func:`matcher.engine.propose`.
    mentee_email
        The mentee to explain (case-insensitive).
    proposal
        A proposal already computed for these inputs (computed when omitted).
    top
        How many alternatives to show per type sought, besides the match.
    cohort
        ``encode(participants)`` already made (encoded when omitted), so that many
        mentees of one cohort are explained without encoding it again.

    Returns
    -------
    MenteeExplanation
        ``alternatives`` has one row per (type, mentor) with ``outcome`` one of
        ``matched``, ``went to another mentee``, ``lower score``, ``blocked``, ``already
        your mentor`` and ``why`` in words. The mentee's picks of the type are always
        among them, whatever their rank, and a pick not matched says so
        (``your 1st pick: full (1 place): mentors Bo``).

    Raises
    ------
    MatcherError
        When ``mentee_email`` is not a mentee of the program.

    Examples
    --------
    >>> from matcher.schema import Role
    >>> people = [
    ...     Participant(
    ...         "ana@x.org", "Ana", Role.MENTEE, seeks=("developmental",), manager_email="cy@x.org"
    ...     ),
    ...     Participant("bo@x.org", "Bo", Role.MENTOR, offers=("developmental",)),
    ...     Participant("cy@x.org", "Cy", Role.MENTOR, offers=("developmental",)),
    ... ]
    >>> alt = explain_mentee(people, "ana@x.org").alternatives
    >>> alt[["mentor_name", "outcome"]].values.tolist()
    [['Bo', 'matched'], ['Cy', 'blocked']]
    """
    config = config or ProgramConfig()
    proposal = proposal or propose(participants, config, decisions)
    cohort = encode(participants) if cohort is None else cohort
    mentee = mentee_index(cohort, mentee_email)
    email = cohort.people[mentee].email
    rejected = rejected_matrices(cohort, decision_triples(cohort, decisions, "reject"))
    mine = proposal.matches[proposal.matches.mentee_email == email]
    placed = proposal.matches[proposal.matches.mentee_email != email]
    rows = []
    for mentor_type, mentors, pairs, scores in mentors_for(cohort, mentee, config):
        values = criterion_values(pairs, mentor_type, config)
        base = np.broadcast_to(combine(values, mentor_type, config), pairs.shape)[0]
        chosen_rows = mine[mine.mentor_type == mentor_type.value]
        chosen = chosen_rows.iloc[0] if len(chosen_rows) else None
        other_types = set(mine.mentor_email) - set(chosen_rows.mentor_email)
        # best score first, ties by e-mail: a cohort is in the order of its e-mails
        order = np.lexsort((mentors, -scores))
        place = np.empty(len(order), dtype=np.int64)
        place[order] = np.arange(len(order))
        named = {cohort.index.get(e) for e in cohort.people[mentee].preferred_mentors}
        chosen_index = None if chosen is None else cohort.index.get(chosen.mentor_email)
        shown = set(np.flatnonzero(mentors == chosen_index).tolist())
        shown |= set(itertools.islice((j for j in order.tolist() if j not in shown), top))
        shown |= set(np.flatnonzero(np.isin(mentors, list(named - {None}))).tolist())
        for rank, j in enumerate(sorted(shown, key=place.__getitem__), start=1):
            mentor = cohort.people[mentors[j]]
            if mentor.email in other_types:
                outcome, why = "already your mentor", "mentors this person in another type already"
            else:
                blocked = pair_breaches(
                    cohort, mentee, int(mentors[j]), mentor_type, config, rejected
                )
                outcome, why = _fate(
                    mentor, float(scores[j]), float(base[j]), blocked, placed, chosen, config
                )
            if (rank_picked := pick_rank(cohort.people[mentee], mentor)) and outcome != "matched":
                why = f"your {ordinal(rank_picked)} pick: {why}"
            rows.append(
                (mentor_type.value, rank, mentor.email, mentor.name, float(scores[j]), outcome, why)
            )
    return MenteeExplanation(
        matches=mine.reset_index(drop=True),
        unmatched=proposal.unmatched[proposal.unmatched.mentee_email == email].reset_index(
            drop=True
        ),
        alternatives=pd.DataFrame(rows, columns=ALTERNATIVE_COLUMNS),
    )
