"""Worked examples: what sample_data/README.md tells a reader to check, checked.

Each test names the people of the Loomworks sample (sample_data/participants.csv, matched
with sample_data/program.toml by the installed ``mentorloom`` command) and asserts the
pair or the unmatched reason the README promises.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from test_cli import PEOPLE, PROGRAM, SAMPLE, read_output, run

from matcher.checks import check_proposal
from matcher.config import load_config
from matcher.decisions import load_decisions
from matcher.engine import propose
from matcher.intake import load_participants
from matcher.schema import Participant

DOMAIN = "@loomworks.example"


def email(name: str) -> str:
    return name.lower().replace(" ", ".") + DOMAIN


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame]:
    out = tmp_path_factory.mktemp("sample")
    done = run("match", PEOPLE, "--config", PROGRAM, "-o", out, "-q")
    assert done.returncode == 0, done.stderr
    return read_output(out / "matches.csv"), read_output(out / "unmatched.csv")


def mentors_of(result: tuple[pd.DataFrame, pd.DataFrame], mentee: str) -> dict[str, str]:
    """Mentor type -> mentor name for one mentee."""
    matches = result[0]
    mine = matches[matches["mentee_email"] == email(mentee)]
    return dict(zip(mine["mentor_type"], mine["mentor_name"], strict=True))


def reason(result: tuple[pd.DataFrame, pd.DataFrame], mentee: str, mentor_type: str) -> str:
    unmatched = result[1]
    row = unmatched[
        (unmatched["mentee_email"] == email(mentee)) & (unmatched["mentor_type"] == mentor_type)
    ]
    assert len(row) == 1, f"{mentee} has a {mentor_type} mentor"
    return str(row["reason"].iloc[0])


def alternatives(mentee: str) -> dict[str, str]:
    """Mentor name -> 'outcome  why' from ``mentorloom explain`` for one mentee."""
    done = run("explain", PEOPLE, "--config", PROGRAM, "--mentee", email(mentee), "--top", 10)
    assert done.returncode == 0, done.stderr
    cells = [re.split(r"\s{2,}", line.strip()) for line in done.stdout.splitlines()]
    return {c[1]: "  ".join(c[4:]) for c in cells if c[0].isdigit()}


def test_reverse_mentoring_klaus_richter_learns_from_zoe_kim(result) -> None:
    assert mentors_of(result, "Klaus Richter") == {"generational": "Zoe Kim"}


def test_cross_department_sponsor_amara_osei_gets_hannah_becker_in_product(result) -> None:
    assert mentors_of(result, "Amara Osei") == {"sponsorship": "Hannah Becker"}


def test_teammate_and_manager_blocked_lena_vogel_gets_omar_haddad(result) -> None:
    assert mentors_of(result, "Lena Vogel") == {"expertise": "Omar Haddad"}
    why = alternatives("Lena Vogel")
    assert why["Jonas Weber"] == (
        "blocked  in the mentee's management chain (reports to Jonas Weber)"
    )
    assert why["Anton Meier"] == "blocked  same manager (Jonas Weber)"
    assert why["Daniela Schmidt"] == "blocked  lacks the wanted skill: embedded firmware"


def test_boss_peer_blocked_noor_rahman_gets_sipho_dlamini(result) -> None:
    assert mentors_of(result, "Noor Rahman") == {"expertise": "Sipho Dlamini"}
    assert alternatives("Noor Rahman")["Jonas Weber"] == (
        "blocked  a peer of the mentee's manager Tom Clarke (both report to Deepa Walker)"
    )


def test_exclusion_grace_walsh_gets_beatriz_santos_not_victor_hughes(result) -> None:
    assert mentors_of(result, "Grace Walsh") == {"expertise": "Beatriz Santos"}
    assert alternatives("Grace Walsh")["Victor Hughes"] == "blocked  excluded by the mentee"


def test_previous_partner_ben_carter_gets_hugo_lindberg_not_ines_moreau(result) -> None:
    assert mentors_of(result, "Ben Carter") == {"expertise": "Hugo Lindberg"}
    assert alternatives("Ben Carter")["Ines Moreau"] == (
        "blocked  paired before (listed by the mentee)"
    )


def test_shared_language_yuki_sato_gets_haruto_mori_not_mark_jensen(result) -> None:
    assert mentors_of(result, "Yuki Sato") == {"expertise": "Haruto Mori"}
    assert alternatives("Yuki Sato")["Mark Jensen"] == (
        "blocked  no shared language (mentee: Japanese; mentor: English, German)"
    )


def test_no_shared_language_kaito_suzuki_has_no_generational_mentor(result) -> None:
    assert mentors_of(result, "Kaito Suzuki") == {}
    assert reason(result, "Kaito Suzuki", "generational") == (
        "no generational mentor speaks Japanese"
    )


def test_in_person_sofia_marin_gets_felix_braun_in_berlin(result) -> None:
    assert mentors_of(result, "Sofia Marin") == {"expertise": "Felix Braun"}
    assert alternatives("Sofia Marin")["Ruth Fleming"] == (
        "blocked  cannot meet in person: the mentee is in Berlin, the mentor in London"
    )


def test_time_zones_arjun_mehta_gets_emma_lindqvist_not_cody_miller(result) -> None:
    assert mentors_of(result, "Arjun Mehta") == {"expertise": "Emma Lindqvist"}
    assert alternatives("Arjun Mehta")["Cody Miller"] == (
        "blocked  11.5 hours apart in time zones (the program allows 8)"
    )


def test_popular_expert_wei_chen_takes_two_and_pedro_alves_waits(result) -> None:
    matches = result[0]
    assert sorted(matches.loc[matches["mentor_name"] == "Wei Chen", "mentee_name"]) == [
        "Hana Ito",
        "Tariq Aziz",
    ]
    assert reason(result, "Pedro Alves", "expertise").startswith("1 expertise mentor could: 1 full")


def test_developmental_network_mia_hoffmann_has_four_different_mentors(result) -> None:
    mentors = mentors_of(result, "Mia Hoffmann")
    assert sorted(mentors) == ["developmental", "expertise", "generational", "sponsorship"]
    assert len(set(mentors.values())) == 4
    assert mentors["expertise"] == "Ava Brooks"


def test_ceo_is_in_every_chain_so_priya_nair_has_no_sponsor(result) -> None:
    assert "Margaret Hale" not in set(result[0]["mentor_name"])
    assert reason(result, "Priya Nair", "sponsorship") == (
        "no sponsor passes the hard rules: 13 of 14 are not 2+ levels above the mentee "
        "(level 7); 2 of 14 are in the mentee's management chain (Kiran Doyle, Margaret Hale)"
    )
    assert alternatives("Priya Nair")["Margaret Hale"] == (
        "blocked  in the mentee's management chain "
        "(reports to Rajesh Iyer, who reports to Margaret Hale)"
    )


def test_the_spelling_of_tags_and_languages_changes_no_match(result) -> None:
    """Tags and languages keep their spelling; matching compares them case-insensitively:
    the mentees' goals, wanted skills and languages in capitals match as before."""
    people = load_participants(PEOPLE, questions=load_config(PROGRAM).questions).participants

    def shout(p: Participant) -> Participant:
        columns = ("goals", "expertise_wanted", "languages") if p.role == "mentee" else ()
        return replace(p, **{c: tuple(t.upper() for t in getattr(p, c)) for c in columns})

    shouted = [shout(p) for p in people]
    assert shouted != list(people)
    keys = ["mentee_email", "mentor_email", "mentor_type", "score"]
    config = load_config(PROGRAM)
    as_written = propose(people, config).matches[keys]
    assert as_written.equals(read_output_frame(result[0])[keys])
    assert propose(shouted, config).matches[keys].equals(as_written)


