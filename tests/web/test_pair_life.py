"""A published pair's life and the first-meeting check (issue 17, items 1 and 2): every
move and who may make it, ending a pair with a reason, the check-in's timing (due,
reminder, asked again once) through the local SMTP server, "not a fit" from the side the
program names, and what participants read of it."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta

import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from tests.web.helpers import ADMIN_EMAIL
from tests.web.matching import publish, run_to_end
from tests.web.smtp import SmtpSink
from tests.web.test_participant_page import (
    answer,
    apart,
    events,
    page_path,
    set_policy,
    stored_pair,
)
from webapp.checkins import fit_rates, send_due
from webapp.db import db
from webapp.matching import pairs as pairs_page
from webapp.models import AuditEvent, utcnow
from webapp.pair_life import ALLOWED, LIFE_COLUMNS, MoveRefusedError, activate, end_pair
from webapp.pair_models import Checkin, EndReason, NeverPair, Pair, PairStatus, PairStep
from webapp.run_models import MatchRun, PairDecision, ProposedMatch

#: Words a participant never reads.
ADMIN_WORDS = re.compile(r"\b(level|generation|score|rule)s?\b", re.IGNORECASE)


def end(admin: FlaskClient, program_id: int, pair_id: int, reason: str, note: str = "") -> str:
    """End a pair from the pairs list; the page it comes back to."""
    response = admin.post(
        f"/programs/{program_id}/pairs/{pair_id}/end",
        data={"reason": reason, "note": note},
        follow_redirects=True,
    )
    assert response.status_code == 200, response.text
    return response.text


def mark_active(admin: FlaskClient, program_id: int, pair_id: int) -> str:
    response = admin.post(f"/programs/{program_id}/pairs/{pair_id}/active", follow_redirects=True)
    assert response.status_code == 200, response.text
    return response.text


def status_of(app: Flask, pair_id: int) -> str:
    with app.app_context():
        return db.session.get_one(Pair, pair_id).status


def decision_of(app: Flask, pair: ProposedMatch) -> str:
    with app.app_context():
        return db.session.scalars(
            select(PairDecision.action).filter_by(
                mentee_email=pair.mentee_email,
                mentor_email=pair.mentor_email,
                mentor_type=pair.mentor_type,
            )
        ).one()


def never_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(NeverPair)) or 0


def check(client: FlaskClient, path: str, checkin_id: int, fit: str, comment: str = "") -> str:
    """Answer a first-meeting check-in on the person's page; the page after."""
    response = client.post(
        f"{path}/checkins/{checkin_id}",
        data={"fit": fit, "comment": comment},
        follow_redirects=True,
    )
    assert response.status_code == 200, response.text
    return response.text


def checkin_of(app: Flask, pair_id: int, side: str, round_: int = 1) -> int:
    with app.app_context():
        return db.session.scalars(
            select(Checkin.id).filter_by(pair_id=pair_id, side=side, round=round_)
        ).one()


def publish_all(admin: FlaskClient, smtp_server: SmtpSink, approved: tuple, **policy: str) -> None:
    """Publish the approved pairs under the answer settings ``policy``; the e-mails arrived."""
    program_id, run, _ = approved
    set_policy(admin, program_id, **policy)
    publish(admin, program_id, run.id)
    smtp_server.wait_for(6)


@pytest.fixture
def published(
    mail_admin: FlaskClient, smtp_server: SmtpSink, approved: tuple
) -> tuple[int, MatchRun, list[ProposedMatch]]:
    """The approved pairs published; both people must accept."""
    publish_all(mail_admin, smtp_server, approved)
    return approved


@pytest.fixture
def accepted(
    mail_app: Flask, mail_admin: FlaskClient, smtp_server: SmtpSink, approved: tuple
) -> tuple[int, list[ProposedMatch], datetime]:
    """The approved pairs published when nobody must accept, so accepted at once; the
    check-ins come 21 days after and only the mentor's "not a fit" ends a pair. The time
    they were accepted."""
    program_id, _, pairs = approved
    publish_all(
        mail_admin,
        smtp_server,
        approved,
        must_accept="nobody",
        checkin_days="21",
        checkin_ends="mentor",
    )
    settled = stored_pair(mail_app, pairs[0]).settled_at
    assert settled is not None
    return program_id, pairs, settled


