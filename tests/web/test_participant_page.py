"""The participant's own page: reached from the introduction e-mail's link, it shows their
answers and matches, takes Accept and Decline, opens only its own person's data, and
never shows levels, generations, admin notes or rule names."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from matcher import first_agenda
from tests.web.helpers import import_csv
from tests.web.matching import decide, pairs_of, publish, run_to_end
from tests.web.smtp import SmtpSink
from webapp.db import db
from webapp.models import AuditEvent, InviteToken, Participant, Program, utcnow
from webapp.pair_models import REASON_MAX_CHARS, NeverPair, Pair
from webapp.run_models import MatchRun, PairDecision, ProposedMatch

LINK = re.compile(r"http://mentorloom\.test(/me/[\w-]+)")


def page_path(smtp_server: SmtpSink, email: str) -> str:
    """The path of ``email``'s own page, from the introduction e-mail that reached them."""
    found = LINK.search(smtp_server.to(email)[-1].text)
    assert found, f"no link to a page in the e-mail to {email}"
    return found.group(1)


def stored_pair(app: Flask, pair: ProposedMatch) -> Pair:
    with app.app_context():
        found = db.session.scalars(
            select(Pair).where(
                Pair.mentee_email == pair.mentee_email,
                Pair.mentor_email == pair.mentor_email,
                Pair.mentor_type == pair.mentor_type,
            )
        ).one()
        db.session.expunge(found)
        return found


def answer(client: FlaskClient, path: str, pair_id: int, given: str, reason: str = "") -> str:
    response = client.post(
        f"{path}/pairs/{pair_id}", data={"answer": given, "reason": reason}, follow_redirects=True
    )
    assert response.status_code == 200, response.text
    return response.text


def set_policy(admin: FlaskClient, program_id: int, **values: str) -> str:
    form = {"must_accept": "both", "days": "7", "silence": "accepted", "contact": "", **values}
    response = admin.post(
        f"/programs/{program_id}/settings/answers", data=form, follow_redirects=True
    )
    assert response.status_code == 200
    return response.text


def overdue(app: Flask, pair: Pair) -> None:
    """Let the pair's deadline pass (as if days went by)."""
    with app.app_context():
        db.session.execute(
            update(Pair).where(Pair.id == pair.id).values(deadline=utcnow() - timedelta(hours=1))
        )
        db.session.commit()


def events(app: Flask, action: str) -> list[dict]:
    with app.app_context():
        return [e.detail for e in db.session.scalars(select(AuditEvent).filter_by(action=action))]


def apart(pairs: list[ProposedMatch]) -> tuple[ProposedMatch, ProposedMatch]:
    """Two of ``pairs`` that do not join the same two people."""
    first = pairs[0]
    second = next(
        p
        for p in pairs[1:]
        if {p.mentee_email, p.mentor_email} != {first.mentee_email, first.mentor_email}
    )
    return first, second


@pytest.fixture
def published(
    mail_app: Flask, mail_admin: FlaskClient, smtp_server: SmtpSink, approved: tuple
) -> tuple[int, MatchRun, list[ProposedMatch]]:
    """The approved pairs, published with the program's contact set; the e-mails arrived."""
    program_id, run, pairs = approved
    set_policy(mail_admin, program_id, contact="Mia Okafor (HR)")
    publish(mail_admin, program_id, run.id)
    smtp_server.wait_for(6)
    return program_id, run, pairs


def test_the_page_shows_the_persons_answers_and_each_match_with_reasons_and_agenda(
    mail_app: Flask, smtp_server: SmtpSink, published: tuple
) -> None:
    _, _, pairs = published
    first = pairs[0]
    client = mail_app.test_client()
    page = client.get(page_path(smtp_server, first.mentee_email)).text
    assert first.mentee_name in page and "Your answers" in page
    assert "your answers are locked" in page and "Mia Okafor (HR)" in page
    assert first.mentor_name in page and first.mentor_email in page
    assert first_agenda(first.mentor_type)[0] in page
    for reason in stored_pair(mail_app, first).reasons:
        assert reason.replace("'", "&#39;") in page
    assert ">Accept</button>" in page and ">Decline</button>" in page


