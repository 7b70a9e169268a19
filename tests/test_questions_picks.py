"""Program questions, picks and the outside-organization rule (issue 19): each rule kind on
worked examples and against a plain-Python oracle, config and intake errors that name the
question, picks worth exactly what the formula says in the optimum (brute force), and the
blocking-pair count against the `matching` library's stable hospital-resident solver."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matching.games import HospitalResident

from matcher import (
    Answers,
    ConfigError,
    IntakeError,
    MentorType,
    Participant,
    ProgramConfig,
    Question,
    QuestionRule,
    Role,
    blocking_pairs,
    config_from_mapping,
    load_participants,
    mentor_fits,
    participant_reasons,
    picks_report,
    propose,
    suggestions,
)
from matcher.cohort import block, encode
from matcher.questions import rule_blocks, rule_value
from tests.strategies import question_rule_oracle

CHOICES = ("red", "blue", "green")
QUESTIONS = (
    Question("team", "single", "Which team?", choices=CHOICES),
    Question("hobbies", "multiple", "Hobbies?", choices=CHOICES),
    Question("wants", "tags", "What do you want?"),
    Question("has", "tags", "What do you have?"),
    Question("energy", "scale", "Energy?"),
)
RULES = {
    "same": QuestionRule("team", "same", weight=10.0),
    "different": QuestionRule("team", "different", weight=10.0),
    "overlap": QuestionRule("hobbies", "overlap", weight=10.0),
    "wants": QuestionRule("wants", "wants", weight=10.0, mentor_question="has"),
    "scale": QuestionRule("energy", "scale", weight=10.0),
}


def person(email: str, role: Role, **answers) -> Participant:
    side = {"seeks": ("expertise",)} if role is Role.MENTEE else {"offers": ("expertise",)}
    skills = {"expertise_wanted": ("sql",)} if role is Role.MENTEE else {"expertise": ("sql",)}
    return Participant(email, email.split("@")[0].title(), role, **side, **skills,
                       answers=Answers(answers))  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "mentee", "mentor", "value"),
    [
        ("same", {"team": "red"}, {"team": "red"}, 1.0),
        ("same", {"team": "red"}, {"team": "blue"}, 0.0),
        ("different", {"team": "red"}, {"team": "blue"}, 1.0),
        ("different", {"team": "red"}, {}, 0.0),
        ("overlap", {"hobbies": ("red", "blue")}, {"hobbies": ("blue",)}, 0.5),
        ("wants", {"wants": ("Python", "sql")}, {"has": ("python",), "wants": ("sql",)}, 0.5),
        ("scale", {"energy": 2}, {"energy": 5}, 0.25),
        ("scale", {"energy": 2}, {}, 0.0),
    ],
)
def test_each_rule_kind_on_a_worked_example(kind, mentee, mentor, value) -> None:
    cohort = encode([person("e@x.org", Role.MENTEE, **mentee),
                     person("m@x.org", Role.MENTOR, **mentor)])  # fmt: skip
    assert float(rule_value(block(cohort, [0], [1]), RULES[kind])[0, 0]) == value


answers = st.fixed_dictionaries(
    {},
    optional={
        "team": st.sampled_from(CHOICES),
        "hobbies": st.sets(st.sampled_from(CHOICES), min_size=1).map(lambda s: tuple(sorted(s))),
        "wants": st.sets(st.sampled_from(["Go", "sql", "c"]), min_size=1).map(tuple),
        "has": st.sets(st.sampled_from(["go", "SQL", "rust"]), min_size=1).map(tuple),
        "energy": st.integers(1, 5),
    },
)


@settings(max_examples=60, deadline=None)
@given(mentees=st.lists(answers, min_size=1, max_size=4),
       mentors=st.lists(answers, min_size=1, max_size=4), gap=st.integers(0, 3))  # fmt: skip
def test_each_rule_kind_equals_a_plain_python_oracle(mentees, mentors, gap) -> None:
    people = [person(f"e{k}@x.org", Role.MENTEE, **a) for k, a in enumerate(mentees)]
    people += [person(f"m{k}@x.org", Role.MENTOR, **a) for k, a in enumerate(mentors)]
    cohort = encode(people)
    rows = np.array([cohort.index[p.email] for p in people if p.role is Role.MENTEE])
    cols = np.array([cohort.index[p.email] for p in people if p.role is Role.MENTOR])
    pairs = block(cohort, rows, cols)
    for rule in [*RULES.values(), QuestionRule("energy", "scale", hard=True, max_gap=gap)]:
        values, blocked = rule_value(pairs, rule), rule_blocks(pairs, rule)
        for i, e in enumerate(rows):
            for j, m in enumerate(cols):
                value, blocks = question_rule_oracle(rule, cohort.people[e], cohort.people[m])
                assert values[i, j] == pytest.approx(value) and blocked[i, j] == blocks


def test_a_hard_question_rule_blocks_and_the_open_request_names_the_question() -> None:
    config = ProgramConfig(questions=QUESTIONS,
                           question_rules=(QuestionRule("team", "same", hard=True),))  # fmt: skip
    people = [
        person("e@x.org", Role.MENTEE, team="red"),
        person("m@x.org", Role.MENTOR, team="blue"),
    ]
    proposal = propose(people, config)
    assert proposal.matches.empty
    assert "the same answer to 'Which team?' (the mentee: red)" in proposal.unmatched.reason[0]
    fits = mentor_fits(people, "e@x.org", config)
    assert fits.blocked[0] == "no shared answer to 'Which team?' (mentee: red; mentor: blue)"


def test_question_criteria_name_the_question_in_the_reasons() -> None:
    config = ProgramConfig(questions=QUESTIONS, question_rules=(RULES["overlap"],))
    people = [person("e@x.org", Role.MENTEE, hobbies=("red", "blue")),
              person("m@x.org", Role.MENTOR, hobbies=("blue",))]  # fmt: skip
    reasons = propose(people, config).matches.reasons[0]
    assert "Hobbies? both chose: blue" in reasons


@pytest.mark.parametrize(
    ("mapping", "key", "words"),
    [
        ({"questions": [{"key": "Team", "kind": "single", "prompt": "?"}]},
         "questions[0].key", "lowercase identifier"),
        ({"questions": [{"key": "level", "kind": "text", "prompt": "?"}]},
         "questions.level", "participant column"),
        ({"questions": [{"key": "team", "kind": "single", "prompt": "?", "choices": ["a"]}]},
         "questions.team.choices", "2 to"),
        ({"questions": [{"key": "team", "kind": "text", "prompt": "?"}],
          "question_rules": [{"question": "team", "rule": "same", "weight": 5}]},
         "question_rules.team.rule", "single question; team is text"),
        ({"questions": [{"key": "e", "kind": "scale", "prompt": "?"}],
          "question_rules": [{"question": "e", "rule": "scale", "weight": 5, "hard": True}]},
         "question_rules.e", "either a weight"),
    ],
)  # fmt: skip
def test_config_errors_name_the_question_and_the_fix(mapping, key, words) -> None:
    with pytest.raises(ConfigError) as found:
        config_from_mapping(mapping)
    assert f"'{key}'" in str(found.value) and words in str(found.value)


def test_questions_round_trip_through_the_mapping_the_web_app_stores() -> None:
    from matcher import config_to_mapping

    config = ProgramConfig(questions=QUESTIONS, question_rules=tuple(RULES.values())[2:],
                           outside_organization_types=(MentorType.EXPERTISE,))  # fmt: skip
    assert config_from_mapping(config_to_mapping(config)) == config


def test_an_unknown_choice_is_an_error_naming_row_column_and_choices() -> None:
    data = b"email,name,role,offers,expertise,team\nm@x.org,M,mentor,expertise,sql,purple\n"
    with pytest.raises(IntakeError) as found:
        load_participants(data, questions=QUESTIONS)
    issue = found.value.issues[0]
    assert (issue.row, issue.column) == (2, "team")
    assert "choose from: red; blue; green" in issue.message


def test_a_first_pick_is_worth_20_points_with_the_default_weights() -> None:
    ana = person("ana@x.org", Role.MENTEE)
    picked = Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("expertise",),
                         expertise_wanted=("sql",),
                         preferred_mentors=("m@x.org", "n@x.org"))  # fmt: skip
    mentors = [person("m@x.org", Role.MENTOR), person("n@x.org", Role.MENTOR)]
    before = mentor_fits([ana, *mentors], "ana@x.org").set_index("mentor_email").score
    after = mentor_fits([picked, *mentors], "ana@x.org").set_index("mentor_email").score
    # others' criteria count 80 of 100 points, the 1st pick 20, the 2nd 10
    assert after["m@x.org"] == pytest.approx(round(before["m@x.org"] * 0.8, 2) + 20, abs=0.011)
    assert after["n@x.org"] == pytest.approx(round(before["n@x.org"] * 0.8, 2) + 10, abs=0.011)


def test_a_pick_keeps_its_rank_when_an_earlier_pick_is_not_in_the_cohort() -> None:
    """Ana's 1st pick left the program: Bo stays her 2nd pick, worth 10 points, and the
    two of them read that Ana picked Bo, without the rank."""
    picks = ("gone@x.org", "bo@x.org")
    ana = Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("expertise",),
                      expertise_wanted=("sql",), preferred_mentors=picks)  # fmt: skip
    bo = person("bo@x.org", Role.MENTOR)
    plain = person("ana@x.org", Role.MENTEE)
    before = mentor_fits([plain, bo], "ana@x.org").set_index("mentor_email").score
    after = mentor_fits([ana, bo], "ana@x.org").set_index("mentor_email").score
    assert after["bo@x.org"] == pytest.approx(round(before["bo@x.org"] * 0.8, 2) + 10, abs=0.011)
    assert "the mentee's 2nd pick" in propose([ana, bo]).matches.reasons.iloc[0]
    assert "Ana picked Bo" in participant_reasons(ana, bo, "expertise")


def brute_force_total(people, config) -> float:
    """The best total score over every matching that fills the most requests (one type,
    capacity 1), from the scores mentor_fits gives."""
    mentees = [p for p in people if p.is_mentee]
    mentors = [p for p in people if p.is_mentor]
    score = {}
    for e in mentees:
        fits = mentor_fits(people, e.email, config)
        for row in fits[fits.blocked == ""].itertuples():
            score[e.email, row.mentor_email] = row.score
    best = (-1, 0.0)
    for chosen in itertools.product([None, *mentors], repeat=len(mentees)):
        used = [m.email for m in chosen if m is not None]
        if len(used) != len(set(used)):
            continue
        pairs = [(e.email, m.email) for e, m in zip(mentees, chosen, strict=True) if m]
        if all(pair in score for pair in pairs):
            best = max(best, (len(pairs), round(sum(score[p] for p in pairs), 2)))
    return best[1]


@settings(max_examples=25, deadline=None)
@given(picks=st.lists(st.permutations(["m0@x.org", "m1@x.org", "m2@x.org"]).map(lambda p: p[:2]),
                      min_size=3, max_size=3),
       skills=st.lists(st.sampled_from([("sql",), ("sql", "go"), ("go",)]),
                       min_size=3, max_size=3))  # fmt: skip
def test_picks_change_the_optimum_exactly_as_the_formula_says(picks, skills) -> None:
    mentees = [Participant(f"e{k}@x.org", f"E{k}", Role.MENTEE, seeks=("expertise",),
                           expertise_wanted=("sql", "go"), preferred_mentors=tuple(pick))
               for k, pick in enumerate(picks)]  # fmt: skip
    mentors = [Participant(f"m{k}@x.org", f"M{k}", Role.MENTOR, offers=("expertise",),
                           expertise=skill) for k, skill in enumerate(skills)]  # fmt: skip
    people = [*mentees, *mentors]
    proposal = propose(people)
    assert round(proposal.matches.score.sum(), 2) == brute_force_total(people, ProgramConfig())


def test_only_picks_keeps_a_mentee_who_picked_to_their_picks() -> None:
    ana = Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("expertise",),
                      expertise_wanted=("sql",), preferred_mentors=("n@x.org",))  # fmt: skip
    people = [ana, person("m@x.org", Role.MENTOR), Participant("n@x.org", "N", Role.MENTOR,
              offers=("expertise",), expertise=("sql",), capacity=0)]  # fmt: skip
    assert propose(people).matches.mentor_email.tolist() == ["m@x.org"]
    proposal = propose(people, ProgramConfig(only_picks=True))
    assert proposal.matches.empty
    assert "among the mentee's picks" in proposal.unmatched.reason[0]


def test_avoid_is_a_hard_rule_and_the_report_counts_picks() -> None:
    ana = Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("expertise",),
                      expertise_wanted=("sql",), preferred_mentors=("m@x.org",))  # fmt: skip
    m = Participant("m@x.org", "M", Role.MENTOR, offers=("expertise",), expertise=("sql",),
                    avoid=("ana@x.org",))  # fmt: skip
    n = person("n@x.org", Role.MENTOR)
    proposal = propose([ana, m, n])
    assert proposal.matches.mentor_email.tolist() == ["n@x.org"]
    report = picks_report([ana, m, n], proposal.matches, ProgramConfig())
    assert (report.picked, report.got_first, report.got_any, report.avoided) == (1, 0, 0, 0)
    assert report.blocking_pairs == 0  # the pick is not feasible: no blocking pair


def test_outside_organization_as_a_hard_rule_for_a_type() -> None:
    e = Participant("e@x.org", "E", Role.MENTEE, seeks=("expertise",),
                    expertise_wanted=("sql",), organization="Acme")  # fmt: skip
    m = Participant("m@x.org", "M", Role.MENTOR, offers=("expertise",), expertise=("sql",),
                    organization="acme")  # fmt: skip
    config = ProgramConfig(outside_organization_types=(MentorType.EXPERTISE,))
    assert len(propose([e, m]).matches) == 1
    proposal = propose([e, m], config)
    assert (
        proposal.unmatched.reason[0]
        == "every expertise mentor is in the mentee's organization (Acme)"
    )


def test_suggestions_are_the_best_feasible_mentors() -> None:
    ana = person("ana@x.org", Role.MENTEE)
    mentors = [person(f"m{k}@x.org", Role.MENTOR) for k in range(7)]
    found = suggestions([ana, *mentors], "ana@x.org")
    assert len(found) == 5 and found.score.is_monotonic_decreasing


preferences = st.integers(0, 2**32 - 1).map(np.random.default_rng)


@settings(max_examples=60, deadline=None)
@given(rng=preferences)
def test_blocking_pairs_of_a_stable_matching_is_zero_and_of_others_as_counted(rng) -> None:
    residents = [f"r{k}" for k in range(int(rng.integers(1, 7)))]
    hospitals = [f"h{k}" for k in range(int(rng.integers(1, 4)))]
    resident_prefs = {r: list(rng.permutation(hospitals)[: rng.integers(1, len(hospitals) + 1)])
                      for r in residents}  # fmt: skip
    hospital_prefs = {h: [r for r in rng.permutation(residents) if h in resident_prefs[r]]
                      for h in hospitals}  # fmt: skip
    hospital_prefs = {h: listed for h, listed in hospital_prefs.items() if listed}
    hospitals = list(hospital_prefs)
    capacities = {h: int(rng.integers(1, 3)) for h in hospitals}
    game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
    solved = game.solve(optimal="resident")
    matching = {str(r): str(h) for h, rs in solved.items() for r in rs}
    assert blocking_pairs(resident_prefs, capacities, matching, hospital_prefs) == 0
    # an arbitrary matching: the count equals the pairs the definition names one by one
    shuffled = {r: (resident_prefs[r][0] if rng.random() < 0.5 else None) for r in residents}
    load = {h: sum(m == h for m in shuffled.values()) for h in hospitals}
    shuffled = {r: m for r, m in shuffled.items() if m is None or load[m] <= capacities[m]}
    expected = 0
    for r, listed in resident_prefs.items():
        for h in listed:
            got = shuffled.get(r)
            if got is not None and listed.index(got) <= listed.index(h):
                continue
            if r not in hospital_prefs[h]:
                continue
            has = [x for x, m in shuffled.items() if m == h]
            rank = hospital_prefs[h].index
            expected += len(has) < capacities[h] or any(rank(r) < rank(x) for x in has)
    assert blocking_pairs(resident_prefs, capacities, shuffled, hospital_prefs) == expected


def test_a_mentee_who_did_not_get_a_pick_is_told_why() -> None:
    from matcher import explain_mentee

    ana = Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("expertise",),
                      expertise_wanted=("sql",), preferred_mentors=("m@x.org",))  # fmt: skip
    bo = Participant("bo@x.org", "Bo", Role.MENTEE, seeks=("expertise",),
                     expertise_wanted=("sql",), preferred_mentors=("m@x.org",))  # fmt: skip
    mentors = [person("m@x.org", Role.MENTOR), person("n@x.org", Role.MENTOR)]
    people = [ana, bo, *mentors]
    proposal = propose(people)
    got = dict(zip(proposal.matches.mentee_email, proposal.matches.mentor_email, strict=True))
    loser = next(e for e, m in got.items() if m == "n@x.org")
    rows = explain_mentee(people, loser, proposal=proposal).alternatives.set_index("mentor_email")
    assert rows.outcome["m@x.org"] == "went to another mentee"
    assert rows.why["m@x.org"].startswith("your 1st pick: full (1 place): mentors ")


def test_avoid_as_a_penalty_takes_its_points_off_and_is_counted() -> None:
    ana = person("ana@x.org", Role.MENTEE)
    m = Participant("m@x.org", "M", Role.MENTOR, offers=("expertise",), expertise=("sql",),
                    avoid=("ana@x.org",))  # fmt: skip
    plain = propose([ana, replace(m, avoid=())]).matches.score[0]
    config = ProgramConfig(avoid_penalty=10.0)
    proposal = propose([ana, m], config)
    assert proposal.matches.score[0] == round(plain - 10, 2)
    assert "would rather not take the mentee: 10 points off" in proposal.matches.reasons[0]
    assert picks_report([ana, m], proposal.matches, config).avoided == 1
    assert participant_reasons(ana, m, "expertise", config) == participant_reasons(
        ana, replace(m, avoid=()), "expertise", config
    )
