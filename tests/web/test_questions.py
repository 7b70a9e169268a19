"""Program questions in the web app: the Questions page, answers imported from CSV
columns, the intake form's questions, and a run that matches on them."""

from __future__ import annotations

import csv
import re
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from matcher import MentorType, config_to_mapping, load_config
from matcher.cli import main as cli_main
from tests.web.forms import form_values
from tests.web.helpers import DATA, import_csv, upload
from tests.web.matching import CONFIG, SAMPLE, load_demo, pairs_of, run_to_end
from webapp.db import db
from webapp.models import AuditEvent, InviteToken, LinkKind, Participant, Program, utcnow
from webapp.run_models import UnmatchedRequest

TYPES = [t.value for t in MentorType]
TEAM = {
    "key": "team",
    "kind": "single",
    "prompt": "Which team are you on?",
    "choices": "Red\nBlue",
    "asked_of": "both",
    "help": "As on your badge.",
}
TOPICS = {
    "key": "topics",
    "kind": "multiple",
    "prompt": "What would you talk about?",
    "choices": "parenting while working\ncaring for a parent\nmoving abroad",
    "asked_of": "both",
}
#: The team and topics of each person of data/participants.csv.
ANSWERS = {
    "ana.silva@example.org": ("Red", "parenting while working"),
    "ben.okafor@example.org": ("Red", "moving abroad"),
    "carl.ode@example.org": ("Blue", "parenting while working"),
    "dina.roy@example.org": ("Red", "moving abroad"),
    "erin.lu@example.org": ("Red", "parenting while working;caring for a parent"),
    "farid.haddad@example.org": ("Blue", "caring for a parent"),
}


def questions_url(program_id: int, tail: str = "") -> str:
    return f"/programs/{program_id}/questions/{tail}"