def test_the_match_is_accepted_once_both_accept(
    mail_app: Flask, mail_admin: FlaskClient, smtp_server: SmtpSink, published: tuple
) -> None:
    program_id, run, pairs = published
    first = pairs[0]
    pair = stored_pair(mail_app, first)
    client = mail_app.test_client()
    page = answer(client, page_path(smtp_server, first.mentee_email), pair.id, "accept")
    assert "once the other answers are in" in page
    assert stored_pair(mail_app, first).status == "published"
    page = answer(client, page_path(smtp_server, first.mentor_email), pair.id, "accept")
    assert "the match is confirmed" in page
    settled = stored_pair(mail_app, first)
    assert (settled.status, settled.settled_by) == ("accepted", first.mentor_email)
    assert len(events(mail_app, "pair.accept")) == 2
    review = mail_admin.get(f"/programs/{program_id}/runs/{run.id}/review").text
    assert review.count('class="published accepted"') == 1


def test_when_only_the_mentee_must_accept_their_accept_settles_the_match(
    mail_app: Flask, mail_admin: FlaskClient, smtp_server: SmtpSink, published: tuple
) -> None:
    program_id, _, pairs = published
    set_policy(mail_admin, program_id, must_accept="mentee")
    pair = stored_pair(mail_app, pairs[0])
    answer(mail_app.test_client(), page_path(smtp_server, pairs[0].mentee_email), pair.id, "accept")
    assert stored_pair(mail_app, pairs[0]).status == "accepted"


def test_when_nobody_must_accept_a_published_match_is_accepted_at_once(
    mail_app: Flask, mail_admin: FlaskClient, smtp_server: SmtpSink, approved: tuple
) -> None:
    program_id, run, pairs = approved
    set_policy(mail_admin, program_id, must_accept="nobody")
    publish(mail_admin, program_id, run.id)
    smtp_server.wait_for(6)
    settled = stored_pair(mail_app, pairs[0])
    assert (settled.status, settled.settled_by) == ("accepted", "program")
    assert "The match is confirmed" in smtp_server.to(pairs[0].mentee_email)[0].text
    page = mail_app.test_client().get(page_path(smtp_server, pairs[0].mentee_email)).text
    assert ">Accept</button>" not in page and "you two are a match" in page


def test_a_decline_ends_the_pair_and_a_rerun_proposes_someone_else_keeping_accepted_pairs(
    mail_app: Flask, mail_admin: FlaskClient, smtp_server: SmtpSink, published: tuple
) -> None:
    program_id, run, pairs = published
    kept, declined = apart(pairs)
    client = mail_app.test_client()
    kept_pair, declined_pair = stored_pair(mail_app, kept), stored_pair(mail_app, declined)
    for email in (kept.mentee_email, kept.mentor_email):
        answer(client, page_path(smtp_server, email), kept_pair.id, "accept")
    page = answer(
        client,
        page_path(smtp_server, declined.mentor_email),
        declined_pair.id,
        "decline",
        "Our schedules never meet",
    )
    assert "find you someone else" in page
    assert stored_pair(mail_app, declined).status == "declined"
    with mail_app.app_context():
        decision = db.session.scalars(
            select(PairDecision).filter_by(
                mentee_email=declined.mentee_email, mentor_email=declined.mentor_email
            )
        ).one()
        assert decision.action == "reject"
        never = db.session.scalars(select(NeverPair)).one()
        assert {never.first_email, never.second_email} == {
            declined.mentee_email,
            declined.mentor_email,
        }
    assert events(mail_app, "pair.decline")[0]["reason"] == "Our schedules never meet"
    rematch = mail_admin.get(f"/programs/{program_id}/rematch").text
    assert declined.mentee_name in rematch and "Our schedules never meet" in rematch
    assert kept.mentee_name not in rematch
    review = mail_admin.get(f"/programs/{program_id}/runs/{run.id}/review").text
    assert 'class="published declined"' in review
    dashboard = mail_admin.get(f"/programs/{program_id}/runs/{run.id}/dashboard").text
    assert "<strong>1</strong> declined" in dashboard
    assert "<strong>1</strong> accepted" in dashboard

    again = run_to_end(mail_app, mail_admin, program_id)
    assert again.status == "done", again.error
    now = {p.key for p in pairs_of(mail_app, again.id)}
    assert kept.key in now
    assert not any(
        {mentee, mentor} == {declined.mentee_email, declined.mentor_email}
        for mentee, mentor, _ in now
    )


