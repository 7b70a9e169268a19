"""Cohorts: starting the next cohort (everyone, or those who say yes by the e-mailed link),
never-pairs and priority carried over, earlier cohorts readable and erasable, and the
outcomes per cohort on a worked example checked by hand."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.web.matching import pairs_of, run_to_end
from tests.web.smtp import SmtpSink
from webapp import jobs
from webapp.answers import never_pairs
from webapp.cohort_models import CohortStart
from webapp.cohorts import NEXT_COHORT, UNMATCHED_LAST_COHORT, unmatched_last_cohort
from webapp.db import db
from webapp.models import Participant, Program
from webapp.pair_models import AnswerPolicy, NeverPair, Pair
from webapp.run_models import MatchRun, ProposedMatch

INTAKE = datetime(2027, 1, 1)
#: The worked example's people: (name, seeks, offers, department).
PEOPLE = {
    "ana": ("expertise", "", "Sales"),
    "bo": ("expertise;sponsorship", "", "Sales"),
    "cy": ("expertise", "", ""),
    "dee": ("expertise", "", "Ops"),
    "mia": ("", "expertise;sponsorship", "Eng"),
    "max": ("", "expertise", "Eng"),
}
#: Its published pairs: (mentee, mentor, status, days from intake to the answer).
PAIRS = [
    ("ana", "mia", "accepted", 10),
    ("bo", "max", "declined", 5),
    ("bo", "mia", "accepted", 20),
    ("cy", "max", "published", None),
    ("dee", "max", "declined", 3),
]
#: The requests its latest run proposed a mentor for (type expertise).
PROPOSED = [("ana", "mia"), ("bo", "mia"), ("cy", "max"), ("dee", "max")]


def email(name: str) -> str:
    return f"{name}@example.org"


def spring(app: Flask) -> int:
    """The worked example: a cohort with six people, five published pairs, three
    never-pairs (two from declines, one an admin's), a finished run and answer settings."""
    with app.app_context():
        program = Program(name="Spring", config={}, starts_on=date(2027, 1, 1))
        db.session.add(program)
        for name, (seeks, offers, department) in PEOPLE.items():
            db.session.add(
                Participant(
                    program=program,
                    email=email(name),
                    name=name.capitalize(),
                    role="mentee" if seeks else "mentor",
                    seeks=seeks,
                    offers=offers,
                    department=department,
                    expertise_wanted="sql" if seeks else "",
                    expertise="sql" if offers else "",
                    capacity=3 if offers else 1,
                    created_at=INTAKE,
                )
            )
        db.session.flush()
        for mentee, mentor, status, days in PAIRS:
            settled = INTAKE.replace(day=1 + days) if days else None
            db.session.add(
                Pair(
                    program_id=program.id,
                    mentee_email=email(mentee),
                    mentor_email=email(mentor),
                    mentor_type="expertise",
                    status=status,
                    published_by="admin@example.org",
                    deadline=datetime(2027, 3, 1),
                    settled_at=settled,
                )
            )
        for first, second in (("bo", "max"), ("dee", "max"), ("cy", "mia")):
            db.session.add(
                NeverPair(
                    program_id=program.id,
                    first_email=email(first),
                    second_email=email(second),
                    why="declined by the mentee",
                    created_by=email(first),
                )
            )
        run = MatchRun(program_id=program.id, status="done", created_by="admin@example.org")
        db.session.add(run)
        db.session.flush()
        for mentee, mentor in PROPOSED:
            db.session.add(
                ProposedMatch(
                    run_id=run.id,
                    mentee_email=email(mentee),
                    mentee_name=mentee,
                    mentor_email=email(mentor),
                    mentor_name=mentor,
                    mentor_type="expertise",
                    score=50.0,
                )
            )
        db.session.add(
            AnswerPolicy(program_id=program.id, days=10, must_accept="mentee", checkin_days=30)
        )
        db.session.commit()
        return program.id


def start_next(client: FlaskClient, program_id: int, carry: str, name: str = "Autumn") -> int:
    """Start the next cohort of ``program_id`` from its form; the new cohort's id."""
    response = client.post(
        f"/programs/{program_id}/next-cohort",
        data={"name": name, "starts_on": "2027-09-01", "ends_on": "2028-02-28", "carry": carry},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.location).get_data(as_text=True)
    assert "has started" in page, page
    with client.application.app_context():
        return db.session.scalars(select(Program.id).where(Program.name == name)).one()


def test_start_next_cohort_carries_people_priority_and_never_pairs(
    app: Flask, admin_client: FlaskClient
) -> None:
    spring_id = spring(app)
    assert "Start the next cohort" in admin_client.get(f"/programs/{spring_id}/").text
    autumn_id = start_next(admin_client, spring_id, "all")
    with app.app_context():
        autumn = db.session.get_one(Program, autumn_id)
        assert (autumn.series_id, autumn.cohort_number) == (spring_id, 2)
        assert (autumn.starts_on, autumn.ends_on) == (date(2027, 9, 1), date(2028, 2, 28))
        policy = db.session.get_one(AnswerPolicy, autumn_id)
        assert (policy.days, policy.checkin_days) == (10, 30)
        people = db.session.scalars(
            select(Participant).where(Participant.program_id == autumn_id)
        ).all()
        reasons = {p.email: p.priority_reason for p in people}
        # the flagged people get the priority the matching honours, nobody else does
        assert {p.email for p in people if p.priority} == {email("bo"), email("dee")}
        # bo's sponsorship request had no pair; dee's only pair was declined; cy waits
        assert reasons == {
            **{email(n): "" for n in PEOPLE},
            email("bo"): UNMATCHED_LAST_COHORT,
            email("dee"): UNMATCHED_LAST_COHORT,
        }
        assert unmatched_last_cohort(autumn_id) == {email("bo"), email("dee")}
        assert unmatched_last_cohort(spring_id) == set()
        # every published pair, whatever became of it, and every never-pair of Spring
        expected = {tuple(sorted((email(a), email(b)))) for a, b, _, _ in PAIRS}
        assert set(never_pairs(autumn_id)) == expected | {(email("cy"), email("mia"))}
        assert db.session.scalar(
            select(func.count()).where(Participant.program_id == spring_id)
        ) == len(PEOPLE)
    table = admin_client.get(f"/programs/{autumn_id}/participants/").text
    assert table.count(f"<td>{UNMATCHED_LAST_COHORT}</td>") == 2
    assert table.count(">priority</span>") == 2
    listing = admin_client.get("/programs/").text
    assert listing.count("Autumn") == 1 and re.search(r"Autumn.*cohort 2.*Spring", listing, re.S)
    again = admin_client.get(f"/programs/{spring_id}/next-cohort").text
    assert "has started already" in again and "Autumn" in again
    # a run of the next cohort proposes no earlier pair: only ana-max and dee-mia remain
    run = run_to_end(app, admin_client, autumn_id)
    assert run.status == "done", run.error
    found = {(p.mentee_email, p.mentor_email): p for p in pairs_of(app, run.id)}
    assert set(found) == {(email("ana"), email("max")), (email("dee"), email("mia"))}
    assert "priority: unmatched last cohort" in found[(email("dee"), email("mia"))].reasons
    assert "priority" not in found[(email("ana"), email("max"))].reasons


def test_opt_in_by_the_emailed_link_adds_only_those_who_say_yes(
    mail_app: Flask, mail_admin: FlaskClient, smtp_server: SmtpSink
) -> None:
    spring_id = spring(mail_app)
    autumn_id = start_next(mail_admin, spring_id, "opt_in")
    arrived = smtp_server.wait_for(len(PEOPLE))
    assert sorted(r.recipients[0] for r in arrived) == sorted(email(n) for n in PEOPLE)
    [mail] = smtp_server.to(email("dee"))
    assert mail.message["Subject"] == "Spring: stay for Autumn?"
    for text in (mail.text, mail.html):
        assert "level" not in text.lower() and "priority" not in text.lower()
    path = re.search(r"https?://[^/\s]+(/me/[\w-]+/stay)", mail.text)[1]
    visitor = mail_app.test_client()
    own_page = path.removesuffix("/stay")
    assert f'href="{path}">Stay for Autumn?</a>' in visitor.get(own_page).text
    assert "Yes, I stay" in visitor.get(path).text
    with mail_app.app_context():  # looking at the link adds nobody
        assert (
            db.session.scalar(select(func.count()).where(Participant.program_id == autumn_id)) == 0
        )
    answered = visitor.post(path, follow_redirects=True).text
    assert "you are in Autumn" in answered
    visitor.post(path)  # a second yes changes nothing
    assert "Stay for Autumn?" not in visitor.get(own_page).text  # in it now
    with mail_app.app_context():
        [dee] = db.session.scalars(select(Participant).where(Participant.program_id == autumn_id))
        assert (dee.email, dee.priority_reason) == (email("dee"), UNMATCHED_LAST_COHORT)
        assert (dee.expertise_wanted, dee.department) == ("sql", "Ops")
        assert len(never_pairs(autumn_id)) == len(PAIRS) + 1


def test_an_earlier_cohort_stays_readable_and_a_person_in_it_can_be_erased(
    app: Flask, admin_client: FlaskClient
) -> None:
    spring_id = spring(app)
    autumn_id = start_next(admin_client, spring_id, "all")
    with app.app_context():
        bo = db.session.scalars(
            select(Participant).where(
                Participant.program_id == spring_id, Participant.email == email("bo")
            )
        ).one()
    base = f"/programs/{spring_id}"
    for page in ("/", "/participants/", "/outcomes", "/settings", "/history", "/outcomes.csv"):
        assert admin_client.get(base + page).status_code == 200, page
    exported = admin_client.get(f"{base}/participants/{bo.id}/export.json").json
    assert {p["mentor_email"] for p in exported["published_pairs"]} == {email("max"), email("mia")}
    assert admin_client.post(f"{base}/participants/{bo.id}/erase").status_code == 302
    with app.app_context():
        left = db.session.scalars(select(Pair.mentee_email).where(Pair.program_id == spring_id))
        assert email("bo") not in set(left)
        assert admin_client.get(f"{base}/outcomes").status_code == 200
        # the next cohort is a program of its own: its copy of bo stays until erased there
        assert email("bo") in {
            p.email
            for p in db.session.scalars(
                select(Participant).where(Participant.program_id == autumn_id)
            )
        }


def test_the_start_form_names_each_wrong_field(app: Flask, admin_client: FlaskClient) -> None:
    spring_id = spring(app)
    cases = {
        "The end date must come after the start date.": {"ends_on": "2027-08-01"},
        "Another program already has this name": {"name": "Spring"},
        "Give the start date, as YYYY-MM-DD.": {"starts_on": "1 Sept"},
        "At most 200 characters": {"name": "x" * 201},
    }
    good = {"name": "Autumn", "starts_on": "2027-09-01", "ends_on": "2028-02-28", "carry": "all"}
    for message, change in cases.items():
        response = admin_client.post(f"/programs/{spring_id}/next-cohort", data={**good, **change})
        assert response.status_code == 200 and message in response.text, message
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Program)) == 1