def read_output_frame(matches: pd.DataFrame) -> pd.DataFrame:
    """The CLI's matches.csv with scores as numbers, like the engine's."""
    return matches.astype({"score": float})


def test_on_leave_dmitri_volkov_mentors_nobody(result) -> None:
    assert "Dmitri Volkov" not in set(result[0]["mentor_name"])


def test_every_match_obeys_every_hard_rule_and_capacity(result) -> None:
    people = load_participants(PEOPLE, questions=load_config(PROGRAM).questions).participants
    assert check_proposal(people, result[0], load_config(PROGRAM)) == []


def test_review_decisions_keep_the_lock_and_drop_the_rejected_pair(tmp_path: Path) -> None:
    done = run("match", PEOPLE, "--config", PROGRAM, "--decisions", SAMPLE / "decisions.csv",
               "-o", tmp_path, "-q")  # fmt: skip
    assert done.returncode == 0, done.stderr
    matches = read_output(tmp_path / "matches.csv")
    triples = set(matches[["mentee_email", "mentor_email", "mentor_type"]].itertuples(index=False))
    for decision in load_decisions(SAMPLE / "decisions.csv"):
        triple = (decision.mentee_email, decision.mentor_email, decision.mentor_type.value)
        assert (triple in triples) == (decision.action == "lock"), decision
    klaus = matches[matches["mentee_name"] == "Klaus Richter"]
    assert klaus["mentor_type"].tolist() == ["generational"]
    assert klaus["mentor_name"].tolist() != ["Zoe Kim"]