def test_silence_past_the_deadline_counts_as_accepted_by_default(
    mail_app: Flask, mail_admin: FlaskClient, smtp_server: SmtpSink, published: tuple
) -> None:
    program_id, run, pairs = published
    pair = stored_pair(mail_app, pairs[0])
    overdue(mail_app, pair)
    page = mail_app.test_client().get(page_path(smtp_server, pairs[0].mentee_email)).text
    assert "you two are a match" in page
    settled = stored_pair(mail_app, pairs[0])
    assert (settled.status, settled.settled_by) == ("accepted", "deadline")
    assert [e["outcome"] for e in events(mail_app, "pair.deadline")] == ["accepted"]
    dashboard = mail_admin.get(f"/programs/{program_id}/runs/{run.id}/dashboard").text
    assert "<strong>1</strong> without an answer by the deadline" in dashboard


def test_silence_past_the_deadline_can_count_as_declined(
    mail_app: Flask, mail_admin: FlaskClient, published: tuple
) -> None:
    program_id, run, pairs = published
    set_policy(mail_admin, program_id, silence="declined")
    pair = stored_pair(mail_app, pairs[0])
    overdue(mail_app, pair)
    mail_admin.get(f"/programs/{program_id}/runs/{run.id}/review")  # an admin's look settles it
    settled = stored_pair(mail_app, pairs[0])
    assert (settled.status, settled.settled_by) == ("declined", "deadline")
    assert pairs[0].mentee_name in mail_admin.get(f"/programs/{program_id}/rematch").text
    with mail_app.app_context():
        assert db.session.scalars(select(NeverPair.why)).all() == ["silent past the deadline"]


def test_a_link_opens_only_its_own_persons_page_and_answers_only_their_pairs(
    mail_app: Flask, smtp_server: SmtpSink, published: tuple
) -> None:
    _, _, pairs = published
    first, other = apart(pairs)
    theirs = stored_pair(mail_app, other)
    client = mail_app.test_client()
    mine = page_path(smtp_server, first.mentee_email)
    response = client.post(f"{mine}/pairs/{theirs.id}", data={"answer": "decline"})
    assert response.status_code == 404
    assert other.mentor_name not in client.get(mine).text
    assert client.post(f"{mine}/pairs/99999", data={"answer": "accept"}).status_code == 404
    assert stored_pair(mail_app, other).status == "published"


@pytest.mark.parametrize("state", ["unknown", "revoked", "expired"])
def test_an_unusable_link_never_shows_data(
    mail_app: Flask, smtp_server: SmtpSink, published: tuple, state: str
) -> None:
    _, _, pairs = published
    first = pairs[0]
    path = page_path(smtp_server, first.mentee_email)
    token = path.rsplit("/", 1)[-1]
    with mail_app.app_context():
        link = db.session.scalars(select(InviteToken).filter_by(token=token)).one()
        if state == "revoked":
            link.revoked_at = utcnow()
        elif state == "expired":
            link.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    if state == "unknown":
        path = path + "x"
    client = mail_app.test_client()
    response = client.get(path)
    assert response.status_code == (404 if state == "unknown" else 410)
    pair = stored_pair(mail_app, first)
    posted = client.post(f"{path}/pairs/{pair.id}", data={"answer": "decline"})
    assert posted.status_code == response.status_code
    for text in (response.text, posted.text):
        assert first.mentee_name not in text and first.mentor_name not in text
    assert stored_pair(mail_app, first).status == "published"


def test_participant_text_never_shows_levels_generations_admin_notes_or_rule_names(
    mail_app: Flask, mail_admin: FlaskClient, smtp_server: SmtpSink, approved: tuple
) -> None:
    program_id, run, pairs = approved
    first = pairs[0]
    hostile = "ADMIN-ONLY management_chain previous_partner sponsor_gap level 9 boomer"
    with mail_app.app_context():
        for email in (first.mentee_email, first.mentor_email):
            record = db.session.scalars(select(Participant).filter_by(email=email)).one()
            record.admin_notes = hostile
        db.session.commit()
    publish(mail_admin, program_id, run.id)
    smtp_server.wait_for(6)
    client = mail_app.test_client()
    for email in (first.mentee_email, first.mentor_email):
        mail = smtp_server.to(email)[0]
        page = client.get(page_path(smtp_server, email)).text
        for text in (mail.text, mail.html, page):
            lowered = text.lower()
            assert "admin-only" not in lowered
            for word in ("management_chain", "previous_partner", "sponsor_gap", "rejected by"):
                assert word not in lowered
            for generation in ("boomer", "gen_x", "gen x", "millennial", "gen_z", "gen z"):
                assert generation not in lowered
            assert not re.search(r"\blevels?\b", lowered)
            assert "score" not in lowered


