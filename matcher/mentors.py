"""One mentee's possible mentors: per type the mentee seeks, who offers it and each score.

:func:`mentee_index` finds a mentee by e-mail and :func:`mentors_for` lists, per type
they seek, the mentors offering it with each pair's score. :mod:`matcher.mentee`
explains a mentee's matches from these, and
:func:`matcher.checks.mentor_fits` lists how every mentor would fit.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from matcher.cohort import MENTOR_TYPES, Cohort, Pairs, block
from matcher.config import ProgramConfig
from matcher.errors import MatcherError
from matcher.schema import MentorType
from matcher.scoring import score


def mentee_index(cohort: Cohort, mentee_email: str) -> int:
    """The index in ``cohort`` of the mentee with this e-mail (case-insensitive).

    >>> from matcher.cohort import encode
    >>> from matcher.schema import Participant, Role
    >>> mentee_index(
    ...     encode([Participant("a@x.org", "A", Role.MENTEE, seeks=("expertise",))]), "A@X.org"
    ... )
    0

    Raises :class:`MatcherError` when the e-mail is not a mentee's.
    """
    email = mentee_email.strip().lower()
    if email not in cohort.index or not cohort.people[cohort.index[email]].is_mentee:
        raise MatcherError(f"{mentee_email} is not a mentee of this program")
    return cohort.index[email]


def mentors_for(
    cohort: Cohort, mentee: int, config: ProgramConfig
) -> Iterator[tuple[MentorType, np.ndarray, Pairs, np.ndarray]]:
    """Per type the mentee (an index) seeks: the other people who offer it, the 1 x n
    block of their pairs with the mentee, and each pair's score.

    >>> from matcher.cohort import encode
    >>> from matcher.schema import Participant, Role
    >>> people = [
    ...     Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("developmental",)),
    ...     Participant("bo@x.org", "Bo", Role.MENTOR, offers=("developmental",)),
    ... ]
    >>> [
    ...     (t.value, m.tolist(), s.tolist())
    ...     for t, m, _, s in mentors_for(encode(people), 0, ProgramConfig())
    ... ]
    [('developmental', [1], [17.5])]
    """
    for kind, mentor_type in enumerate(MENTOR_TYPES):
        if not cohort.seeks[mentee, kind]:
            continue
        mentors = cohort.mentors_offering(mentor_type)
        mentors = mentors[mentors != mentee]
        pairs = block(cohort, np.array([mentee]), mentors)
        yield mentor_type, mentors, pairs, score(pairs, mentor_type, config)[0][0]
