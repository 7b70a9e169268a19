"""Hard rules and scores of a block of (mentee, mentor) cells, in two compiled passes.

Building candidates evaluates every rule for every (mentee, mentor) cell of a type, and
scores every cell that all rules let through: hundreds of millions of cells at 50,000
people, again for each certified round's pricing. In numpy each rule and criterion makes a
full pass over a block with gathers per attribute; here one compiled loop reads each
person's attributes from one row of a table and decides a cell in a few nanoseconds.

:mod:`matcher.constraints` and :mod:`matcher.scoring` stay the definitions: readable, and
what explanations and single pairs use. These passes repeat them operation by operation
in the same floating-point order, so scores are equal to the last bit. All else the passes
know of the rules and criteria comes from those tables: each rule has one line in the rules
pass that sets the rule's bit where it blocks (``bit.language`` for the rule "language"),
blocked cells are counted per bit, and only the rules that apply
(:meth:`~matcher.constraints.Rule.applies`) are checked; the scores pass takes a config's
criteria by their slots. The bits and slots (:data:`BIT`, :data:`SLOT`) are arguments of the
kernels rather than constants compiled into them, so a kernel in numba's disk cache never
keeps old numbers after a table changes. ``tests/test_blockscan.py`` checks that each rule
and criterion has its line here and no other, and that the passes equal the definitions on
random cohorts, configs and weights.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import numpy as np
from numba import typeof
from scipy import sparse

from matcher.best import EVERY, best_per_row, row_cut
from matcher.cohort import MEETING_CODES, Cohort, block
from matcher.config import AVOIDED, PICKS, ProgramConfig
from matcher.constraints import RULES, Rejected, Rule, feasible, violations
from matcher.kernels import (
    BITS,
    FLAG_TABLE,
    FLAGS,
    FLOAT_CUBE,
    FLOAT_TABLE,
    FLOATS,
    INT,
    INT_TABLE,
    INTS,
    entry,
    jit,
)
from matcher.schema import MeetingMode, MentorType
from matcher.scoring import (
    BONUSES,
    CRITERIA,
    GENERATION_SPAN,
    NEUTRAL,
    bonuses,
    combine,
    counted_criteria,
    measure,
    penalty_weight,
    score,
    weight_total,
)

#: The types of :data:`BIT` and :data:`SLOT`, named here so that numba's disk cache, which
#: pickles the kernels' argument types, finds the same class again in a new process (a class
#: it cannot find by name is pickled by value, never equals the live one on loading, and the
#: kernels taking it were compiled again on every run).
RuleBits = namedtuple("RuleBits", [rule.name for rule in RULES])
CriterionSlots = namedtuple("CriterionSlots", list(CRITERIA))
#: Each rule's bit, by name (:data:`matcher.constraints.RULES`): ``BIT.language`` is 7.
BIT = RuleBits(*(rule.bit for rule in RULES))
#: Each criterion's slot, by name (:data:`matcher.scoring.CRITERIA`): ``SLOT.goals`` is 0.
SLOT = CriterionSlots(*(c.slot for c in CRITERIA.values()))
# columns of ScanTables.ints, one row per person
DEPARTMENT, ORGANIZATION, TARGET, LOCATION, MANAGER, GRAND_MANAGER = range(6)
CAPACITY, IN_PERSON, REMOTE, SPEAKS, GOALS_SIZE, WANTED_SIZE, PRIORITY = range(6, 13)
# columns of ScanTables.floats
LEVEL, GENERATION, UTC_OFFSET = range(3)


@dataclass(frozen=True, eq=False)
class ScanTables:
    """Everything the passes read for one type: per person, its numbers as rows of
    ``ints`` and ``floats`` and its tag lists as bits; the pairs listed in management
    chains, exclusions, previous partnerships and admin rejections as one CSR matrix of
    ``flags``; which rules apply; the type's criteria with their weights; the config's
    numbers. Build it with :func:`scan_tables`."""

    ints: np.ndarray
    floats: np.ndarray
    goals: np.ndarray
    strengths: np.ndarray
    wanted: np.ndarray
    expertise: np.ndarray
    languages: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    flags: np.ndarray
    active: np.ndarray
    criteria: np.ndarray
    weights: np.ndarray
    numbers: np.ndarray
    """sponsor gap, time-zone limit in minutes (inf when none), seniority span, time-zone
    span in hours, sum of the weights the type's scores count, minimum score. The criteria
    and weights list a bonus criterion (:data:`matcher.scoring.BONUSES`) with its points as
    its weight."""
    cohort: Cohort
    mentor_type: MentorType
    config: ProgramConfig
    rejected: Rejected
    defined: tuple[Rule, ...]
    """The rules that apply and have no line in the pass (``Rule.compiled`` false): their
    checks give the pass the cells they block."""
    terms: tuple[str, ...]
    """The counted criteria made of the program's data (its questions' criteria and
    ``picks``): their definitions give the pass each cell's weighted value, added after
    the built-in criteria, in the order of :func:`matcher.scoring.combine`."""

    def _defined_hits(self, mentees: np.ndarray, mentors: np.ndarray) -> np.ndarray:
        """The bits of the :attr:`defined` rules that block each cell (0 x 0 when none)."""
        if not self.defined:
            return np.zeros((0, 0), dtype=np.int64)
        pairs = block(self.cohort, mentees, mentors)
        hits = np.zeros(pairs.shape, dtype=np.int64)
        for rule in self.defined:
            blocked = rule.check(pairs, self.mentor_type, self.config, self.rejected)
            hits |= np.broadcast_to(blocked, pairs.shape).astype(np.int64) << rule.bit
        return hits

    def _term_values(self, mentees: np.ndarray, mentors: np.ndarray) -> np.ndarray:
        """Each :attr:`terms` criterion's weight times its value per cell (0 x 0 x 0 when
        none)."""
        if not self.terms:
            return np.zeros((0, 0, 0), dtype=np.float64)
        pairs = block(self.cohort, mentees, mentors)
        weights = self.config.type_weights(self.mentor_type)
        weights[AVOIDED] = penalty_weight(self.numbers[4], self.config)
        return np.ascontiguousarray(
            [
                weights[name]
                * np.broadcast_to(measure(pairs, name, self.mentor_type, self.config), pairs.shape)
                for name in self.terms
            ],
            dtype=np.float64,
        )

    def rules(self, mentees: np.ndarray, mentors: np.ndarray) -> tuple[np.ndarray, ...]:
        """The rules pass over ``mentees`` x ``mentors`` (person indices).

        Returns ``ok`` (rows x columns, True where no rule blocks) and per mentee: how many
        mentors are offered (the mentee themself left out), how many are feasible, and per
        rule of :data:`~matcher.constraints.RULES` (column ``rule.bit``) how many it blocked
        (the mentee themself not counted).
        """
        return _rules(
            mentees, mentors, self.ints, self.floats, self.languages, self.wanted,
            self.expertise, self.indptr, self.indices, self.flags, self.active, self.numbers,
            self._defined_hits(mentees, mentors), BIT,
        )  # fmt: skip

    def scores(
        self,
        mentees: np.ndarray,
        mentors: np.ndarray,
        ok: np.ndarray,
        reach: Reach | None = None,
        keep: int | None = None,
    ) -> tuple[np.ndarray, ...]:
        """The scores pass over the cells where ``ok``: the row, column and score of each
        one scoring at least the minimum (row-major order), per row how many scored below
        it, and per row the greatest weight (hundredths) left out by ``keep`` (-1 when
        none). With ``reach``, only the cells it lets through are returned; with ``keep``,
        only each row's cells weighing at least its ``keep``-th greatest
        (:func:`matcher.best.row_cut`)."""
        if reach is None:
            none = np.zeros(0, dtype=np.int64)
            reach = Reach(none, none, np.zeros((0, len(mentees)), dtype=np.int64), none[None, :])
        return _scores(
            mentees, mentors, ok, self.ints, self.floats, self.goals, self.strengths,
            self.wanted, self.expertise, self.criteria, self.weights, self.numbers, *reach,
            keep or 0, self._term_values(mentees, mentors), SLOT,
        )  # fmt: skip


class Passes(Protocol):
    """The rules pass and the scores pass of one type over blocks of cells."""

    def rules(self, mentees: np.ndarray, mentors: np.ndarray) -> tuple[np.ndarray, ...]:
        """``ok`` and the per-mentee counts of :meth:`ScanTables.rules`."""
        ...

    def scores(
        self,
        mentees: np.ndarray,
        mentors: np.ndarray,
        ok: np.ndarray,
        reach: Reach | None = None,
        keep: int | None = None,
    ) -> tuple[np.ndarray, ...]:
        """The kept cells' rows, columns and scores, the counts below the minimum and the
        greatest weights left out by ``keep``."""
        ...


@dataclass(frozen=True, eq=False)
class NumpyPasses:
    """The two passes computed by the definitions themselves (:mod:`matcher.constraints`,
    :mod:`matcher.scoring`) in numpy: nothing to compile, for cohorts too small to gain
    from compiling.

    They return what :class:`ScanTables` returns, except that ``reach`` is not applied:
    every cell scoring at least the minimum comes back, those out of reach too (the
    pricer keeps only the near ones, exactly, so the result is the same).

    Someone who both seeks and offers expertise is never their own mentor, and is not
    counted among the mentors offered to them:

    >>> from matcher.cohort import encode
    >>> from matcher.schema import Participant, Role
    >>> al = Participant("al@x.org", "Al", Role.BOTH, seeks=("expertise",), offers=("expertise",))
    >>> passes = NumpyPasses(encode([al]), MentorType.EXPERTISE, ProgramConfig(), None)
    >>> ok, offered, feasible, blocked = passes.rules(np.array([0]), np.array([0]))
    >>> ok.tolist(), offered.tolist()
    ([[False]], [0])
    """

    cohort: Cohort
    mentor_type: MentorType
    config: ProgramConfig
    rejected: Rejected | None

    def rules(self, mentees: np.ndarray, mentors: np.ndarray) -> tuple[np.ndarray, ...]:
        """As :meth:`ScanTables.rules`."""
        pairs = block(self.cohort, mentees, mentors)
        found = violations(pairs, self.mentor_type, self.config, self.rejected)
        ok = feasible(found, pairs.shape)
        other = pairs.mentee != pairs.mentor  # the mentee themself is not counted
        blocked = np.zeros((len(mentees), len(RULES)), dtype=np.int64)
        for rule in RULES:
            if rule.name in found:
                blocked[:, rule.bit] = (found[rule.name] & other).sum(axis=1)
        return ok, other.sum(axis=1), ok.sum(axis=1), blocked

    def scores(
        self,
        mentees: np.ndarray,
        mentors: np.ndarray,
        ok: np.ndarray,
        reach: Reach | None = None,
        keep: int | None = None,
    ) -> tuple[np.ndarray, ...]:
        """As :meth:`ScanTables.scores`, every cell (``reach`` is not applied), each row's
        best by :func:`matcher.best.best_per_row`."""
        scores, values = score(block(self.cohort, mentees, mentors), self.mentor_type, self.config)
        base = combine(values, self.mentor_type, self.config)  # the minimum is before bonuses
        least = self.config.min_score
        kept = ok & (base >= least)
        row, column = np.nonzero(kept)
        weight = np.rint(scores[kept] * 100.0).astype(np.int64)
        best, left = best_per_row(row, weight, keep, len(mentees), compiled=False)
        below = (ok & (base < least)).sum(axis=1)
        return row[best], column[best], scores[kept][best], below, left


def block_passes(
    cohort: Cohort,
    mentor_type: MentorType,
    config: ProgramConfig,
    rejected: Rejected | None,
    *,
    compiled: bool,
) -> Passes:
    """The compiled passes of ``mentor_type`` (:func:`scan_tables`), or the definitions'
    (:class:`NumpyPasses`).

    >>> from matcher.cohort import encode
    >>> type(block_passes(encode([]), MentorType.EXPERTISE, ProgramConfig(), None, compiled=False))
    <class 'matcher.blockscan.NumpyPasses'>
    """
    if compiled:
        return scan_tables(cohort, mentor_type, config, rejected)
    return NumpyPasses(cohort, mentor_type, config, rejected)


class Reach(NamedTuple):
    """Which cells of a block could be near under some dual prices: for some ``k``, the
    cell's weight (hundredths) ``w < floor[k]`` or ``scale[k] * w > row[k, i] + column[k, j]``.

    The pricer passes each check's request prices (less its bonus and margin) as ``row``
    and mentor prices as ``column``: pair prices are non-negative, so no cell outside
    could be near, and the block returns a few cells instead of every candidate.
    """

    scale: np.ndarray
    floor: np.ndarray
    row: np.ndarray
    column: np.ndarray


def _listed_flags(matrices: dict[int, sparse.csr_matrix], n: int) -> sparse.csr_matrix:
    """One person x person matrix whose entries OR together the flag of each matrix that
    has the pair (entries stored as 0 do not count)."""
    none = np.zeros(0, dtype=np.int64)
    rows, cols, flags = [none], [none], [none]
    for flag, matrix in matrices.items():
        canonical = sparse.csr_matrix(matrix, copy=True)
        canonical.sum_duplicates()
        row, col = canonical.nonzero()
        rows.append(row)
        cols.append(col)
        flags.append(np.full(len(row), flag, dtype=np.int64))
    listed = sparse.csr_matrix(
        (np.concatenate(flags), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )
    listed.sum_duplicates()
    return listed


def scan_tables(
    cohort: Cohort, mentor_type: MentorType, config: ProgramConfig, rejected: Rejected | None
) -> ScanTables:
    """The tables the compiled passes read for ``mentor_type``.

    Raises ValueError when the config weighs a criterion :mod:`matcher.scoring` does not
    define.

    Examples
    --------
    >>> from matcher.cohort import encode
    >>> from matcher.schema import Participant as P, Role
    >>> people = [
    ...     P("ana@x.org", "Ana", Role.MENTEE, seeks=("developmental",), goals=("sql",)),
    ...     P("bo@x.org", "Bo", Role.MENTOR, offers=("developmental",), strengths=("sql",)),
    ... ]
    >>> tables = scan_tables(encode(people), MentorType.DEVELOPMENTAL, ProgramConfig(), None)
    >>> ok, offered, feasible, blocked = tables.rules(np.array([0]), np.array([1]))
    >>> ok.tolist(), feasible.tolist()
    ([[True]], [1])
    >>> row, column, scores, below, left = tables.scores(np.array([0]), np.array([1]), ok)
    >>> scores.tolist()
    [57.5]
    """
    counted = counted_criteria(cohort, mentor_type, config)
    terms = tuple(k for k in counted if k in (PICKS, AVOIDED) or k in _question_criteria(config))
    weights = {k: config.type_weights(mentor_type)[k] for k in counted if k not in terms}
    unknown = set(weights) - set(CRITERIA) | set(weights) & set(BONUSES)
    if unknown:
        raise ValueError(f"the scores pass has no criterion {sorted(unknown)}")
    active = np.zeros(len(RULES), dtype=np.bool_)
    for rule in RULES:
        active[rule.bit] = rule.applies(mentor_type, config, rejected or {})
    n, boss = len(cohort), cohort.manager
    ints = np.zeros((n, 13), dtype=np.int64)
    ints[:, DEPARTMENT] = cohort.department
    ints[:, ORGANIZATION] = cohort.organization
    ints[:, TARGET] = cohort.target_department
    ints[:, LOCATION] = cohort.location
    ints[:, MANAGER] = boss
    ints[:, GRAND_MANAGER] = np.where(boss >= 0, boss[np.maximum(boss, 0)], -1)
    ints[:, CAPACITY] = cohort.capacity
    ints[:, IN_PERSON] = cohort.meeting_mode == MEETING_CODES[MeetingMode.IN_PERSON]
    ints[:, REMOTE] = cohort.meeting_mode == MEETING_CODES[MeetingMode.REMOTE]
    ints[:, SPEAKS] = cohort.languages.size > 0
    ints[:, GOALS_SIZE] = np.maximum(cohort.goals.size, 1)
    ints[:, WANTED_SIZE] = np.maximum(cohort.expertise_wanted.size, 1)
    ints[:, PRIORITY] = cohort.priority
    weights.update(bonuses(cohort, config))  # points on top of the mean, as their weights
    floats = np.stack([cohort.level, cohort.generation, cohort.utc_offset], axis=1)
    # the person x person lists of pairs as the bits of their rules (rejected: when the
    # type has a matrix with entries; avoided: unless the program makes it a penalty)
    lists = {
        1 << BIT.management_chain: cohort.chain,
        1 << BIT.excluded: cohort.excluded,
        1 << BIT.previous_partner: cohort.previous,
    }
    if active[BIT.rejected]:
        lists[1 << BIT.rejected] = rejected[mentor_type]
    if active[BIT.avoided]:
        lists[1 << BIT.avoided] = cohort.avoided
    listed = _listed_flags(lists, n)
    limit = config.max_timezone_gap_hours
    return ScanTables(
        ints=ints,
        floats=floats,
        goals=cohort.goals.bits,
        strengths=cohort.strengths.bits,
        wanted=cohort.expertise_wanted.bits,
        expertise=cohort.expertise.bits,
        languages=cohort.languages.bits,
        indptr=listed.indptr.astype(np.int64),
        indices=listed.indices.astype(np.int64),
        flags=listed.data.astype(np.int64),
        active=active,
        criteria=np.array([CRITERIA[k].slot for k in weights], dtype=np.int64),
        weights=np.array(list(weights.values()), dtype=np.float64),
        numbers=np.array(
            [
                config.sponsor_level_gap,
                np.inf if limit is None else limit * 60,
                config.seniority_span,
                config.timezone_span_hours,
                weight_total(counted, mentor_type, config),
                config.min_score,
            ],
            dtype=np.float64,
        ),
        cohort=cohort,
        mentor_type=mentor_type,
        config=config,
        rejected=rejected or {},
        defined=tuple(
            r for r in RULES if not r.compiled and r.applies(mentor_type, config, rejected or {})
        ),
        terms=terms,
    )


def _question_criteria(config: ProgramConfig) -> set[str]:
    """The criteria named after the program's questions."""
    return {rule.question for rule in config.question_rules}