def test_a_reason_longer_than_its_limit_is_refused_with_a_message(
    mail_app: Flask, smtp_server: SmtpSink, published: tuple
) -> None:
    _, _, pairs = published
    pair = stored_pair(mail_app, pairs[0])
    page = answer(
        mail_app.test_client(),
        page_path(smtp_server, pairs[0].mentee_email),
        pair.id,
        "decline",
        "x" * (REASON_MAX_CHARS + 1),
    )
    assert f"{REASON_MAX_CHARS}" in page
    assert stored_pair(mail_app, pairs[0]).status == "published"


def test_the_intake_link_leads_to_the_page_once_matching_started(
    mail_app: Flask, smtp_server: SmtpSink, published: tuple
) -> None:
    path = page_path(smtp_server, published[2][0].mentee_email)
    token = path.rsplit("/", 1)[-1]
    response = mail_app.test_client().post(f"/intake/{token}", data={"name": "Changed"})
    assert response.status_code == 302 and response.headers["Location"].endswith(path)


def test_a_mentor_sees_their_mentees_and_the_places_left(
    mail_app: Flask, smtp_server: SmtpSink, published: tuple
) -> None:
    _, _, pairs = published
    mentor = pairs[0].mentor_email
    with mail_app.app_context():
        capacity = db.session.scalars(select(Participant.capacity).filter_by(email=mentor)).one()
    theirs = [p for p in pairs if p.mentor_email == mentor]
    page = mail_app.test_client().get(page_path(smtp_server, mentor)).text
    assert "Your mentees" in page
    for pair in theirs:
        assert pair.mentee_name in page
    left = max(capacity - len(theirs), 0)
    assert f"{left} place{'' if left == 1 else 's'} left of {capacity}" in page


def test_answer_settings_are_checked_saved_and_for_admins_only(
    mail_app: Flask, mail_admin: FlaskClient
) -> None:
    with mail_app.app_context():
        program = Program(name="Autumn cohort", config={})
        db.session.add(program)
        db.session.commit()
        program_id = program.id
    page = set_policy(mail_admin, program_id, days="0")
    assert "Nothing was saved" in page
    page = set_policy(mail_admin, program_id, days="14", silence="declined", must_accept="mentor")
    assert "Answer settings saved" in page
    settings = mail_admin.get(f"/programs/{program_id}/settings").text
    assert 'value="14"' in settings
    mail_admin.post("/auth/logout")
    response = mail_admin.post(f"/programs/{program_id}/settings/answers", data={"days": "3"})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


TWO_TYPES = (
    b"email,name,role,seeks,offers,department,level,capacity,languages,expertise_wanted,expertise\n"
    b"mia@example.org,Mia Berg,mentee,developmental; expertise,,Sales,2,1,English,sql; python,\n"
    b"xav@example.org,Xav Oduya,mentor,,developmental; expertise,Sales,7,2,English,,sql; python\n"
    b"zed@example.org,Zed Arnaud,mentor,,expertise,Sales,7,1,English,,sql\n"
)


def test_a_decline_keeps_the_two_apart_for_every_type_in_later_runs(
    mail_app: Flask, mail_admin: FlaskClient, smtp_server: SmtpSink
) -> None:
    """Mia declines Xav as developmental mentor. Xav is her best expertise mentor too, but
    no later run pairs them for expertise either (only the developmental triple was ever
    decided on): Zed is her expertise mentor, and nobody else offers developmental."""
    with mail_app.app_context():
        program = Program(name="Two types", config={})
        db.session.add(program)
        db.session.commit()
        program_id = program.id
    import_csv(mail_admin, program_id, "two_types.csv", TWO_TYPES)
    run = run_to_end(mail_app, mail_admin, program_id)
    first = {p.mentor_type: p for p in pairs_of(mail_app, run.id)}
    assert {t: p.mentor_email for t, p in first.items()} == {
        "developmental": "xav@example.org",
        "expertise": "zed@example.org",
    }
    developmental = first["developmental"]
    decide(mail_admin, program_id, run.id, developmental.id, "approve")
    publish(mail_admin, program_id, run.id)
    smtp_server.wait_for(2)
    pair = stored_pair(mail_app, developmental)
    answer(mail_app.test_client(), page_path(smtp_server, "mia@example.org"), pair.id, "decline")
    again = run_to_end(mail_app, mail_admin, program_id)
    now = {p.mentor_type: p.mentor_email for p in pairs_of(mail_app, again.id)}
    assert now == {"expertise": "zed@example.org"}
