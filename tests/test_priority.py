"""Priority for people left unmatched last cohort, against a brute-force oracle.

On tiny cohorts every valid matching of the candidates is enumerated with the scores
*without* the bonus. Any bonus above 0 must then fill the priority mentees first among
equals: the engine's matching fills at least as many priority requests as the best of the
matchings that are optimal without the bonus, and (coverage, fairness) never fewer
requests. Without anyone having priority, the bonus changes nothing.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from matcher import (
    Participant,
    ProgramConfig,
    explain_mentee,
    generate_cohort,
    load_participants,
    participant_reasons,
    propose,
    to_csv_bytes,
)
from tests.instances import objective_key
from tests.strategies import configs, participants, tied_cohorts

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MAX_TRIPLES = 14  # 2**14 subsets at most: the oracle stays fast


def optimal_choices(people: list[Participant], scores, objective: str) -> list[list[int]]:
    """Every valid matching (rows of ``scores``) that is optimal for ``objective``."""
    capacity = {p.email: p.capacity for p in people}
    rows = list(scores.itertuples(index=False))
    weight = [round(row.score * 100) for row in rows]
    best, found = None, []
    for size in range(len(rows) + 1):
        for chosen in itertools.combinations(range(len(rows)), size):
            picked = [rows[k] for k in chosen]
            requests = {(r.mentee_email, r.mentor_type) for r in picked}
            pairs = {(r.mentee_email, r.mentor_email) for r in picked}
            load = {}
            for r in picked:
                load[r.mentor_email] = load.get(r.mentor_email, 0) + 1
            if len(requests) < size or len(pairs) < size:
                continue
            if any(n > capacity[m] for m, n in load.items()):
                continue
            total = sum(weight[k] for k in chosen)
            low = min((weight[k] for k in chosen), default=10**9)
            key = objective_key(objective, size, total, low)
            if best is None or key > best:
                best, found = key, [list(chosen)]
            elif key == best:
                found.append(list(chosen))
    return found


def filled_with_priority(people: list[Participant], mentee_emails) -> int:
    """How many of the filled requests (their mentees' e-mails) are priority mentees'."""
    first = {p.email for p in people if p.priority}
    return sum(email in first for email in mentee_emails)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    people=tied_cohorts(),
    config=configs(),
    bonus=st.sampled_from((0.01, 1.0, 10.0)),
)
def test_priority_mentees_are_filled_first_among_equals(people, config, bonus) -> None:
    config = replace(config, priority_bonus=bonus)
    plain = propose(people, replace(config, priority_bonus=0.0), with_scores=True)
    assume(len(plain.scores) <= MAX_TRIPLES)
    optima = optimal_choices(people, plain.scores, config.objective)
    best_priority = max(
        filled_with_priority(people, plain.scores.mentee_email.iloc[c]) for c in optima
    )
    found = propose(people, config)
    assert len(found.matches) == len(optima[0]) or config.objective == "quality"
    if config.objective != "fairness":  # there the bonus also raises the lowest score
        assert filled_with_priority(people, found.matches.mentee_email) >= best_priority
    priority = {p.email for p in people if p.priority}
    for row in found.matches.itertuples():
        said = "priority: unmatched last cohort" in row.reasons
        assert said == (row.mentee_email in priority)


@SETTINGS
@given(people=participants(max_size=10), config=configs())
def test_without_priority_people_the_bonus_changes_nothing(people, config) -> None:
    people = [replace(p, priority=False) for p in people]
    with_bonus = propose(people, replace(config, priority_bonus=10.0), with_scores=True)
    without = propose(people, replace(config, priority_bonus=0.0), with_scores=True)
    for name in ("matches", "unmatched", "scores", "breakdown"):
        assert getattr(with_bonus, name).equals(getattr(without, name)), name


CSV = (
    "email,name,role,seeks,offers,goals,strengths,priority\n"
    "ana@x.org,Ana,mentee,developmental,,coaching,,yes\n"
    "zoe@x.org,Zoe,mentee,developmental,,coaching,,\n"
    "max@x.org,Max,mentor,,developmental,,coaching,no\n"
)


def test_the_bonus_gives_the_one_place_to_the_mentee_with_priority() -> None:
    people = load_participants(CSV.encode()).participants
    found = propose(people)
    assert found.matches.mentee_email.tolist() == ["ana@x.org"]
    assert "priority: unmatched last cohort" in found.matches.reasons[0]
    plain = propose(people, ProgramConfig(priority_bonus=0.0))
    assert plain.matches.mentee_email.tolist() == ["zoe@x.org"]  # a tie, without the bonus
    assert plain.matches.score.tolist() == [found.matches.score[0] - 1.0]
    words = " ".join(participant_reasons(people[0], people[1], "developmental")).lower()
    assert "priority" not in words and "cohort" not in words


def test_a_priority_cell_that_is_not_yes_or_no_is_an_error_naming_row_and_column() -> None:
    bad = CSV.replace(",,yes\n", ",,maybe\n").encode()
    result = load_participants(bad, skip_invalid=True)
    (issue,) = result.errors
    assert (issue.row, issue.column) == (2, "priority")
    assert "yes or no" in issue.message


def test_a_pair_below_the_minimum_stays_out_with_the_bonus_and_says_why() -> None:
    people = load_participants(CSV.encode()).participants
    config = ProgramConfig(min_score=58.0, priority_bonus=10.0)  # 57.5 + 10 would pass
    found = propose(people, config)
    assert found.matches.empty
    alternatives = explain_mentee(people, "ana@x.org", config).alternatives
    assert alternatives.why.tolist() == ["below the program's minimum score of 58"]
    assert alternatives.score.tolist() == [67.5]


def test_the_certified_pruned_solve_reaches_the_exact_optimum_with_the_bonus() -> None:
    people = load_participants(to_csv_bytes(generate_cohort(150, seed=5))).participants
    people = [replace(p, priority=p.is_mentee and k % 4 == 0) for k, p in enumerate(people)]
    pruned = propose(people)
    every = propose(people, with_scores=True)  # every candidate kept: no pruning
    assert "priority: unmatched last cohort" in " ".join(pruned.matches.reasons)
    assert len(pruned.matches) == len(every.matches)
    assert round(pruned.matches.score.sum(), 2) == round(every.matches.score.sum(), 2)