M1 = np.uint64(0x5555555555555555)
M2 = np.uint64(0x3333333333333333)
M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
H01 = np.uint64(0x0101010101010101)


@jit()
def _popcount(x: np.uint64) -> int:
    """How many bits of ``x`` are set (LLVM turns this into the processor's instruction).

    It takes a scalar: a helper called per cell with the bit arrays would touch their
    reference counts every time, which costs more than the cell itself (:func:`_shared`,
    which takes them, runs once per row).
    """
    x = x - ((x >> np.uint64(1)) & M1)
    x = (x & M2) + ((x >> np.uint64(2)) & M2)
    x = (x + (x >> np.uint64(4))) & M4
    return int((x * H01) >> np.uint64(56))


@jit()
def _columns(table: np.ndarray, mentors: np.ndarray) -> np.ndarray:
    """``table[mentors].T`` as a contiguous array: each attribute of the block's mentors in a
    row of its own, which the loops over a block's columns read in order (and vectorize)."""
    out = np.empty((table.shape[1], len(mentors)), dtype=table.dtype)
    for j in range(len(mentors)):
        for k in range(table.shape[1]):
            out[k, j] = table[mentors[j], k]
    return out


@jit()
def _shared(mine: np.ndarray, e: int, theirs: np.ndarray, out: np.ndarray) -> None:
    """How many tags mentee ``e``'s row of ``mine`` shares with each column of ``theirs``
    (bits as from :func:`_columns`), into ``out``."""
    out[:] = 0
    for w in range(theirs.shape[0]):
        word = mine[e, w]
        for j in range(theirs.shape[1]):
            out[j] += _popcount(word & theirs[w, j])


