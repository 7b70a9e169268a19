"""Locks that cannot hold: kept pairs the current participant data no longer allows.

A lock keeps a pair an admin approved or locked, and was valid when it was taken. A later
edit can make it impossible: a person left the program, the mentee no longer seeks the
type, the pair now breaks a hard rule (the mentee's new manager is the locked mentor), or
a mentor has more locked pairs than places. :func:`stale_locks` lists each such lock with
the reasons in words. :func:`matcher.propose` refuses them; a caller that would rather
match around them (the web app's runs) leaves them out first and says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matcher.breaches import breach_phrases
from matcher.cohort import MENTOR_TYPES, Cohort, encode, pairwise
from matcher.config import ProgramConfig
from matcher.constraints import type_problems, violations
from matcher.proposal import Decision
from matcher.schema import MentorType, Participant
from matcher.scoring import score


@dataclass(frozen=True)
class StaleLock:
    """A lock decision that cannot hold, and why (one sentence per reason)."""

    decision: Decision
    reasons: tuple[str, ...]

    def describe(self) -> str:
        """The lock and its reasons in one line.

        >>> lock = Decision("ana@x.org", "bo@x.org", MentorType.EXPERTISE, "lock")
        >>> StaleLock(lock, ("lacks the wanted skill: sql",)).describe()
        'the lock ana@x.org -> bo@x.org (expertise) cannot hold: lacks the wanted skill: sql'
        """
        d = self.decision
        pair = f"{d.mentee_email} -> {d.mentor_email} ({MentorType(d.mentor_type).value})"
        return f"the lock {pair} cannot hold: {'; '.join(self.reasons)}"


@dataclass(frozen=True)
class _Lock:
    """A lock whose people are participants: the decision and its indices."""

    decision: Decision
    mentee: int
    mentor: int
    kind: int


def _known(
    cohort: Cohort, locks: Sequence[Decision]
) -> tuple[list[_Lock], dict[Decision, list[str]]]:
    """The locks of participants, and the reasons of those naming someone who is not one."""
    known, stale = [], {}
    for d in locks:
        missing = [e for e in (d.mentee_email, d.mentor_email) if e.lower() not in cohort.index]
        if missing:
            stale[d] = [f"{email} is not a participant" for email in missing]
            continue
        kind = MENTOR_TYPES.index(MentorType(d.mentor_type))
        e, m = cohort.index[d.mentee_email.lower()], cohort.index[d.mentor_email.lower()]
        known.append(_Lock(d, e, m, kind))
    return known, stale


def _broken_rules(
    cohort: Cohort, known: Sequence[_Lock], config: ProgramConfig
) -> tuple[dict[Decision, list[str]], dict[Decision, float]]:
    """Per lock, the rules it breaks now (only those breaking some), and every lock's score."""
    stale, scores = {}, {}
    for kind, mentor_type in enumerate(MENTOR_TYPES):
        group = [lock for lock in known if lock.kind == kind]
        if not group:
            continue
        mentees, mentors = (
            np.array([g.mentee for g in group]),
            np.array([g.mentor for g in group]),
        )
        pairs = pairwise(cohort, mentees, mentors)
        found = violations(pairs, mentor_type, config)
        points = score(pairs, mentor_type, config)[0]
        scores.update((lock.decision, float(p)) for lock, p in zip(group, points, strict=True))
        suspect = (cohort.seeks[mentees, kind] == 0) | (cohort.offers[mentors, kind] == 0)
        for mask in found.values():
            suspect |= mask
        for j in np.flatnonzero(suspect):  # the words of the few locks with a problem
            lock = group[j]
            rules = [name for name, mask in found.items() if mask[j]]
            words = type_problems(cohort, lock.mentee, lock.mentor, mentor_type)
            words += breach_phrases(cohort, lock.mentee, lock.mentor, mentor_type, config, rules)
            stale[lock.decision] = words
    return stale, scores