def test_an_admin_moves_a_pair_through_its_life_and_every_other_move_is_refused(
    mail_app: Flask, mail_admin: FlaskClient, smtp_server: SmtpSink, published: tuple
) -> None:
    program_id, run, pairs = published
    first, other = apart(pairs)
    pair = stored_pair(mail_app, first)
    page = mark_active(mail_admin, program_id, pair.id)
    assert "the match is published, so it cannot become active" in page
    assert status_of(mail_app, pair.id) == "published"
    client = mail_app.test_client()
    for email in (first.mentee_email, first.mentor_email):
        answer(client, page_path(smtp_server, email), pair.id, "accept")
    assert status_of(mail_app, pair.id) == "accepted"

    page = end(mail_admin, program_id, pair.id, "other")
    assert "Say why the match ends when the reason is “other”. Nothing was saved." in page
    assert status_of(mail_app, pair.id) == "accepted"
    mark_active(mail_admin, program_id, pair.id)
    assert status_of(mail_app, pair.id) == "active"
    page = end(mail_admin, program_id, pair.id, "completed")
    assert "The match ended (completed)." in page
    assert status_of(mail_app, pair.id) == "ended"
    assert "the match is ended, so it cannot become ended" in end(
        mail_admin, program_id, pair.id, "left"
    )
    assert "cannot become active" in mark_active(mail_admin, program_id, pair.id)
    # completed: no never-pair, the request stays filled
    assert never_count(mail_app) == 0 and decision_of(mail_app, first) == "approve"
    with mail_app.app_context():
        actors = db.session.scalars(select(AuditEvent.actor).filter_by(action="pair.end")).all()
    assert actors == [ADMIN_EMAIL]
    assert events(mail_app, "pair.end") == [
        {
            "mentee": first.mentee_email,
            "mentor": first.mentor_email,
            "mentor_type": first.mentor_type,
            "reason": "completed",
        }
    ]
    with mail_app.app_context():
        steps = db.session.execute(
            select(PairStep.status, PairStep.moved_by, PairStep.reason)
            .filter_by(pair_id=pair.id)
            .order_by(PairStep.id)
        ).all()
    assert [tuple(s) for s in steps] == [
        ("published", ADMIN_EMAIL, ""),
        ("accepted", first.mentor_email, ""),
        ("active", ADMIN_EMAIL, ""),
        ("ended", ADMIN_EMAIL, "completed"),
    ]
    review = mail_admin.get(
        f"/programs/{program_id}/runs/{run.id}/mentee", query_string={"email": first.mentee_email}
    ).text
    assert "Published matches and their life" in review
    for step in ("proposed", "approved", "published", "accepted", "active", "ended"):
        assert f'<span class="status {step}">{step}</span>' in review
    mine = client.get(page_path(smtp_server, first.mentee_email)).text
    for said in ("Introduced", "Confirmed", "Going well since", "Ended (completed)"):
        assert f"<dt>{said}</dt>" in mine
    assert "This match has ended." in mine and ADMIN_EMAIL not in mine

    # "other" with a text: the text is for admins only
    second = stored_pair(mail_app, other)
    end(mail_admin, program_id, second.id, "other", "Confidential: HR case 42")
    listing = mail_admin.get(f"/programs/{program_id}/pairs/").text
    assert "Confidential: HR case 42" in listing
    theirs = client.get(page_path(smtp_server, other.mentee_email)).text
    assert "<dt>Ended</dt>" in theirs and "HR case 42" not in theirs
    assert not ADMIN_WORDS.search(re.sub(r"<[^>]+>", " ", theirs))


def test_ending_for_no_chemistry_keeps_the_two_apart_for_every_type_and_reopens_the_request(
    mail_app: Flask, mail_admin: FlaskClient, published: tuple
) -> None:
    program_id, _, pairs = published
    first = pairs[0]
    pair = stored_pair(mail_app, first)
    end(mail_admin, program_id, pair.id, "no_chemistry", "They never clicked")
    ended = stored_pair(mail_app, first)
    assert (ended.status, ended.end_reason) == ("ended", "no_chemistry")
    assert decision_of(mail_app, first) == "reject"
    with mail_app.app_context():
        never = db.session.scalars(select(NeverPair)).one()
        assert {never.first_email, never.second_email} == {first.mentee_email, first.mentor_email}
        assert (never.why, never.note) == ("no chemistry", "They never clicked")
    assert first.mentee_name in mail_admin.get(f"/programs/{program_id}/rematch").text
    csv = mail_admin.get(f"/programs/{program_id}/pairs/pairs.csv")
    frame = pd.read_csv(io.BytesIO(csv.data), encoding="utf-8-sig", keep_default_na=False)
    assert set(LIFE_COLUMNS) <= set(frame.columns)
    row = frame[frame.mentee_email == first.mentee_email].iloc[0]
    assert (row.pair_status, row.end_reason) == ("ended", "no chemistry")
    assert row.published_at_utc and row.ended_at_utc and not row.accepted_at_utc

    again = run_to_end(mail_app, mail_admin, program_id)
    with mail_app.app_context():
        between = db.session.scalar(
            select(func.count()).where(
                ProposedMatch.run_id == again.id,
                ProposedMatch.mentee_email == first.mentee_email,
                ProposedMatch.mentor_email == first.mentor_email,
            )
        )
    assert between == 0