def test_a_second_start_of_the_same_cohort_fails_and_changes_nothing(
    app: Flask, admin_client: FlaskClient
) -> None:
    """Two admins pressing "Start" at once: the job that comes second makes nothing."""
    spring_id = spring(app)
    start_next(admin_client, spring_id, "all")
    with app.app_context():
        late = CohortStart(
            program_id=spring_id,
            name="Autumn bis",
            starts_on=date(2027, 9, 1),
            ends_on=date(2028, 2, 28),
            carry="all",
            requested_by="other@example.org",
            base_url="http://mentorloom.test/",
        )
        db.session.add(late)
        db.session.commit()
        jobs.perform(NEXT_COHORT, late.id)
        db.session.refresh(late)
        assert late.status == "failed" and "was started meanwhile" in late.error
        assert db.session.scalar(select(func.count()).select_from(Program)) == 2


#: The worked example's outcomes by hand: requests (ana 1, bo 2, cy 1, dee 1), matched
#: (PROPOSED), published (PAIRS), waiting, accepted, declined, active, ended, rematched
#: (bo's expertise request was published twice), median days from intake to acceptance
#: (10 and 20).
EXPECTED = {
    ("all", "all"): [5, 4, 5, 1, 2, 2, 0, 0, 1, 15.0],
    ("mentor type", "expertise"): [4, 4, 5, 1, 2, 2, 0, 0, 1, 15.0],
    ("mentor type", "sponsorship"): [1, 0, 0, 0, 0, 0, 0, 0, 0, None],
    ("department", "(none)"): [1, 1, 1, 1, 0, 0, 0, 0, 0, None],
    ("department", "Ops"): [1, 1, 1, 0, 0, 1, 0, 0, 0, None],
    ("department", "Sales"): [3, 2, 3, 0, 2, 1, 0, 0, 1, 15.0],
}
FIGURES = [
    "requests",
    "matched",
    "published",
    "waiting",
    "accepted",
    "declined",
    "active",
    "ended",
    "rematched",
    "median_days_to_accept",
]