@entry(
    INTS, INTS, INT_TABLE, FLOAT_TABLE, BITS, BITS, BITS, INTS, INTS, INTS, FLAGS, FLOATS,
    INT_TABLE, typeof(BIT),
)  # fmt: skip
@jit(nogil=True)
def _rules(mentees, mentors, ints, floats, languages, wanted, expertise, indptr, indices,
           flags, active, numbers, defined, bit):  # fmt: skip
    rows, cols = len(mentees), len(mentors)
    ok = np.zeros((rows, cols), dtype=np.bool_)
    blocked = np.zeros((rows, len(bit)), dtype=np.int64)
    offered = np.zeros(rows, dtype=np.int64)
    feasible = np.zeros(rows, dtype=np.int64)
    mi, mf = _columns(ints, mentors), _columns(floats, mentors)
    speaks, spoken = _columns(languages, mentors), np.zeros(cols, dtype=np.int64)
    known, matching = _columns(expertise, mentors), np.zeros(cols, dtype=np.int64)
    column = np.full(len(ints), -1, dtype=np.int64)
    column[mentors] = np.arange(cols)
    listed, hits = np.zeros(cols, dtype=np.int64), np.zeros(cols, dtype=np.int64)
    gap, limit = numbers[0], numbers[1]
    same_manager, boss_peer = active[bit.same_manager], active[bit.boss_peer]
    sponsor, generation = active[bit.sponsor_gap], active[bit.generation]
    expertise_rule, timezone = active[bit.expertise], active[bit.timezone]
    outsider = active[bit.outside_organization]
    for i in range(rows):
        e = mentees[i]
        for k in range(indptr[e], indptr[e + 1]):
            if column[indices[k]] >= 0:
                listed[column[indices[k]]] = flags[k]
        if ints[e, SPEAKS]:
            _shared(languages, e, speaks, spoken)
        if expertise_rule:
            _shared(wanted, e, known, matching)
        boss, grand = ints[e, MANAGER], ints[e, GRAND_MANAGER]
        place, in_person, remote = ints[e, LOCATION], ints[e, IN_PERSON], ints[e, REMOTE]
        talks, gone = ints[e, SPEAKS] != 0, place >= 0
        level, born, offset = floats[e, LEVEL], floats[e, GENERATION], floats[e, UTC_OFFSET]
        organization = ints[e, ORGANIZATION]
        for j in range(cols):  # branch-free, so that it vectorizes
            where, their_boss = mi[LOCATION, j], mi[MANAGER, j]
            meets = (in_person | mi[IN_PERSON, j]) != 0
            apart = (remote | mi[REMOTE, j]) != 0
            apart |= gone & (where >= 0) & (place != where)
            theirs = mf[GENERATION, j]
            hit = listed[j]  # management_chain, excluded, previous_partner, rejected, avoided
            hit |= np.int64(mentors[j] == e) << bit.self
            hit |= np.int64(mi[CAPACITY, j] < 1) << bit.capacity
            hit |= np.int64(same_manager & (boss >= 0) & (boss == their_boss)) << bit.same_manager
            hit |= (
                np.int64(boss_peer & (grand >= 0) & (grand == their_boss) & (boss != mentors[j]))
                << bit.boss_peer
            )
            hit |= np.int64(talks & (mi[SPEAKS, j] != 0) & (spoken[j] == 0)) << bit.language
            hit |= np.int64(meets & apart) << bit.meeting
            hit |= np.int64(sponsor & ~(mf[LEVEL, j] - level >= gap)) << bit.sponsor_gap
            hit |= (
                np.int64(generation & (np.isnan(born) | np.isnan(theirs) | (born == theirs)))
                << bit.generation
            )
            hit |= np.int64(expertise_rule & (matching[j] == 0)) << bit.expertise
            hit |= np.int64(timezone & (abs(offset - mf[UTC_OFFSET, j]) > limit)) << bit.timezone
            hit |= (
                np.int64(outsider & (organization >= 0) & (organization == mi[ORGANIZATION, j]))
                << bit.outside_organization
            )
            hits[j] = hit
        if len(defined):  # the rules without a line here (Rule.compiled false)
            for j in range(cols):
                hits[j] |= defined[i, j]
        for k in range(indptr[e], indptr[e + 1]):
            if column[indices[k]] >= 0:
                listed[column[indices[k]]] = 0
        for j in range(cols):
            ok[i, j] = hits[j] == 0
            feasible[i] += hits[j] == 0
        own = column[e]
        if own >= 0:
            hits[own] = 0  # the mentee as their own mentor is not counted anywhere
        offered[i] = cols - (own >= 0)
        for k in range(len(bit)):
            if active[k]:
                count = 0
                for j in range(cols):
                    count += (hits[j] >> k) & 1
                blocked[i, k] = count
    return ok, offered, feasible, blocked