def _too_many(
    cohort: Cohort, held: Sequence[_Lock], valid: Sequence[_Lock], scores: dict[Decision, float]
) -> dict[Decision, str]:
    """Locks of ``valid`` beyond one per request, one per pair, or a mentor's places.

    The ``held`` locks hold first, then those of ``valid`` with the better scores (then
    in the order of e-mails).
    """
    if _fit(cohort, [*held, *valid]):  # the common case: no request, pair or mentor over
        return {}
    people = cohort.people
    order = sorted(
        valid,
        key=lambda k: (-scores[k.decision], people[k.mentee].email, people[k.mentor].email, k.kind),
    )
    holding = {lock.decision for lock in held}
    request: dict[tuple[int, int], _Lock] = {}
    pair: dict[tuple[int, int], _Lock] = {}
    taken: dict[int, list[str]] = {}
    stale = {}
    for lock in [*held, *order]:
        mentee, mentor = people[lock.mentee], people[lock.mentor]
        kind = MENTOR_TYPES[lock.kind].value
        names = taken.setdefault(lock.mentor, [])
        if lock.decision in holding:
            reason = ""
        elif (other := request.get((lock.mentee, lock.kind))) is not None:
            reason = f"{mentee.name}'s {kind} request is locked to {people[other.mentor].name}"
        elif (other := pair.get((lock.mentee, lock.mentor))) is not None:
            other_kind = MENTOR_TYPES[other.kind].value
            reason = f"{mentor.name} is locked as {mentee.name}'s {other_kind} mentor already"
        elif len(names) >= cohort.capacity[lock.mentor]:
            places = cohort.capacity[lock.mentor]
            reason = f"{mentor.name} is full: capacity {places}, taken by {', '.join(names)}"
        else:
            reason = ""
        if reason:
            stale[lock.decision] = reason
        else:
            request[lock.mentee, lock.kind] = pair[lock.mentee, lock.mentor] = lock
            names.append(mentee.name)
    return stale


def _fit(cohort: Cohort, locks: Sequence[_Lock]) -> bool:
    """True when ``locks`` hold at most one per request and per pair, and no more than a
    mentor's places."""
    if not locks:
        return True
    mentee, mentor, kind = (
        np.array([getattr(k, c) for k in locks]) for c in ("mentee", "mentor", "kind")
    )
    n = len(cohort.people)
    once = all(
        len(np.unique(key)) == len(locks)
        for key in (mentee * len(MENTOR_TYPES) + kind, mentee * n + mentor)
    )
    return once and bool((np.bincount(mentor, minlength=n) <= cohort.capacity).all())


def stale_locks(
    participants: Sequence[Participant],
    config: ProgramConfig | None = None,
    decisions: Sequence[Decision] = (),
    cohort: Cohort | None = None,
    *,
    holding: Sequence[Decision] = (),
) -> tuple[StaleLock, ...]:
    """The lock decisions that cannot hold for the current participants, with why.

    A lock cannot hold when it names someone who is not a participant, when the mentee
    does not seek or the mentor does not offer its type, when the pair breaks a hard rule
    (what is wrong, as :func:`matcher.assess_pair` says it), or when it is one lock
    too many: a second for one request or one pair, or beyond the mentor's capacity (the
    locks with the better scores hold). Reject decisions are not checked. So a caller can
    ask whether new locks could hold beside those already taken (a bulk approval), locks
    given as ``holding`` take their places first and are not checked themselves.

    Parameters
    ----------
    participants
        The program's participants now.
    config
        The program config (rule switches, sponsor gap, ...).
    decisions
        Admin decisions; only ``lock`` ones are checked.
    cohort
        ``encode(participants)`` already made (encoded when omitted).
    holding
        Locks already held (of participants; others are ignored): they count before any
        of ``decisions`` against a request, a pair and a mentor's capacity.

    Returns
    -------
    tuple of StaleLock
        In the order of ``decisions``; empty when every lock can hold.

    Examples
    --------
    >>> from matcher.schema import Role
    >>> people = [
    ...     Participant(
    ...         "ana@x.org", "Ana", Role.MENTEE, seeks=("developmental",), manager_email="bo@x.org"
    ...     ),
    ...     Participant("bo@x.org", "Bo", Role.MENTOR, offers=("developmental",)),
    ... ]
    >>> lock = Decision("ana@x.org", "bo@x.org", MentorType.DEVELOPMENTAL, "lock")
    >>> [found.reasons for found in stale_locks(people, decisions=[lock])]
    [("in the mentee's management chain (reports to Bo)",)]
    """
    config = config or ProgramConfig()
    cohort = encode(participants) if cohort is None else cohort
    locks = list(dict.fromkeys(d for d in decisions if d.action == "lock"))
    known, stale = _known(cohort, locks)
    broken, scores = _broken_rules(cohort, known, config)
    stale.update(broken)
    held, _ = _known(cohort, [d for d in dict.fromkeys(holding) if d not in set(locks)])
    valid = [k for k in known if k.decision not in stale]
    for decision, reason in _too_many(cohort, held, valid, scores).items():
        stale[decision] = [reason]
    return tuple(StaleLock(d, tuple(stale[d])) for d in locks if d in stale)