def add(client: FlaskClient, program_id: int, question: dict[str, str]) -> str:
    """Add a question through the page; the page it answers (followed)."""
    response = client.post(questions_url(program_id, "new"), data=question, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def set_rules(client: FlaskClient, program_id: int, key: str, **per_type: str) -> str:
    """Give question ``key`` the same rule for every mentor type (``rule``, ``weight``,
    ``hard``...); the page the form answers."""
    data = {f"{t}_{name}": value for t in TYPES for name, value in per_type.items()}
    url = questions_url(program_id, f"{key}/rules")
    return client.post(url, data=data, follow_redirects=True).get_data(as_text=True)


def config(app: Flask, program_id: int) -> dict:
    with app.app_context():
        return dict(db.session.get(Program, program_id).config)


def answers(app: Flask, program_id: int) -> dict[str, dict[str, str]]:
    with app.app_context():
        query = db.select(Participant).filter_by(program_id=program_id)
        return {p.email: dict(p.answers) for p in db.session.scalars(query)}


def with_answers(rows: dict[str, tuple[str, str]]) -> bytes:
    """data/participants.csv with a team and a topics column."""
    lines = (DATA / "participants.csv").read_text().splitlines()
    out = [lines[0] + ",team,topics"]
    for line in lines[1:]:
        team, topics = rows[line.split(",", 1)[0]]
        out.append(f"{line},{team},{topics}")
    return ("\n".join(out) + "\n").encode()


# ---------------------------------------------------------------- the Questions page
def test_editor_round_trip(app: Flask, admin_client: FlaskClient, program_id: int) -> None:
    page = add(admin_client, program_id, TEAM)
    assert "Question team added" in page
    add(admin_client, program_id, TOPICS)
    page = admin_client.get(questions_url(program_id)).get_data(as_text=True)
    assert page.index("Which team are you on?") < page.index("What would you talk about?")

    admin_client.post(questions_url(program_id, "topics/move"), data={"direction": "up"})
    keys = [q["key"] for q in config(app, program_id)["questions"]]
    assert keys == ["topics", "team"]

    edit = {**TEAM, "prompt": "Your team?", "required": "y", "key": "ignored"}
    admin_client.post(questions_url(program_id, "team/edit"), data=edit)
    team = config(app, program_id)["questions"][1]
    assert team == {
        "key": "team",
        "kind": "single",
        "prompt": "Your team?",
        "asked_of": "both",
        "required": True,
        "help": "As on your badge.",
        "choices": ["Red", "Blue"],
    }
    form = admin_client.get(questions_url(program_id, "team/edit")).get_data(as_text=True)
    assert 'value="Your team?"' in form and "Red\nBlue" in form

    set_rules(admin_client, program_id, "team", rule="same", hard="y")
    set_rules(admin_client, program_id, "topics", rule="overlap", weight="10")
    rules = config(app, program_id)["question_rules"]
    assert {(r["question"], r["rule"], r.get("hard", False), r.get("weight")) for r in rules} == {
        ("team", "same", True, None),
        ("topics", "overlap", False, 10.0),
    }
    assert len(rules) == 2 * len(TYPES)  # one per mentor type
    page = admin_client.get(questions_url(program_id)).get_data(as_text=True)
    assert "same: must share" in page and "overlap: weight 10" in page
    rules_page = admin_client.get(questions_url(program_id, "team/rules")).get_data(as_text=True)
    assert re.search(r'<option selected value="same">|<option value="same" selected>', rules_page)

    admin_client.post(questions_url(program_id, "team/remove"))
    kept = config(app, program_id)
    assert [q["key"] for q in kept["questions"]] == ["topics"]
    assert {r["question"] for r in kept["question_rules"]} == {"topics"}
    with app.app_context():
        actions = db.session.scalars(db.select(AuditEvent.action)).all()
    assert {"question.add", "question.edit", "question.move", "question.rules"} <= set(actions)
    assert "question.remove" in actions


def test_editor_errors_name_the_field_and_the_fix(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    page = add(admin_client, program_id, {**TEAM, "key": "Team!"})
    assert "must be a lowercase identifier" in page
    page = add(admin_client, program_id, {**TEAM, "key": "email"})
    assert "is a participant column or a criterion: choose another key" in page
    page = add(admin_client, program_id, {**TEAM, "choices": "Red"})
    assert "must be a list of 2 to 40 choices for a single question" in page
    page = add(admin_client, program_id, {**TEAM, "prompt": "x" * 301})
    assert "At most 300 characters" in page
    assert config(app, program_id).get("questions", []) == []

    add(admin_client, program_id, TEAM)
    page = add(admin_client, program_id, TEAM)
    assert "is asked twice: give each question its own key" in page

    page = set_rules(admin_client, program_id, "team", rule="same", weight="lots")
    assert "Write a weight above 0 (for example 10), or tick must share." in page
    page = set_rules(admin_client, program_id, "team", rule="overlap", weight="5")
    assert "overlap needs a multiple or tags question; team is single" in page
    page = set_rules(admin_client, program_id, "team", rule="wants", weight="5")
    assert "a wants rule pairs two questions" in page
    scale = {"key": "energy", "kind": "scale", "prompt": "Time each month?", "asked_of": "both"}
    add(admin_client, program_id, scale)
    page = set_rules(admin_client, program_id, "energy", rule="scale", hard="y", max_gap="x")
    assert "must be a whole number from 0 to 3" in page
    page = set_rules(admin_client, program_id, "energy", rule="nonsense", weight="5")
    assert "must be one of same, different, overlap, wants, scale" in page
    page = add(admin_client, program_id, {**TEAM, "key": "odd", "kind": "poll", "asked_of": "x"})
    assert "must be one of single, multiple, tags, scale, text" in page
    assert config(app, program_id).get("question_rules", []) == []
    assert admin_client.get(questions_url(program_id, "nothing/edit")).status_code == 404


def test_saving_the_settings_keeps_every_key_of_the_config(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    """The settings form has no field for the questions, their rules or the
    outside-organization types; saving it unchanged keeps those and every other key."""
    stored = config_to_mapping(load_config(CONFIG))
    stored["weights"]["developmental"].update(picks=30.0, outside_organization=5.0)
    stored.update(
        outside_organization_types=["sponsorship"],
        avoid_penalty=5.0,
        only_picks=True,
        suggestions=3,
    )
    assert stored["questions"] and stored["question_rules"]
    with app.app_context():
        db.session.get(Program, program_id).config = stored
        db.session.commit()
    url = f"/programs/{program_id}/settings"
    values = form_values(admin_client.get(url).get_data(as_text=True))
    assert admin_client.post(url, data=MultiDict(values)).status_code == 302
    assert config(app, program_id) == stored


# ---------------------------------------------------------------- imports
def test_import_reads_question_columns(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    add(admin_client, program_id, TEAM)
    add(admin_client, program_id, TOPICS)
    page = import_csv(admin_client, program_id, "answers.csv", with_answers(ANSWERS))
    assert page.status_code == 200
    stored = answers(app, program_id)
    assert stored["erin.lu@example.org"] == {
        "team": "Red",
        "topics": "parenting while working;caring for a parent",
    }
    person = admin_client.get(f"/programs/{program_id}/participants/").get_data(as_text=True)
    erin = re.search(r'href="(/programs/\d+/participants/\d+)">Erin Lu', person).group(1)
    shown = admin_client.get(erin).get_data(as_text=True)
    assert "What would you talk about?" in shown
    assert "parenting while working; caring for a parent" in shown

    # a file without the question columns keeps the stored answers
    import_csv(admin_client, program_id, "participants.csv")
    assert answers(app, program_id)["erin.lu@example.org"]["team"] == "Red"


def test_import_refuses_unknown_choices_and_missing_required_answers(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    add(admin_client, program_id, {**TEAM, "required": "y"})
    add(admin_client, program_id, TOPICS)
    bad = {**ANSWERS, "ben.okafor@example.org": ("Green", ""), "carl.ode@example.org": ("", "")}
    page = upload(admin_client, program_id, "bad.csv", with_answers(bad)).get_data(as_text=True)
    assert "unknown choice &#39;Green&#39; (choose from: Red; Blue)" in page
    assert re.search(r"<td>3</td>\s*<td>team</td>", page), "row 3, column team"
    assert "required: answer &#39;Which team are you on?&#39;" in page
    assert answers(app, program_id) == {}


# ---------------------------------------------------------------- the intake form
def test_intake_asks_each_role_its_questions_and_keeps_the_answers(
    app: Flask, admin_client: FlaskClient, client: FlaskClient, program_id: int
) -> None:
    add(admin_client, program_id, {**TOPICS, "asked_of": "mentees", "required": "y"})
    scale = {"key": "energy", "kind": "scale", "prompt": "Time each month?", "asked_of": "mentors"}
    add(admin_client, program_id, scale)
    add(admin_client, program_id, {"key": "story", "kind": "text", "prompt": "Your story"})
    admin_client.post(f"/programs/{program_id}/invites/person", data={"email": "gia@example.org"})
    invites = admin_client.get(f"/programs/{program_id}/invites/").get_data(as_text=True)
    link = re.findall(r'value="http://mentorloom.test(/intake/[\w-]+)"', invites)[0]

    page = client.get(link).get_data(as_text=True)
    mentee_part = page.split('data-for="mentee">')[-1].split("</fieldset>\n")[0]
    assert "What would you talk about? (required)" in page
    assert 'type="checkbox" value="moving abroad"' in page
    assert 'type="radio" value="5"' in page and "Time each month?" in page
    assert "Program questions for mentees" in page and "Program questions for mentors" in page
    assert "weight" not in page.lower() and "rule" not in page.lower()
    assert "Your story" in page and "<textarea" in page
    del mentee_part

    form = {
        "name": "Gia Park",
        "role": "mentee",
        "seeks": ["developmental"],
        "meeting_mode": "either",
        "capacity": "1",
        "q_energy": "4",  # a mentors' question: a mentee's answer is not kept
        "q_story": "Moved twice",
    }
    missing = client.post(link, data=form).get_data(as_text=True)
    assert "required: answer &#39;What would you talk about?&#39;" in missing
    assert answers(app, program_id) == {}

    saved = client.post(link, data={**form, "q_topics": ["moving abroad", "caring for a parent"]})
    assert saved.status_code == 302
    assert answers(app, program_id)["gia@example.org"] == {
        "topics": "caring for a parent;moving abroad",
        "story": "Moved twice",
    }
    again = client.get(link).get_data(as_text=True)
    assert re.search(r'checked[^>]*value="moving abroad"|value="moving abroad"[^>]*checked', again)
    assert "Moved twice</textarea>" in again


# ---------------------------------------------------------------- a run
def test_run_keeps_a_hard_question_rule_and_the_review_names_the_question(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    add(admin_client, program_id, TEAM)
    add(admin_client, program_id, TOPICS)
    set_rules(admin_client, program_id, "team", rule="same", hard="y")
    set_rules(admin_client, program_id, "topics", rule="overlap", weight="10")
    import_csv(admin_client, program_id, "answers.csv", with_answers(ANSWERS))
    run = run_to_end(app, admin_client, program_id)
    assert run.status == "done", run.error
    pairs = pairs_of(app, run.id)
    assert pairs
    for pair in pairs:
        assert ANSWERS[pair.mentee_email][0] == ANSWERS[pair.mentor_email][0], pair.label
    review = admin_client.get(f"/programs/{program_id}/runs/{run.id}/review")
    page = review.get_data(as_text=True)
    assert "What would you talk about? both chose: parenting while working" in page
    assert re.search(r'<span class="criterion">What would you talk about\?</span>', page)

    with app.app_context():
        query = db.select(UnmatchedRequest).filter_by(run_id=run.id)
        reasons = {(u.mentee_email, u.mentor_type): u.reason for u in db.session.scalars(query)}
    assert "Which team are you on?" in reasons[("dina.roy@example.org", "generational")]
    unmatched = admin_client.get(f"/programs/{program_id}/runs/{run.id}/unmatched")
    assert "Which team are you on?" in unmatched.get_data(as_text=True)


def participant_url(admin_client: FlaskClient, program_id: int, name: str) -> str:
    listing = admin_client.get(f"/programs/{program_id}/participants/").get_data(as_text=True)
    return re.search(rf'href="(/programs/\d+/participants/\d+)">{name}', listing).group(1)


def test_changing_a_question_keeps_the_answers_that_still_fit(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    add(admin_client, program_id, TEAM)
    add(admin_client, program_id, TOPICS)
    import_csv(admin_client, program_id, "answers.csv", with_answers(ANSWERS))
    fewer = {**TOPICS, "choices": "parenting while working\ncaring for a parent"}
    page = admin_client.post(
        questions_url(program_id, "topics/edit"), data=fewer, follow_redirects=True
    ).get_data(as_text=True)
    assert "2 answers no longer fit the question and were dropped." in page
    stored = answers(app, program_id)
    assert "topics" not in stored["ben.okafor@example.org"]
    assert stored["erin.lu@example.org"]["topics"] == "parenting while working;caring for a parent"

    page = admin_client.post(questions_url(program_id, "team/remove"), follow_redirects=True)
    assert "Question team removed, with 6 answers to it." in page.get_data(as_text=True)
    assert all("team" not in person for person in answers(app, program_id).values())


def test_admin_edits_answers_and_the_person_sees_theirs(
    app: Flask, admin_client: FlaskClient, client: FlaskClient, program_id: int
) -> None:
    add(admin_client, program_id, {**TEAM, "required": "y"})
    set_rules(admin_client, program_id, "team", rule="same", hard="y")
    import_csv(admin_client, program_id, "participants.csv")  # nobody answered yet
    url = participant_url(admin_client, program_id, "Erin Lu") + "/edit"
    values = form_values(admin_client.get(url).get_data(as_text=True))
    assert admin_client.post(url, data=MultiDict(values)).status_code == 302  # not required
    assert answers(app, program_id)["erin.lu@example.org"] == {}
    assert admin_client.post(url, data=MultiDict([*values, ("q_team", "Blue")])).status_code == 302
    assert answers(app, program_id)["erin.lu@example.org"] == {"team": "Blue"}
    assert re.search(
        r'<input checked [^>]*value="Blue"', admin_client.get(url).get_data(as_text=True)
    )

    erin = participant_url(admin_client, program_id, "Erin Lu").rsplit("/", 1)[-1]
    admin_client.post(f"/programs/{program_id}/invites/participant/{erin}")
    invites = admin_client.get(f"/programs/{program_id}/invites/").get_data(as_text=True)
    link = re.findall(r'value="http://mentorloom.test(/intake/[\w-]+)"', invites)[0]
    own = client.get(link.replace("/intake/", "/me/")).get_data(as_text=True)
    assert "<dt>Which team are you on?</dt><dd>Blue</dd>" in own
    assert "same" not in own and "must share" not in own


def test_the_demo_program_matches_like_the_command_line(
    app: Flask, admin_client: FlaskClient, tmp_path: Path
) -> None:
    """The web run of the sample (its question read from the ``life_stage`` column) gives
    the pairs and scores of ``mentorloom match`` on the same files."""
    program_id = load_demo(app)
    run = run_to_end(app, admin_client, program_id)
    assert run.status == "done", run.error
    args = ["match", str(SAMPLE), "--config", str(CONFIG), "--out-dir", str(tmp_path), "-q"]
    assert cli_main(args) == 0
    with (tmp_path / "matches.csv").open(newline="", encoding="utf-8-sig") as file:
        from_cli = {
            (r["mentee_email"], r["mentor_email"], r["mentor_type"]): float(r["score"])
            for r in csv.DictReader(file)
        }
    pairs = pairs_of(app, run.id)
    from_web = {(p.mentee_email, p.mentor_email, p.mentor_type): p.score for p in pairs}
    assert from_web.keys() == from_cli.keys()
    assert all(abs(from_web[k] - from_cli[k]) < 0.01 for k in from_cli)
    prompt = "Besides work, what would you like to talk about with your mentor?"
    assert any(prompt in p.reasons for p in pairs)


def test_a_waiting_registration_shows_its_answers_and_merges_them(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    add(admin_client, program_id, TEAM)
    import_csv(admin_client, program_id, "participants.csv")
    with app.app_context():
        token = InviteToken(
            token="a-registration",
            kind=LinkKind.SELF,
            program_id=program_id,
            email="erin.lu@example.org",
            pending_row={"email": "erin.lu@example.org", "name": "E", "role": "mentor"}
            | {"offers": "sponsorship", "team": "Blue"},
            expires_at=utcnow() + timedelta(days=1),
        )
        db.session.add(token)
        db.session.commit()
        url = f"/programs/{program_id}/registrations/{token.id}"
    page = admin_client.get(url).get_data(as_text=True)
    assert re.search(
        r'<th scope="row">Which team are you on\?</th>\s*<td>—</td>\s*<td>Blue</td>', page
    )
    assert admin_client.post(url + "/merge").status_code == 302
    assert answers(app, program_id)["erin.lu@example.org"] == {"team": "Blue"}