def test_the_first_meeting_check_is_sent_when_due_reminded_once_and_asked_again_once(
    mail_app: Flask, mail_admin: FlaskClient, smtp_server: SmtpSink, accepted: tuple
) -> None:
    program_id, pairs, settled = accepted
    first, second = apart(pairs)
    a, b = stored_pair(mail_app, first), stored_pair(mail_app, second)
    with mail_app.app_context():
        assert not send_due(program_id, settled + timedelta(days=20, hours=23))
        assert send_due(program_id, settled + timedelta(days=21)) == {"asked": 6}
        assert not send_due(program_id, settled + timedelta(days=22))  # never twice
    arrived = smtp_server.wait_for(12)
    checkins = [m for m in arrived if "first conversations" in m.message["Subject"]]
    assert len(checkins) == 6
    mail = smtp_server.to(first.mentee_email)[-1]
    assert "How did your first conversations go?" in mail.text
    assert first.mentor_name in mail.text and not ADMIN_WORDS.search(mail.text)
    with mail_app.app_context():
        assert not send_due(program_id, settled + timedelta(days=27, hours=23))
        assert send_due(program_id, settled + timedelta(days=28)) == {"reminded": 6}
        assert not send_due(program_id, settled + timedelta(days=40))
    reminders = [m for m in smtp_server.wait_for(18) if "reminder" in m.message["Subject"]]
    assert len(reminders) == 6

    client = mail_app.test_client()
    mentee_a, mentor_a = (page_path(smtp_server, e) for e in (a.mentee_email, a.mentor_email))
    assert "How did your first conversations go?" in client.get(mentee_a).text
    page = check(client, mentee_a, checkin_of(mail_app, a.id, "mentee"), "not_sure", "Early days")
    assert "We will ask you once more" in page
    now = utcnow()
    with mail_app.app_context():
        assert not send_due(program_id, now + timedelta(days=20))
        assert send_due(program_id, now + timedelta(days=21, minutes=1)) == {"asked": 1}
    assert "once more" in smtp_server.wait_for(19)[-1].text
    # the program names the mentor: the mentee's "not a fit" is only recorded
    page = check(client, mentee_a, checkin_of(mail_app, a.id, "mentee", 2), "not_a_fit")
    assert "The program team will be in touch" in page
    assert status_of(mail_app, a.id) == "accepted" and never_count(mail_app) == 0
    with mail_app.app_context():
        assert not send_due(program_id, now + timedelta(days=90))  # asked again once only
    check(client, mentor_a, checkin_of(mail_app, a.id, "mentor"), "great")
    assert status_of(mail_app, a.id) == "active"

    mentor_b = page_path(smtp_server, b.mentor_email)
    response = client.post(
        f"{mentee_a}/checkins/{checkin_of(mail_app, b.id, 'mentor')}", data={"fit": "great"}
    )
    assert response.status_code == 404  # a link answers only its own person's check-ins
    page = check(client, mentor_b, checkin_of(mail_app, b.id, "mentor"), "maybe")
    assert "How did your first conversations go? Not a valid choice." in page
    assert status_of(mail_app, b.id) == "accepted"
    page = check(client, mentor_b, checkin_of(mail_app, b.id, "mentor"), "not_a_fit", "No spark")
    assert "The match has ended" in page
    ended = stored_pair(mail_app, second)
    assert (ended.status, ended.end_reason) == ("ended", "no_chemistry")
    assert decision_of(mail_app, second) == "reject" and never_count(mail_app) == 1
    mentee_b = page_path(smtp_server, b.mentee_email)
    late = check(client, mentee_b, checkin_of(mail_app, b.id, "mentee"), "great")
    assert "or the match has ended" in late and status_of(mail_app, b.id) == "ended"
    with mail_app.app_context():
        rates = fit_rates(program_id)
    assert sum(answered for _, answered in rates.values()) == 4
    assert sum(great for great, _ in rates.values()) == 1
    dashboard = mail_admin.get(f"/programs/{program_id}/runs/{a.run_id}/dashboard").text
    assert "First-meeting check: fit per type" in dashboard
    for mentor_type, (great, answered) in rates.items():
        shown = f"<td>{mentor_type}</td><td>{great / answered:.0%} ({great} of {answered})</td>"
        assert shown in dashboard