def test_outcomes_of_the_worked_example_per_cohort_and_across_cohorts(
    app: Flask, admin_client: FlaskClient
) -> None:
    spring_id = spring(app)
    autumn_id = start_next(admin_client, spring_id, "all")
    data = admin_client.get(f"/programs/{autumn_id}/outcomes.csv").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert list(rows[0]) == [
        "cohort",
        "cohort_number",
        "starts_on",
        "ends_on",
        "breakdown",
        "group",
        *FIGURES,
    ]
    found = {
        (r["breakdown"], r["group"]): [float(r[f]) if r[f] else None for f in FIGURES]
        for r in rows
        if r["cohort"] == "Spring"
    }
    assert {k: found[k] for k in EXPECTED} == EXPECTED
    assert found[("mentor type", "developmental")] == [0, 0, 0, 0, 0, 0, 0, 0, 0, None]
    autumn = [r for r in rows if r["cohort"] == "Autumn" and r["breakdown"] == "all"]
    assert [(r["cohort_number"], r["requests"], r["published"]) for r in autumn] == [
        ("2", "5", "0")
    ]
    page = admin_client.get(f"/programs/{spring_id}/outcomes").text
    assert "review.css" in page  # the charts' colours (without it every bar is black)
    assert page.count('role="img"') == 5 and page.count("<caption>") == 3
    assert "2 of 4 (50%)" in page  # expertise: 2 accepted of 4 requests
    assert re.search(r"<th scope=\"row\">Autumn</th>\s*<td>5</td>", page)
