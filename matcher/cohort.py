"""Participants encoded as numpy arrays, the shape every rule and criterion works on.

A :class:`Cohort` holds one row per person (sorted by e-mail, so results never depend on
the input's row order): numeric attributes as float arrays with ``nan`` for unknown,
categorical ones as integer codes with ``-1`` for unknown, and tag lists as bit sets
(:class:`TagSets`), so that "how many goals do these two share" is a population count of
a bitwise and.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from matcher.schema import MeetingMode, MentorType, Participant, answer_words, normalize

MENTOR_TYPES: tuple[MentorType, ...] = tuple(MentorType)
MEETING_CODES: dict[MeetingMode, int] = {mode: code for code, mode in enumerate(MeetingMode)}


def _codes(values: Sequence[str], vocabulary: dict[str, int]) -> np.ndarray:
    """Integer codes for values as :func:`~matcher.schema.normalize` compares them, growing
    ``vocabulary``; '' becomes -1.

    >>> _codes(["Sales", "", "sales ", "IT"], {}).tolist()
    [0, -1, 0, 1]
    """
    seen: dict[str, int] = {}
    for value in values:
        if value not in seen:
            key = normalize(value)
            seen[value] = vocabulary.setdefault(key, len(vocabulary)) if key else -1
    return np.array([seen[v] for v in values], dtype=np.int64)


@dataclass(frozen=True, eq=False)
class TagSets:
    """A tag list per person: its size, and as bits the words other lists can share.

    ``bits[i, w]`` holds words ``64 w`` to ``64 w + 63`` of a vocabulary shared with the
    lists it is compared with (see :func:`tag_sets`); words no compared list contains are
    counted in ``size`` but left out of ``bits``.
    """

    bits: np.ndarray
    size: np.ndarray


def _types(chosen: Sequence[Sequence[MentorType]]) -> np.ndarray:
    """Each person's mentor types as a row of booleans, in the order of ``MENTOR_TYPES``.

    >>> _types([(MentorType.EXPERTISE,), ()]).tolist()
    [[False, False, False, True], [False, False, False, False]]
    """
    table = np.array([[t in kinds for t in MENTOR_TYPES] for kinds in chosen], dtype=bool)
    return table.reshape(len(chosen), len(MENTOR_TYPES))


def tag_sets(*columns: Sequence[Sequence[str]]) -> tuple[TagSets, ...]:
    """Tag lists as :class:`TagSets` over the words that every column uses.

    Several list columns (e.g. goals and strengths) share one vocabulary so that the bits
    of two people's lists have the words they have in common. Words are compared
    normalised (:func:`matcher.schema.normalize`): "SQL" and "sql" are one word.

    >>> goals, strengths = tag_sets([("SQL", "python"), ()], [("Python", "go")])
    >>> goals.size.tolist(), goals.bits.tolist(), strengths.bits.tolist()
    ([2, 0], [[1], [0]], [[1]])
    """
    raw = {w for lists in columns for words in lists for w in words}
    key = {w: normalize(w) for w in raw}  # each distinct text normalised once
    vocabulary = sorted(set(key.values()))
    number = {w: i for i, w in enumerate(vocabulary)}
    n = max(1, len(vocabulary))
    ids = {w: number[k] for w, k in key.items()}
    used = [
        np.array([ids[w] for words in lists for w in words], dtype=np.int64) for lists in columns
    ]
    shared = np.ones(len(vocabulary), dtype=bool)  # the words every column uses
    for found in used:
        shared &= np.bincount(found, minlength=len(vocabulary)) > 0
    code = np.cumsum(shared) - 1  # a shared word's place among them, in sorted order
    width = max(1, -(-int(shared.sum()) // 64))
    out = []
    for lists, found in zip(columns, used, strict=True):
        rows = np.repeat(np.arange(len(lists)), [len(words) for words in lists])
        cells = np.unique(rows * n + found)  # each person's distinct words, once
        person, word = cells // n, cells % n
        keep = shared[word]
        codes = code[word[keep]].astype(np.uint64)
        bits = np.zeros((len(lists), width), dtype=np.uint64)
        np.bitwise_or.at(bits, (person[keep], codes // 64), np.uint64(1) << codes % 64)
        out.append(TagSets(bits, np.bincount(person, minlength=len(lists))))
    return tuple(out)


def answer_tables(
    people: Sequence[Participant],
) -> tuple[dict[str, TagSets], dict[str, np.ndarray]]:
    """Every question's answers as arrays: tag sets of words (over one vocabulary for all
    questions, so that a wants rule compares two questions) and scale points (nan when not
    answered).

    >>> from matcher.schema import Answers, Role
    >>> ann = Participant("a@x.org", "A", Role.MENTEE, answers=Answers({"q": ("x", "y"), "s": 2}))
    >>> sets, scales = answer_tables([ann])
    >>> sets["q"].size.tolist(), scales["s"].tolist()
    ([2], [2.0])
    """
    keys = sorted({key for p in people for key in p.answers})
    scales = {
        key: np.array(
            [float(a) if isinstance(a := p.answers.get(key), int) else np.nan for p in people]
        )
        for key in keys
        if any(isinstance(p.answers.get(key), int) for p in people)
    }
    words = [key for key in keys if key not in scales]
    vocabulary = sorted(
        {normalize(w) for p in people for key in words for w in answer_words(p.answers.get(key))}
    )
    code = {w: k for k, w in enumerate(vocabulary)}
    width = max(1, -(-len(code) // 64))
    sets: dict[str, TagSets] = {}
    for key in words:
        lists = [{code[normalize(w)] for w in answer_words(p.answers.get(key))} for p in people]
        bits = np.zeros((len(people), width), dtype=np.uint64)
        for row, codes in enumerate(lists):
            for c in codes:
                bits[row, c // 64] |= np.uint64(1) << np.uint64(c % 64)
        sets[key] = TagSets(bits, np.array([len(c) for c in lists], dtype=np.int64))
    return sets, scales


def _picks(people: Sequence[Participant], index: dict[str, int]) -> sparse.csr_matrix:
    """Mentee x mentor matrix of each mentee's picks: the pick's rank as the mentee gave it
    (1 = first) where the mentee picked the mentor. A pick outside the cohort keeps its
    place: the next pick stays the 2nd, as the reasons say (:func:`matcher.pick_rank`), and
    a pair's score is the same whoever else is in the cohort."""
    rows, cols, ranks = [], [], []
    for i, person in enumerate(people):
        for rank, email in enumerate(person.preferred_mentors, 1):
            if (j := index.get(email)) is not None:
                rows.append(i)
                cols.append(j)
                ranks.append(float(rank))
    n = len(people)
    return sparse.csr_matrix((ranks, (rows, cols)), shape=(n, n))


