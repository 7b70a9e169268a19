"""Whether pairs can hold a mentor's place today: the one check behind every approval and
lock, one by one or in bulk.

A pair that is approved or locked keeps its place in every later run, so taking either
decision asks the core (:func:`matcher.stale_locks`) whether the pair could hold as a lock
beside the program's approved and locked pairs: every hard rule with today's data, the
mentor's places (naming who holds them), one mentor per request.
"""

from __future__ import annotations

from collections.abc import Sequence

from matcher import Decision, MentorType, config_from_mapping, stale_locks
from webapp.decisions import Pair
from webapp.models import Program
from webapp.people_cache import program_cohort
from webapp.runner import program_decisions


def unable_to_hold(program: Program, pairs: Sequence[Pair]) -> dict[tuple[str, str, str], str]:
    """Why each of ``pairs`` that could not be approved or locked today cannot, by triple.

    The program's approved and locked pairs hold their places first; a pair missing from
    the answer can take the decision.

    >>> unable_to_hold(Program(id=0, config={}), [])
    {}
    """
    if not pairs:
        return {}
    encoded = program_cohort(program.id)
    wanted = [
        Decision(p.mentee_email, p.mentor_email, MentorType(p.mentor_type), "lock") for p in pairs
    ]
    held = program_decisions(program.id, locks_only=True)
    found = stale_locks(
        encoded.people,
        config_from_mapping(program.config),
        wanted,
        encoded.cohort,
        holding=held,
    )
    return {
        (s.decision.mentee_email, s.decision.mentor_email, s.decision.mentor_type.value): "; ".join(
            s.reasons
        )
        for s in found
    }