def test_the_file_is_clean_and_mixes_roles_as_the_readme_says() -> None:
    done = run("validate", PEOPLE)
    assert done.returncode == 0
    assert "150 people (70 mentees, 47 mentors, 33 both)" in done.stdout
    people = pd.read_csv(PEOPLE, dtype=str, keep_default_na=False)
    assert set(people["location"]) == {"London", "Berlin", "Austin", "Bangalore", "Tokyo"}
    assert (people["manager_email"] == "").sum() == 1


def test_the_program_question_carmen_reyes_and_eamon_gallagher_share_returning_from_leave(
    result,
) -> None:
    """The CLI reads the life_stage answers through the config's question."""
    matches = result[0]
    row = matches[
        (matches.mentee_name == "Carmen Reyes") & (matches.mentor_type == "developmental")
    ]
    assert row.mentor_name.tolist() == ["Eamon Gallagher"]
    assert (
        "what would you like to talk about with your mentor? both chose: returning from leave"
        in (row.reasons.iloc[0])
    )


def test_picks_aditi_joshi_gets_her_first_pick_femi_khan(result) -> None:
    matches = result[0]
    row = matches[(matches.mentee_name == "Aditi Joshi") & (matches.mentor_type == "developmental")]
    assert row.mentor_name.tolist() == ["Femi Khan"]
    assert "the mentee's 1st pick" in row.reasons.iloc[0]


def test_picks_yosef_young_goes_to_dario_mahmoud_and_carmen_reyes_is_told_why(result) -> None:
    assert mentors_of(result, "Dario Mahmoud")["developmental"] == "Yosef Young"
    assert mentors_of(result, "Carmen Reyes")["developmental"] == "Eamon Gallagher"
    assert alternatives("Carmen Reyes")["Yosef Young"] == (
        "went to another mentee  your 1st pick: full (1 place): mentors Dario Mahmoud"
    )


def test_avoid_ahmed_wolf_is_never_proposed_clara_sharma(result) -> None:
    assert mentors_of(result, "Clara Sharma")["developmental"] != "Ahmed Wolf"
    assert alternatives("Clara Sharma")["Ahmed Wolf"].startswith("blocked  ")
    assert "would rather not take the mentee" in alternatives("Clara Sharma")["Ahmed Wolf"]
