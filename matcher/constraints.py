"""Hard rules: which (mentee, mentor, type) triples may ever be proposed.

Each rule of the table in DESIGN.md is a row of :data:`RULES`: its name, its bit, when it
applies, and a check over :class:`~matcher.cohort.Pairs` that returns a boolean array, True
where the rule BLOCKS the pair. Computing every rule (rather than stopping at the first)
keeps the reason for each blocked triple recoverable: the explanations say which rule
blocked how many candidates.

These checks are the definition, used by explanations and single pairs. Candidate blocks
are decided by their compiled twin, the rules pass ``_rules`` in :mod:`matcher.blockscan`:
one line per rule sets the rule's bit where it blocks a cell, and which rules apply comes
from :meth:`Rule.applies`. ``tests/test_blockscan.py`` ties the two: every rule has its line
in the pass and the pass no other, and on random cohorts and configs the pass blocks exactly
the cells each check blocks. A new rule is a row here and a line there.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from matcher.cohort import MEETING_CODES, MENTOR_TYPES, Cohort, Pairs
from matcher.config import ProgramConfig
from matcher.questions import rule_blocks, rules_for
from matcher.schema import MeetingMode, MentorType

Rejected = Mapping[MentorType, sparse.csr_matrix]
Check = Callable[[Pairs, MentorType, ProgramConfig, Rejected], np.ndarray]
Condition = Callable[[MentorType, ProgramConfig, Rejected], bool]


def _always(t: MentorType, cfg: ProgramConfig, rej: Rejected) -> bool:
    return True


@dataclass(frozen=True)
class Rule:
    """A hard rule: a short ``name``; its ``bit`` in the compiled rules pass (its place in
    :data:`RULES`, so also its column in per-rule counts); what it ensures; the ``check``
    that finds breaches; the ``condition`` under which it applies (always, unless given);
    whether the compiled pass has a line for it (``compiled``), else the pass takes the
    cells its check blocks from this definition (rules made of the program's data, such as
    its questions, which no fixed line can hold)."""

    name: str
    bit: int
    ensures: str
    check: Check
    condition: Condition = _always
    compiled: bool = True

    def applies(self, mentor_type: MentorType, config: ProgramConfig, rejected: Rejected) -> bool:
        """Whether the rule is checked for ``mentor_type`` under ``config`` and ``rejected``.

        >>> sponsor = RULES_BY_NAME["sponsor_gap"]
        >>> [sponsor.applies(t, ProgramConfig(), {}) for t in MentorType]
        [False, True, False, False]
        """
        return self.condition(mentor_type, config, rejected)

    def rule_text(self, config: ProgramConfig) -> str:
        """What the rule ensures, with this program's numbers filled in.

        >>> RULES_BY_NAME["sponsor_gap"].rule_text(ProgramConfig(sponsor_level_gap=3))
        'a sponsor at least 3 levels above the mentee'
        """
        return self.ensures.format(
            gap=config.sponsor_level_gap, hours=config.max_timezone_gap_hours or 0
        )


def _self(p: Pairs, t: MentorType, cfg: ProgramConfig, rej: Rejected) -> np.ndarray:
    return np.broadcast_to(p.mentee == p.mentor, p.shape)


def _capacity(p: Pairs, t: MentorType, cfg: ProgramConfig, rej: Rejected) -> np.ndarray:
    return np.broadcast_to(p.m(p.cohort.capacity) < 1, p.shape)


def _chain(p: Pairs, t: MentorType, cfg: ProgramConfig, rej: Rejected) -> np.ndarray:
    return p.listed(p.cohort.chain)


def _same_manager(p: Pairs, t: MentorType, cfg: ProgramConfig, rej: Rejected) -> np.ndarray:
    boss = p.cohort.manager
    return (p.e(boss) >= 0) & (p.e(boss) == p.m(boss))


def _boss_peer(p: Pairs, t: MentorType, cfg: ProgramConfig, rej: Rejected) -> np.ndarray:
    boss = p.cohort.manager
    mentee_boss = p.e(boss)
    grand_boss = np.where(mentee_boss >= 0, boss[np.maximum(mentee_boss, 0)], -1)
    return (grand_boss >= 0) & (grand_boss == p.m(boss)) & (mentee_boss != p.mentor)


def _excluded(p: Pairs, t: MentorType, cfg: ProgramConfig, rej: Rejected) -> np.ndarray:
    return p.listed(p.cohort.excluded)


def _previous(p: Pairs, t: MentorType, cfg: ProgramConfig, rej: Rejected) -> np.ndarray:
    return p.listed(p.cohort.previous)


def _language(p: Pairs, t: MentorType, cfg: ProgramConfig, rej: Rejected) -> np.ndarray:
    speaks = p.cohort.languages.size > 0
    shared = p.overlap(p.cohort.languages, p.cohort.languages)
    return p.e(speaks) & p.m(speaks) & (shared == 0)


def _meeting(p: Pairs, t: MentorType, cfg: ProgramConfig, rej: Rejected) -> np.ndarray:
    mode, place = p.cohort.meeting_mode, p.cohort.location
    in_person = mode == MEETING_CODES[MeetingMode.IN_PERSON]
    remote = mode == MEETING_CODES[MeetingMode.REMOTE]
    meets_in_person = p.e(in_person) | p.m(in_person)
    one_remote = p.e(remote) | p.m(remote)
    apart = p.e(place >= 0) & p.m(place >= 0) & (p.e(place) != p.m(place))
    return meets_in_person & (one_remote | apart)


def _sponsor(p: Pairs, t: MentorType, cfg: ProgramConfig, rej: Rejected) -> np.ndarray:
    gap = p.m(p.cohort.level) - p.e(p.cohort.level)
    with np.errstate(invalid="ignore"):
        return ~(gap >= cfg.sponsor_level_gap)


def _generation(p: Pairs, t: MentorType, cfg: ProgramConfig, rej: Rejected) -> np.ndarray:
    mentee, mentor = p.e(p.cohort.generation), p.m(p.cohort.generation)
    return np.isnan(mentee) | np.isnan(mentor) | (mentee == mentor)


def _expertise(p: Pairs, t: MentorType, cfg: ProgramConfig, rej: Rejected) -> np.ndarray:
    return p.overlap(p.cohort.expertise_wanted, p.cohort.expertise) == 0


def _timezone(p: Pairs, t: MentorType, cfg: ProgramConfig, rej: Rejected) -> np.ndarray:
    gap = np.abs(p.e(p.cohort.utc_offset) - p.m(p.cohort.utc_offset))
    with np.errstate(invalid="ignore"):
        return gap > cfg.max_timezone_gap_hours * 60


def _organization(p: Pairs, t: MentorType, cfg: ProgramConfig, rej: Rejected) -> np.ndarray:
    mine, theirs = p.e(p.cohort.organization), p.m(p.cohort.organization)
    return (mine >= 0) & (mine == theirs)


def _avoided(p: Pairs, t: MentorType, cfg: ProgramConfig, rej: Rejected) -> np.ndarray:
    return p.listed(p.cohort.avoided)


def _only_picks(p: Pairs, t: MentorType, cfg: ProgramConfig, rej: Rejected) -> np.ndarray:
    offering = p.cohort.offers[:, MENTOR_TYPES.index(t)]
    picks = sparse.csr_matrix(p.cohort.picks.multiply(offering[None, :]))
    picks.eliminate_zeros()
    picker = np.diff(picks.indptr) > 0  # picked a mentor offering the type
    return p.e(picker) & ~p.listed(picks)


def _question(p: Pairs, t: MentorType, cfg: ProgramConfig, rej: Rejected) -> np.ndarray:
    blocked = np.zeros(p.shape, dtype=bool)
    for rule in rules_for(cfg.question_rules, t, hard=True):
        blocked |= rule_blocks(p, rule)
    return blocked


def _rejected(p: Pairs, t: MentorType, cfg: ProgramConfig, rej: Rejected) -> np.ndarray:
    return p.listed(rej[t])


def _for_type(mentor_type: MentorType) -> Condition:
    """The condition "the mentor would take on ``mentor_type``"."""
    return lambda t, cfg, rej: t is mentor_type


def _any_rejected(t: MentorType, cfg: ProgramConfig, rej: Rejected) -> bool:
    matrix = rej.get(t)
    return matrix is not None and matrix.nnz > 0


RULES: tuple[Rule, ...] = (
    Rule("self", 0, "not oneself", _self),
    Rule("capacity", 1, "has room (capacity above 0)", _capacity),
    Rule("management_chain", 2, "objectivity: never in each other's management chain", _chain),
    Rule("same_manager", 3, "not teammates", _same_manager,
         lambda t, cfg, rej: cfg.block_same_manager),
    Rule("boss_peer", 4, "not a peer of the mentee's boss", _boss_peer,
         lambda t, cfg, rej: cfg.block_boss_peers),
    Rule("excluded", 5, "not excluded", _excluded),
    Rule("previous_partner", 6, "not tried before", _previous),
    Rule("language", 7, "a shared language", _language),
    Rule("meeting", 8, "able to meet (in person needs the same place and nobody remote-only)",
         _meeting),
    Rule("sponsor_gap", 9, "a sponsor at least {gap} levels above the mentee", _sponsor,
         _for_type(MentorType.SPONSORSHIP)),
    Rule("generation", 10, "another generation", _generation, _for_type(MentorType.GENERATIONAL)),
    Rule("expertise", 11, "has the expertise", _expertise, _for_type(MentorType.EXPERTISE)),
    Rule("timezone", 12, "at most {hours:g} hours apart in time zones", _timezone,
         lambda t, cfg, rej: cfg.max_timezone_gap_hours is not None),
    Rule("rejected", 13, "not rejected by an admin", _rejected, _any_rejected),
    Rule("outside_organization", 14, "a mentor from another organization", _organization,
         lambda t, cfg, rej: t in cfg.outside_organization_types),
    Rule("avoided", 15, "not a mentee the mentor would rather not take", _avoided,
         lambda t, cfg, rej: cfg.avoid_penalty is None),
    Rule("only_picks", 16, "one of the mentee's picks, for a mentee who picked one of the type",
         _only_picks,
         lambda t, cfg, rej: cfg.only_picks, compiled=False),
    Rule("question", 17, "the program's must-hold questions", _question,
         lambda t, cfg, rej: bool(rules_for(cfg.question_rules, t, hard=True)), compiled=False),
)  # fmt: skip
RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}


def violations(
    pairs: Pairs,
    mentor_type: MentorType,
    config: ProgramConfig,
    rejected: Rejected | None = None,
) -> dict[str, np.ndarray]:
    """Evaluate every applicable hard rule on ``pairs``.

    Parameters
    ----------
    pairs
        A block or pairwise set of (mentee, mentor) person indices.
    mentor_type
        The type the mentor would take on.
    config
        Program settings (sponsor gap, rule switches, time-zone limit).
    rejected
        Per type, a person x person 0/1 matrix of triples an admin rejected.

    Returns
    -------
    dict
        Rule name -> boolean array of ``pairs.shape``, True where the rule blocks.

    Examples
    --------
    >>> from matcher.cohort import encode, pairwise
    >>> from matcher.schema import Participant, Role
    >>> boss = Participant("boss@x.org", "Boss", Role.MENTOR, offers=("developmental",))
    >>> ana = Participant(
    ...     "ana@x.org", "Ana", Role.MENTEE, seeks=("developmental",), manager_email="boss@x.org"
    ... )
    >>> c = encode([ana, boss])
    >>> v = violations(pairwise(c, [0], [1]), MentorType.DEVELOPMENTAL, ProgramConfig())
    >>> [name for name, blocked in v.items() if blocked.any()]
    ['management_chain']
    """
    rejected = rejected or {}
    out: dict[str, np.ndarray] = {}
    for rule in RULES:
        if rule.applies(mentor_type, config, rejected):
            blocked = rule.check(pairs, mentor_type, config, rejected)
            out[rule.name] = np.broadcast_to(blocked, pairs.shape)
    return out


def feasible(found: Mapping[str, np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
    """True where no rule in ``found`` blocks.

    >>> feasible({"a": np.array([True, False]), "b": np.array([False, False])}, (2,)).tolist()
    [False, True]
    """
    ok = np.ones(shape, dtype=bool)
    for blocked in found.values():
        ok &= ~blocked
    return ok


def type_problems(cohort: Cohort, mentee: int, mentor: int, mentor_type: MentorType) -> list[str]:
    """The rule "type on both sides" for one pair of person indices, in words.

    >>> from matcher.cohort import encode
    >>> from matcher.schema import Participant, Role
    >>> ana = Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("expertise",))
    >>> bo = Participant("bo@x.org", "Bo", Role.MENTOR, offers=("expertise",))
    >>> type_problems(encode([ana, bo]), 0, 1, MentorType.SPONSORSHIP)
    ['Ana does not seek sponsorship mentoring', 'Bo does not offer sponsorship mentoring']
    """
    kind = MENTOR_TYPES.index(mentor_type)
    wording = f"{mentor_type.value} mentoring"
    problems = []
    if not cohort.seeks[mentee, kind]:
        problems.append(f"{cohort.people[mentee].name} does not seek {wording}")
    if not cohort.offers[mentor, kind]:
        problems.append(f"{cohort.people[mentor].name} does not offer {wording}")
    return problems