def test_due_check_ins_go_out_on_a_look_or_by_the_command_and_never_twice(
    mail_app: Flask, smtp_server: SmtpSink, accepted: tuple
) -> None:
    program_id, pairs, _ = accepted
    with mail_app.app_context():
        db.session.execute(
            update(Pair)
            .where(Pair.program_id == program_id)
            .values(settled_at=utcnow() - timedelta(days=22))
        )
        db.session.commit()
    page = mail_app.test_client().get(page_path(smtp_server, pairs[0].mentee_email)).text
    assert "How did your first conversations go?" in page
    assert 'type="radio"' in page and "Not sure yet" in page
    result = mail_app.test_cli_runner().invoke(args=["send-checkins"])
    assert result.exit_code == 0, result.output
    assert "Sent 0 check-ins and 0 reminders." in result.output
    with mail_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Checkin)) == 6
        db.session.execute(update(Checkin).values(sent_at=utcnow() - timedelta(days=8)))
        db.session.commit()
    result = mail_app.test_cli_runner().invoke(args=["send-checkins"])
    assert "Sent 0 check-ins and 6 reminders." in result.output
    assert len(smtp_server.wait_for(18)) == 18


def test_the_check_in_settings_are_checked_and_saved(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    form = {"must_accept": "both", "days": "7", "silence": "accepted", "contact": ""}
    url = f"/programs/{program_id}/settings/answers"
    for bad in ("0", "91", "soon"):
        page = admin_client.post(
            url, data={**form, "checkin_days": bad, "checkin_ends": "mentee"}, follow_redirects=True
        ).text
        assert "First-meeting check: days after acceptance:" in page
        assert "Nothing was saved." in page
    settings = admin_client.get(f"/programs/{program_id}/settings").text
    assert 'name="checkin_days"' in settings and 'value="21"' in settings
    admin_client.post(url, data={**form, "checkin_days": "30", "checkin_ends": "mentee"})
    settings = admin_client.get(f"/programs/{program_id}/settings").text
    assert 'value="30"' in settings
    assert '<option selected value="mentee">' in settings


@pytest.mark.parametrize("status", list(PairStatus))
def test_every_move_the_life_does_not_allow_is_refused_before_anything_changes(
    status: PairStatus,
) -> None:
    for target, make in (
        (PairStatus.ACTIVE, lambda pair: activate(pair, ADMIN_EMAIL, utcnow())),
        (PairStatus.ENDED, lambda pair: end_pair(pair, EndReason.LEFT, "", ADMIN_EMAIL, utcnow())),
    ):
        pair = Pair(status=status.value)
        if target in ALLOWED[status]:
            continue
        with pytest.raises(MoveRefusedError, match=f"is {status.value}, so it cannot"):
            make(pair)
        assert pair.status == status.value
    assert ALLOWED[PairStatus.ACCEPTED] == {PairStatus.ACTIVE, PairStatus.ENDED}
    assert not ALLOWED[PairStatus.DECLINED] and not ALLOWED[PairStatus.ENDED]


def test_published_matches_come_a_page_at_a_time(
    mail_admin: FlaskClient, published: tuple, monkeypatch: pytest.MonkeyPatch
) -> None:
    program_id, _, pairs = published
    monkeypatch.setattr(pairs_page, "PAIRS_PAGE_SIZE", 2)
    first = mail_admin.get(f"/programs/{program_id}/pairs/").text
    second = mail_admin.get(f"/programs/{program_id}/pairs/?page=2").text
    assert "3 in all, 2 to a page" in first and "Page 1 of 2" in first
    assert first.count('class="pair"') == 2 and second.count('class="pair"') == 1
    shown = [p.mentee_name for p in pairs if p.mentee_name in first + second]
    assert sorted(shown) == sorted(p.mentee_name for p in pairs)