@jit()
def _unit(value: float) -> float:
    """``value`` clipped to [0, 1], unknown (nan) as 0 (as ``matcher.scoring._unit``)."""
    if np.isnan(value):
        return 0.0
    return min(max(value, 0.0), 1.0)


@entry(
    INTS, INTS, FLAG_TABLE, INT_TABLE, FLOAT_TABLE, BITS, BITS, BITS, BITS, INTS, FLOATS, FLOATS,
    INTS, INTS, INT_TABLE, INT_TABLE, INT, FLOAT_CUBE, typeof(SLOT),
)  # fmt: skip
@jit(nogil=True)
def _scores(mentees, mentors, ok, ints, floats, goals, strengths, wanted, expertise, criteria,
            weights, numbers, scale, floor, need_row, need_column, keep, terms, slot):  # fmt: skip
    rows, cols = ok.shape
    size = 0
    for i in range(rows):
        for j in range(cols):
            size += ok[i, j]
    row = np.empty(size, dtype=np.int64)
    col = np.empty(size, dtype=np.int64)
    out = np.empty(size, dtype=np.float64)
    below = np.zeros(rows, dtype=np.int64)
    left = np.full(rows, -1, dtype=np.int64)
    top = np.empty(max(keep, 1), dtype=np.int64)
    taken, worth = np.empty(cols, dtype=np.int64), np.empty(cols, dtype=np.int64)
    mi, mf = _columns(ints, mentors), _columns(floats, mentors)
    strong, known = _columns(strengths, mentors), _columns(expertise, mentors)
    shared, value = np.zeros(cols, dtype=np.int64), np.zeros(cols)
    gap, span, hours, total, least, at = (
        numbers[0],
        numbers[2],
        numbers[3],
        numbers[4],
        numbers[5],
        0,
    )
    for i in range(rows):
        e = mentees[i]
        value[:] = 0.0
        bonus = 0.0  # points on top of the rounded mean (matcher.scoring.with_bonuses)
        # criterion by criterion over the whole row (cells no rule lets through included,
        # which costs less than skipping them), each cell summed in the order of
        # matcher.scoring.combine
        for q in range(len(criteria)):
            c, weight = criteria[q], weights[q]
            if c == slot.goals or c == slot.expertise:
                if c == slot.goals:
                    _shared(goals, e, strong, shared)
                else:
                    _shared(wanted, e, known, shared)
                listed = ints[e, GOALS_SIZE if c == slot.goals else WANTED_SIZE]
                for j in range(cols):
                    value[j] += weight * (shared[j] / listed)
            elif c == slot.seniority or c == slot.level_gap:
                level = floats[e, LEVEL]
                for j in range(cols):
                    above = mf[LEVEL, j] - level
                    part = above / span if c == slot.seniority else (above - gap + 1) / span
                    value[j] += weight * _unit(part)
            elif c == slot.outside_department or c == slot.outside_organization:
                attribute = DEPARTMENT if c == slot.outside_department else ORGANIZATION
                mine = ints[e, attribute]
                for j in range(cols):
                    theirs = mi[attribute, j]
                    part = np.float64(mine != theirs) if mine >= 0 and theirs >= 0 else NEUTRAL
                    value[j] += weight * part
            elif c == slot.target_department:
                target = ints[e, TARGET]
                for j in range(cols):
                    value[j] += weight * np.float64((target >= 0) & (target == mi[DEPARTMENT, j]))
            elif c == slot.generation_gap:
                born = floats[e, GENERATION]
                for j in range(cols):
                    part = abs(born - mf[GENERATION, j]) / GENERATION_SPAN
                    value[j] += weight * (0.0 if np.isnan(part) else part)
            elif c == slot.timezone:
                offset = floats[e, UTC_OFFSET]
                for j in range(cols):
                    close = 1.0 - abs(offset - mf[UTC_OFFSET, j]) / 60.0 / hours
                    part = NEUTRAL if np.isnan(close) else min(max(close, 0.0), 1.0)
                    value[j] += weight * part
            elif c == slot.priority:
                bonus = weight if ints[e, PRIORITY] else 0.0
        for t in range(len(terms)):  # the program's own criteria (ScanTables.terms), last
            for j in range(cols):
                value[j] += terms[t, i, j]
        for j in range(cols):
            mean = np.rint(value[j] * 100.0 / total * 100.0) / 100.0
            value[j] = mean if mean > 0.0 else 0.0  # as matcher.scoring.combine
        taking = 0  # the row's cells kept so far: their columns and weights (hundredths)
        for j in range(cols):  # written always, kept by moving on: no unpredictable branch
            score = value[j]
            take = ok[i, j] & (score >= least)  # the minimum applies before the bonus
            below[i] += ok[i, j] & (score < least)
            if bonus > 0:
                score = np.rint((score + bonus) * 100.0) / 100.0
            hundredths = np.int64(np.rint(score * 100.0))
            if len(scale):
                near = False
                for k in range(len(scale)):
                    cost = scale[k] * hundredths - need_row[k, i] - need_column[k, j]
                    near |= (hundredths < floor[k]) | (cost > 0)
                take &= near
            value[j] = score
            taken[taking], worth[taking] = j, hundredths
            taking += take
        cut = EVERY
        if keep:
            cut, left[i] = row_cut(worth[:taking], keep, top)
        for t in range(taking):
            if worth[t] >= cut:  # predictable: rarely true with keep, always without
                row[at], col[at], out[at] = i, taken[t], value[taken[t]]
                at += 1
    return row[:at].copy(), col[:at].copy(), out[:at].copy(), below, left