def _avoided(people: Sequence[Participant], index: dict[str, int]) -> sparse.csr_matrix:
    """Mentee x mentor 0/1 matrix: the mentor lists the mentee in ``avoid``."""
    pairs = [
        (j, i)
        for i, person in enumerate(people)
        for j in (index.get(email) for email in person.avoid)
        if j is not None and j != i
    ]
    n = len(people)
    data = np.ones(len(pairs))
    return sparse.csr_matrix((data, ([i for i, _ in pairs], [j for _, j in pairs])), shape=(n, n))


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


def _symmetric(rows: Sequence[int], cols: Sequence[int], n: int) -> sparse.csr_matrix:
    """Symmetric 0/1 n x n matrix with an entry at each (row, col) and (col, row)."""
    both = (np.concatenate([rows, cols]), np.concatenate([cols, rows]))
    m = sparse.csr_matrix((np.ones(len(both[0])), both), shape=(n, n))
    m.data[:] = 1.0
    return m


def _chain_matrix(ancestors: np.ndarray) -> sparse.csr_matrix:
    """Symmetric 0/1 person x person matrix: one is in the other's management chain."""
    person = np.repeat(np.arange(len(ancestors)), ancestors.shape[1]).reshape(ancestors.shape)
    known = ancestors >= 0
    return _symmetric(person[known], ancestors[known], len(ancestors))


