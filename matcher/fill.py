"""Which requests a run may fill: all of them, or only some (a rematch), the rest fixed.

A rematch fills some requests (mentee, type) and leaves every other one as it is: a
request with a locked pair keeps exactly that pair, and a request that is neither in the
fill nor locked stays open. :func:`fillable` turns the requests a caller names into a mask
over the cohort's requests (locked ones always included, so that their locks hold as in
any run), :func:`restricted` hides the others from the candidate search by taking them
out of the cohort's ``seeks``, and :func:`left_open` lists them with :data:`NOT_FILLED`
as their reason. The solver is the same exact solver: locked pairs are set aside first and
use their mentors' places, and the requests left are filled optimally around them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable

import numpy as np
import pandas as pd

from matcher.cohort import MENTOR_TYPES, Cohort
from matcher.errors import SolveError
from matcher.proposal import UNMATCHED_COLUMNS
from matcher.schema import MentorType

#: The reason of an open request that a run filling only some requests left alone.
NOT_FILLED = "not part of this rematch: it fills only other requests"

#: A request as callers name it: the mentee's e-mail and the mentor type.
Request = tuple[str, MentorType | str]


def fillable(
    cohort: Cohort, fill: Collection[Request], locks: Iterable[tuple[int, int, int]]
) -> np.ndarray:
    """The (person, type) mask of the requests a run may fill: ``fill`` and the locked ones.

    Raises
    ------
    SolveError
        When a request of ``fill`` names someone who is not a participant, or a type
        the mentee does not seek.

    Examples
    --------
    >>> from matcher.cohort import encode
    >>> from matcher.schema import Participant, Role
    >>> ana = Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("expertise", "sponsorship"))
    >>> fillable(encode([ana]), [("Ana@x.org", "sponsorship")], []).tolist()
    [[False, True, False, False]]
    >>> try:
    ...     fillable(encode([ana]), [("ana@x.org", "developmental")], [])
    ... except SolveError as error:
    ...     print(str(error)[:59])
    the request ana@x.org (developmental) is not one the mentee
    """
    mask = np.zeros_like(cohort.seeks)
    for email, mentor_type in fill:
        person = cohort.index.get(email.strip().lower())
        kind = MENTOR_TYPES.index(MentorType(mentor_type))
        if person is None or not cohort.seeks[person, kind]:
            raise SolveError(
                f"the request {email} ({MentorType(mentor_type).value}) is not one the mentee "
                "makes: fill only requests of participants who seek that type"
            )
        mask[person, kind] = True
    for mentee, _, kind in locks:
        mask[mentee, kind] = cohort.seeks[mentee, kind]
    return mask


def restricted(cohort: Cohort, mask: np.ndarray) -> Cohort:
    """``cohort`` seeking only the requests of ``mask``: the others get no candidate.

    >>> from matcher.cohort import encode
    >>> from matcher.schema import Participant, Role
    >>> ana = Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("expertise",))
    >>> cohort = encode([ana])
    >>> bool(restricted(cohort, np.zeros_like(cohort.seeks)).seeks.any())
    False
    """
    return dataclasses.replace(cohort, seeks=cohort.seeks & mask)


def left_open(cohort: Cohort, mask: np.ndarray) -> pd.DataFrame:
    """The requests of ``cohort`` outside ``mask``, as open requests with :data:`NOT_FILLED`.

    >>> from matcher.cohort import encode
    >>> from matcher.schema import Participant, Role
    >>> ana = Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("expertise",))
    >>> cohort = encode([ana])
    >>> left_open(cohort, np.zeros_like(cohort.seeks)).mentor_type.tolist()
    ['expertise']
    """
    people, kinds = np.nonzero(cohort.seeks & ~mask)
    rows = [
        (cohort.people[e].email, cohort.people[e].name, MENTOR_TYPES[k].value, NOT_FILLED)
        for e, k in zip(people.tolist(), kinds.tolist(), strict=True)
    ]
    return pd.DataFrame(rows, columns=UNMATCHED_COLUMNS)
