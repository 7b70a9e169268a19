"""Participants encoded as numpy arrays, the shape every rule and criterion works on.

A :class:`Cohort` holds one row per person (sorted by e-mail, so results never depend on
the input's row order): numeric attributes as float arrays with ``nan`` for unknown,
categorical ones as integer codes with ``-1`` for unknown, and tag lists as sparse 0/1
incidence matrices, so that "how many goals do these two share" is a sparse product.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from matcher.schema import MeetingMode, MentorType, Participant

MENTOR_TYPES: tuple[MentorType, ...] = tuple(MentorType)
MEETING_CODES: dict[MeetingMode, int] = {mode: code for code, mode in enumerate(MeetingMode)}


def _codes(values: Sequence[str], vocabulary: dict[str, int]) -> np.ndarray:
    """Integer codes for values, growing ``vocabulary``; '' becomes -1."""
    return np.array(
        [vocabulary.setdefault(v, len(vocabulary)) if v else -1 for v in values], dtype=np.int64
    )


def _incidence(*columns: Sequence[Iterable[str]]) -> tuple[sparse.csr_matrix, ...]:
    """0/1 CSR matrices, a row per person and a column per word of a shared vocabulary.

    Several list columns (e.g. goals and strengths) share one vocabulary so that their
    product counts the words two people have in common.
    """
    vocabulary: dict[str, int] = {}
    for lists in columns:
        for words in lists:
            for w in words:
                vocabulary.setdefault(w, len(vocabulary))
    out = []
    for lists in columns:
        rows = [r for r, words in enumerate(lists) for _ in words]
        cols = [vocabulary[w] for words in lists for w in words]
        data = np.ones(len(rows), dtype=np.float64)
        shape = (len(lists), max(len(vocabulary), 1))
        out.append(sparse.csr_matrix((data, (rows, cols)), shape=shape))
    return tuple(out)


def _ancestors(manager: np.ndarray) -> np.ndarray:
    """Each person's management chain as an (n, depth) array padded with -1.

    Column 0 is the direct manager, column 1 the manager's manager, and so on. Cycles
    (rejected at intake) are cut so the walk always ends.
    """
    n = len(manager)
    chain = [manager.copy()]
    current = manager.copy()
    for _ in range(n):
        nxt = np.where(current >= 0, manager[np.maximum(current, 0)], -1)
        if not (nxt >= 0).any():
            break
        chain.append(nxt)
        current = nxt
    return np.stack(chain, axis=1) if n else np.zeros((0, 1), dtype=np.int64)


def _pair_matrix(
    people: Sequence[Participant], index: dict[str, int], attr: str
) -> sparse.csr_matrix:
    """Symmetric 0/1 person x person matrix of the e-mails listed in ``attr``."""
    rows: list[int] = []
    cols: list[int] = []
    for i, p in enumerate(people):
        for email in getattr(p, attr):
            j = index.get(email)
            if j is not None and j != i:
                rows += [i, j]
                cols += [j, i]
    n = len(people)
    m = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    m.data[:] = 1.0
    return m


@dataclass(frozen=True, eq=False)
class Cohort:
    """Participants as arrays; build it with :func:`encode`."""

    people: tuple[Participant, ...]
    index: dict[str, int]
    level: np.ndarray
    generation: np.ndarray
    utc_offset: np.ndarray
    department: np.ndarray
    organization: np.ndarray
    target_department: np.ndarray
    location: np.ndarray
    meeting_mode: np.ndarray
    manager: np.ndarray
    ancestors: np.ndarray
    capacity: np.ndarray
    seeks: np.ndarray
    offers: np.ndarray
    goals: sparse.csr_matrix
    strengths: sparse.csr_matrix
    expertise_wanted: sparse.csr_matrix
    expertise: sparse.csr_matrix
    languages: sparse.csr_matrix
    excluded: sparse.csr_matrix
    previous: sparse.csr_matrix

    def __len__(self) -> int:
        return len(self.people)

    def mentees_seeking(self, mentor_type: MentorType) -> np.ndarray:
        """Indices of the people who ask for a mentor of this type."""
        return np.flatnonzero(self.seeks[:, MENTOR_TYPES.index(mentor_type)])

    def mentors_offering(self, mentor_type: MentorType) -> np.ndarray:
        """Indices of the people who offer to mentor this type (whatever their capacity)."""
        return np.flatnonzero(self.offers[:, MENTOR_TYPES.index(mentor_type)])


def encode(participants: Iterable[Participant]) -> Cohort:
    """Encode participants as arrays, sorted by e-mail.

    Parameters
    ----------
    participants
        Validated participants with unique e-mails (see :mod:`matcher.intake`).

    Returns
    -------
    Cohort

    Examples
    --------
    >>> from matcher.schema import Role
    >>> boss = Participant("boss@x.org", "Boss", Role.MENTOR, offers=(MentorType.EXPERTISE,))
    >>> ana = Participant(
    ...     "ana@x.org",
    ...     "Ana",
    ...     Role.MENTEE,
    ...     seeks=(MentorType.EXPERTISE,),
    ...     manager_email="boss@x.org",
    ... )
    >>> c = encode([boss, ana])
    >>> [p.name for p in c.people], c.manager.tolist()
    (['Ana', 'Boss'], [1, -1])
    """
    people = tuple(sorted(participants, key=lambda p: p.email))
    index = {p.email: i for i, p in enumerate(people)}
    places: dict[str, int] = {}
    goals, strengths = _incidence([p.goals for p in people], [p.strengths for p in people])
    wanted, expertise = _incidence(
        [p.expertise_wanted for p in people], [p.expertise for p in people]
    )
    (languages,) = _incidence([p.languages for p in people])

    def numbers(values: Iterable[float | None]) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

    manager = np.array([index.get(p.manager_email, -1) for p in people], dtype=np.int64)
    return Cohort(
        people=people,
        index=index,
        level=numbers(p.level for p in people),
        generation=numbers(None if p.generation is None else p.generation.rank for p in people),
        utc_offset=numbers(p.utc_offset_minutes for p in people),
        department=_codes([p.department for p in people], places),
        organization=_codes([p.organization for p in people], {}),
        target_department=_codes([p.target_department for p in people], places),
        location=_codes([p.location for p in people], {}),
        meeting_mode=np.array([MEETING_CODES[p.meeting_mode] for p in people], dtype=np.int64),
        manager=manager,
        ancestors=_ancestors(manager),
        capacity=np.array([p.capacity if p.is_mentor else 0 for p in people], dtype=np.int64),
        seeks=np.array(
            [[p.is_mentee and t in p.seeks for t in MENTOR_TYPES] for p in people], dtype=bool
        ).reshape(len(people), len(MENTOR_TYPES)),
        offers=np.array(
            [[p.is_mentor and t in p.offers for t in MENTOR_TYPES] for p in people], dtype=bool
        ).reshape(len(people), len(MENTOR_TYPES)),
        goals=goals,
        strengths=strengths,
        expertise_wanted=wanted,
        expertise=expertise,
        languages=languages,
        excluded=_pair_matrix(people, index, "exclude"),
        previous=_pair_matrix(people, index, "previous_partners"),
    )


@dataclass(frozen=True, eq=False)
class Pairs:
    """Mentee/mentor index arrays shaped to broadcast against each other.

    In *block* mode (:func:`block`) mentees are a column ``(b, 1)`` and mentors a row
    ``(1, m)``, so every attribute comparison yields a ``(b, m)`` matrix; in *pairwise* mode
    (:func:`pairwise`) both are ``(k,)`` and comparisons run element by element. Rules and
    criteria are written once against this class and serve both.
    """

    cohort: Cohort
    mentee: np.ndarray
    mentor: np.ndarray

    @property
    def is_block(self) -> bool:
        """True for an all-mentees x all-mentors block."""
        return self.mentee.ndim == 2

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of every boolean or score array over these pairs."""
        return np.broadcast_shapes(self.mentee.shape, self.mentor.shape)

    def e(self, values: np.ndarray) -> np.ndarray:
        """A per-person array, taken on the mentee side."""
        return values[self.mentee]

    def m(self, values: np.ndarray) -> np.ndarray:
        """A per-person array, taken on the mentor side."""
        return values[self.mentor]

    def overlap(self, left: sparse.csr_matrix, right: sparse.csr_matrix) -> np.ndarray:
        """How many words the mentee's ``left`` list shares with the mentor's ``right`` list."""
        if self.is_block:
            product = left[self.mentee.ravel()] @ right[self.mentor.ravel()].T
            return np.asarray(product.toarray())
        return np.asarray(left[self.mentee].multiply(right[self.mentor]).sum(axis=1)).ravel()

    def listed(self, matrix: sparse.csr_matrix) -> np.ndarray:
        """True where the person x person ``matrix`` has an entry for (mentee, mentor)."""
        if self.is_block:
            return matrix[self.mentee.ravel()][:, self.mentor.ravel()].toarray() != 0
        return np.asarray(matrix[self.mentee, self.mentor]).ravel() != 0

    def in_chain(self, of_mentee: bool) -> np.ndarray:
        """True where the mentor is in the mentee's management chain (or the reverse)."""
        if of_mentee:
            chain, other = self.cohort.ancestors[self.mentee], self.mentor
        else:
            chain, other = self.cohort.ancestors[self.mentor], self.mentee
        return np.broadcast_to((chain == other[..., None]).any(axis=-1), self.shape)


def block(cohort: Cohort, mentees: np.ndarray, mentors: np.ndarray) -> Pairs:
    """Every mentee in ``mentees`` against every mentor in ``mentors``.

    >>> from matcher.schema import Role
    >>> c = encode(
    ...     [Participant("a@x.org", "A", Role.BOTH, seeks=("expertise",), offers=("expertise",))]
    ... )
    >>> block(c, np.array([0]), np.array([0, 0])).shape
    (1, 2)
    """
    return Pairs(cohort, np.asarray(mentees)[:, None], np.asarray(mentors)[None, :])


def pairwise(cohort: Cohort, mentees: np.ndarray, mentors: np.ndarray) -> Pairs:
    """The pairs ``(mentees[k], mentors[k])``, element by element.

    >>> from matcher.schema import Role
    >>> c = encode([Participant("a@x.org", "A", Role.MENTEE)])
    >>> pairwise(c, np.array([0, 0]), np.array([0, 0])).shape
    (2,)
    """
    return Pairs(cohort, np.asarray(mentees).ravel(), np.asarray(mentors).ravel())