def _pair_matrix(
    people: Sequence[Participant], index: dict[str, int], attr: str
) -> sparse.csr_matrix:
    """Symmetric 0/1 person x person matrix of the e-mails listed in ``attr``."""
    pairs = [
        (i, j)
        for i, p in enumerate(people)
        for j in (index.get(email) for email in getattr(p, attr))
        if j is not None and j != i
    ]
    rows = np.array([i for i, _ in pairs], dtype=np.int64)
    cols = np.array([j for _, j in pairs], dtype=np.int64)
    return _symmetric(rows, cols, len(people))


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
    chain: sparse.csr_matrix
    capacity: np.ndarray
    seeks: np.ndarray
    offers: np.ndarray
    goals: TagSets
    strengths: TagSets
    expertise_wanted: TagSets
    expertise: TagSets
    languages: TagSets
    excluded: sparse.csr_matrix
    previous: sparse.csr_matrix
    priority: np.ndarray
    """True for the people the program gives priority (:attr:`Participant.priority`)."""
    picks: sparse.csr_matrix
    """Mentee x mentor: the rank of each mentee's pick (1 = first), 0 elsewhere."""
    avoided: sparse.csr_matrix
    """Mentee x mentor: 1 where the mentor would rather not take the mentee (``avoid``)."""
    answer_sets: dict[str, TagSets]
    """Per question key, the answers of choice and tag questions (:func:`answer_tables`)."""
    answer_scales: dict[str, np.ndarray]
    """Per question key, the answers of scale questions, nan when not answered."""

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
    goals, strengths = tag_sets([p.goals for p in people], [p.strengths for p in people])
    wanted, expertise = tag_sets(
        [p.expertise_wanted for p in people], [p.expertise for p in people]
    )
    (languages,) = tag_sets([p.languages for p in people])

    def numbers(values: Iterable[float | None]) -> np.ndarray:
        return np.array([np.nan if v is None else v for v in values], dtype=np.float64)

    manager = np.array([index.get(p.manager_email, -1) for p in people], dtype=np.int64)
    mentee = np.array([p.is_mentee for p in people], dtype=bool)
    mentor = np.array([p.is_mentor for p in people], dtype=bool)
    answer_sets, answer_scales = answer_tables(people)
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
        chain=_chain_matrix(_ancestors(manager)),
        capacity=np.where(mentor, [p.capacity for p in people], 0).astype(np.int64),
        seeks=_types([p.seeks for p in people]) & mentee[:, None],
        offers=_types([p.offers for p in people]) & mentor[:, None],
        goals=goals,
        strengths=strengths,
        expertise_wanted=wanted,
        expertise=expertise,
        languages=languages,
        excluded=_pair_matrix(people, index, "exclude"),
        previous=_pair_matrix(people, index, "previous_partners"),
        priority=np.array([p.priority for p in people], dtype=bool),
        picks=_picks(people, index),
        avoided=_avoided(people, index),
        answer_sets=answer_sets,
        answer_scales=answer_scales,
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
        return np.take(values, self.mentee, axis=0)

    def m(self, values: np.ndarray) -> np.ndarray:
        """A per-person array, taken on the mentor side."""
        return np.take(values, self.mentor, axis=0)

    def overlap(self, left: TagSets, right: TagSets) -> np.ndarray:
        """How many words the mentee's ``left`` list shares with the mentor's ``right`` list."""
        mine, theirs = self.e(left.bits), self.m(right.bits)
        shared = np.bitwise_count(mine[..., 0] & theirs[..., 0])
        for word in range(1, mine.shape[-1]):
            shared = shared + np.bitwise_count(mine[..., word] & theirs[..., word]).astype(int)
        return shared

    def valued(self, matrix: sparse.csr_matrix) -> np.ndarray:
        """The person x person ``matrix``'s values for (mentee, mentor), 0 where it has none."""
        if self.is_block:
            found = matrix[self.mentee.ravel()][:, self.mentor.ravel()]
            return np.asarray(found.toarray(), dtype=np.float64)
        return np.asarray(matrix[self.mentee, self.mentor], dtype=np.float64).ravel()

    def listed(self, matrix: sparse.csr_matrix) -> np.ndarray:
        """True where the person x person ``matrix`` has an entry for (mentee, mentor)."""
        if self.is_block:
            return _entries(matrix, self.mentee.ravel(), self.mentor.ravel())
        return np.asarray(matrix[self.mentee, self.mentor]).ravel() != 0


def _entries(matrix: sparse.csr_matrix, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``matrix[rows][:, cols] != 0`` as a dense boolean array, touching only the entries."""
    unique, inverse = np.unique(cols, return_inverse=True)
    position = np.full(matrix.shape[1], -1, dtype=np.int64)
    position[unique] = np.arange(len(unique))
    sub = matrix[rows]
    row = np.repeat(np.arange(len(rows)), np.diff(sub.indptr))
    col = position[sub.indices]
    found = (col >= 0) & (sub.data != 0)
    out = np.zeros((len(rows), len(unique)), dtype=bool)
    out[row[found], col[found]] = True
    return out if np.array_equal(unique, cols) else out[:, inverse]


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
