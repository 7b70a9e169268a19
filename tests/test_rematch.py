"""A rematch (``propose(..., fill=...)``) against a brute-force oracle on tiny cohorts: it
keeps every locked pair exactly, fills nothing but the requests it was given, and fills
those as well as the best choice over every feasible triple, given the kept pairs."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings

from matcher import Decision, MentorType, Participant, ProgramConfig, SolveError, propose
from matcher.candidates import weights
from matcher.fill import NOT_FILLED
from tests.instances import NO_EDGE_LOW, objective_key
from tests.strategies import rematches

Triple = tuple[str, str, str]


def best_fill(
    people: list[Participant],
    config: ProgramConfig,
    locks: list[Decision],
    fill: list[tuple[str, MentorType]],
) -> tuple[int, ...]:
    """The best objective value of the pairs added to ``locks``, by trying every choice of
    a feasible mentor (or none) for each request of ``fill``."""
    scores = propose(people, config, with_scores=True).scores
    capacity = Counter({p.email: p.capacity for p in people if p.is_mentor})
    pairs = set()
    for d in locks:
        capacity[d.mentor_email] -= 1
        pairs.add((d.mentee_email, d.mentor_email))
    wanted = {(e, t.value) for e, t in fill}
    options: dict[tuple[str, str], list[tuple[str, int]]] = {r: [] for r in sorted(wanted)}
    for row in scores.itertuples():
        if (row.mentee_email, row.mentor_type) in wanted:
            weight = int(weights([row.score])[0])
            options[(row.mentee_email, row.mentor_type)].append((row.mentor_email, weight))
    requests = list(options.items())
    best = objective_key(config.objective, 0, 0, NO_EDGE_LOW)

    def walk(i: int, count: int, total: int, low: int) -> None:
        nonlocal best
        if i == len(requests):
            best = max(best, objective_key(config.objective, count, total, low))
            return
        walk(i + 1, count, total, low)
        (mentee, _), mentors = requests[i]
        for mentor, weight in mentors:
            if capacity[mentor] > 0 and (mentee, mentor) not in pairs:
                capacity[mentor] -= 1
                pairs.add((mentee, mentor))
                walk(i + 1, count + 1, total + weight, min(low, weight))
                pairs.discard((mentee, mentor))
                capacity[mentor] += 1

    walk(0, 0, 0, NO_EDGE_LOW)
    return best


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=rematches())
def test_rematch_keeps_every_fixed_pair_and_fills_the_open_requests_best(case):
    people, config, locks, fill = case
    proposal = propose(people, config, locks, fill=fill)
    chosen = {
        (r.mentee_email, r.mentor_email, r.mentor_type): int(weights([r.score])[0])
        for r in proposal.matches.itertuples()
    }
    kept: set[Triple] = {(d.mentee_email, d.mentor_email, d.mentor_type.value) for d in locks}
    assert kept <= set(chosen), "a fixed pair moved"
    added = {k: w for k, w in chosen.items() if k not in kept}
    wanted = {(e, t.value) for e, t in fill}
    assert {(e, t) for e, _, t in added} <= wanted, "a request outside the rematch was filled"
    got = objective_key(
        config.objective, len(added), sum(added.values()), min(added.values(), default=NO_EDGE_LOW)
    )
    assert got == best_fill(people, config, locks, fill)
    # every request is matched or open, once; those left alone say so
    answered = {(e, t) for e, _, t in chosen}
    open_ = list(zip(proposal.unmatched.mentee_email, proposal.unmatched.mentor_type, strict=True))
    requests = {(p.email, t.value) for p in people if p.is_mentee for t in p.seeks}
    assert answered | set(open_) == requests and len(open_) == len(set(open_))
    assert not answered & set(open_)
    for row in proposal.unmatched.itertuples():
        assert (row.reason == NOT_FILLED) == ((row.mentee_email, row.mentor_type) not in wanted)


def test_a_rematch_of_a_request_nobody_makes_names_it():
    ana = Participant("ana@x.org", "Ana", "mentee", seeks=("expertise",), expertise_wanted=("sql",))
    with pytest.raises(SolveError, match=r"nadia@x.org \(sponsorship\) is not one the mentee"):
        propose([ana], fill=[("nadia@x.org", MentorType.SPONSORSHIP)])
