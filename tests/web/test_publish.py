"""Publishing approved pairs: ready pairs, the publish job, introduction e-mails through the
real local SMTP server, never twice, admins only, and the states on the review page."""

from __future__ import annotations

import re
import threading
import uuid
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.web.helpers import ADMIN_EMAIL, ADMIN_PASSWORD, AuthActions, make_app
from tests.web.matching import decide, load_demo, pairs_of, publish, run_to_end
from tests.web.smtp import SmtpSink
from webapp import jobs
from webapp.admins import create_admin
from webapp.db import db
from webapp.jobs import queue as job_queue
from webapp.mail import OutboxMessage
from webapp.models import AuditEvent
from webapp.models import Participant as Person
from webapp.pair_models import Pair, PublishJob
from webapp.publishing import PUBLISH, start_publish
from webapp.run_models import MatchRun

LINK = re.compile(r"http://mentorloom\.test/me/[\w-]+")


def count(app: Flask, model: type, *where: object) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_publishing_introduces_both_people_of_each_ready_pair_once_by_e_mail(
    mail_app: Flask, mail_admin: FlaskClient, smtp_server: SmtpSink, approved: tuple
) -> None:
    program_id, run, pairs = approved
    page = publish(mail_admin, program_id, run.id)
    assert "3 pairs published" in page
    arrived = smtp_server.wait_for(6)
    first = pairs[0]
    to_mentee = smtp_server.to(first.mentee_email)
    assert len(to_mentee) == 1
    text = to_mentee[0].text
    assert first.mentor_name in text and first.mentor_email in text
    assert "A suggested agenda for your first conversation" in text
    assert "accept or decline" in text
    assert LINK.search(text) and LINK.search(to_mentee[0].html)
    assert first.mentee_name in smtp_server.to(first.mentor_email)[0].text

    again = publish(mail_admin, program_id, run.id)
    assert "Nothing to publish" in again
    assert len(smtp_server.wait_for(6)) == len(arrived) == 6
    assert count(mail_app, Pair) == 3
    assert count(mail_app, AuditEvent, AuditEvent.action == "pair.publish") == 3


def test_the_review_page_shows_ready_then_published(
    mail_app: Flask, mail_admin: FlaskClient, approved: tuple
) -> None:
    program_id, run, _ = approved
    url = f"/programs/{program_id}/runs/{run.id}/review"
    before = mail_admin.get(url).text
    assert before.count('class="published ready"') == 3
    publish(mail_admin, program_id, run.id)
    after = mail_admin.get(url).text
    assert after.count('class="published published"') == 3
    assert 'class="published ready"' not in after


def test_publish_by_type_and_selected_take_only_those(
    mail_app: Flask, mail_admin: FlaskClient, smtp_server: SmtpSink, approved: tuple
) -> None:
    program_id, run, pairs = approved
    kind = pairs[0].mentor_type
    of_kind = [p for p in pairs if p.mentor_type == kind]
    publish(mail_admin, program_id, run.id, scope="type", mentor_type=kind)
    assert count(mail_app, Pair) == len(of_kind)
    rest = [p for p in pairs if p.mentor_type != kind]
    other = pairs_of(mail_app, run.id)[-1]  # not approved: never published, even selected
    response = mail_admin.post(
        f"/programs/{program_id}/runs/{run.id}/publish/selected",
        data={"ids": [str(p.id) for p in [*rest, other]]},
        follow_redirects=True,
    )
    assert response.status_code == 200
    with mail_app.app_context():
        published = {p.key for p in db.session.scalars(select(Pair))}
    assert published == {p.key for p in pairs}
    assert other.key not in published
    assert len(smtp_server.wait_for(6)) == 6


def test_two_publishes_at_once_introduce_each_pair_once(
    mail_app: Flask, smtp_server: SmtpSink, approved: tuple
) -> None:
    """Two jobs working on the same ready pairs in parallel: the unique pair is the guard."""
    program_id, run, _ = approved
    with mail_app.app_context():
        stored = db.session.get_one(MatchRun, run.id)
        made = []
        for _ in range(2):
            job = PublishJob(
                program_id=program_id,
                run_id=stored.id,
                scope="all",
                requested_by="admin@example.org",
                base_url="https://mentorloom.test/",
            )
            db.session.add(job)
            made.append(job)
        db.session.commit()
        ids = [job.id for job in made]
    start = threading.Barrier(2)

    def work(job_id: int) -> None:
        with mail_app.app_context():
            start.wait()
            jobs.perform(PUBLISH, job_id)
            db.session.remove()

    threads = [threading.Thread(target=work, args=(job_id,)) for job_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with mail_app.app_context():
        done = db.session.scalars(select(PublishJob).where(PublishJob.id.in_(ids))).all()
        assert [job.status for job in done] == ["done", "done"], [job.error for job in done]
        assert sorted(job.result["published"] for job in done) in ([0, 3], [1, 2], [3, 0])
        assert sum(job.result["published"] for job in done) == 3
    assert count(mail_app, Pair) == 3
    assert count(mail_app, OutboxMessage) == 6
    assert len(smtp_server.wait_for(6)) == 6


def test_publishing_is_for_admins_only(
    mail_app: Flask, mail_admin: FlaskClient, approved: tuple
) -> None:
    program_id, run, _ = approved
    mail_admin.post("/auth/logout")
    for url in (
        f"/programs/{program_id}/runs/{run.id}/publish",
        f"/programs/{program_id}/runs/{run.id}/publish/selected",
    ):
        response = mail_admin.post(url, data={"scope": "all"})
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    for url in (
        f"/programs/{program_id}/rematch",
        f"/programs/{program_id}/runs/{run.id}/publish/1",
    ):
        response = mail_admin.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert count(mail_app, Pair) == 0


def test_a_bad_publish_form_says_why_and_publishes_nothing(
    mail_app: Flask, mail_admin: FlaskClient, approved: tuple
) -> None:
    program_id, run, _ = approved
    page = publish(mail_admin, program_id, run.id, scope="type", mentor_type="nonsense")
    assert "Choose what to publish" in page
    page = mail_admin.post(
        f"/programs/{program_id}/runs/{run.id}/publish/selected", follow_redirects=True
    ).text
    assert "Select the pairs to publish first" in page
    assert mail_admin.get(f"/programs/{program_id}/runs/{run.id}/publish/999").status_code == 404
    assert count(mail_app, Pair) == 0


def test_a_publish_job_shows_its_result(
    mail_app: Flask, mail_admin: FlaskClient, approved: tuple
) -> None:
    program_id, run, _ = approved
    with mail_app.test_request_context():
        stored = db.session.get_one(MatchRun, run.id)
        job = start_publish(stored, "admin@example.org", "https://mentorloom.test/", "all")
        job_id = job.id
    page = mail_admin.get(f"/programs/{program_id}/runs/{run.id}/publish/{job_id}").text
    assert "3 pairs published" in page


def test_publishing_goes_through_the_rq_queue_with_redis(
    db_url: str,
    redis_service: str,
    smtp_server: SmtpSink,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With ``REDIS_URL`` the publish waits on the queue; ``flask worker`` publishes and
    then sends the introductions it queued."""
    monkeypatch.setenv("MENTORLOOM_INSTANCE_PATH", str(tmp_path / "instance"))
    queue_name = f"test-{uuid.uuid4().hex[:8]}"
    app = make_app(db_url, SMTP_URL=smtp_server.url, MAIL_FROM="m@example.org", RQ_QUEUE=queue_name)
    with app.app_context():
        create_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
        db.session.commit()
    client = app.test_client()
    AuthActions(client).login()
    program_id = load_demo(app)
    run = run_to_end(app, client, program_id)
    best = pairs_of(app, run.id)[0]
    decide(client, program_id, run.id, best.id, "approve")
    app.config["REDIS_URL"] = redis_service
    assert "Waiting for a worker" in publish(client, program_id, run.id)
    with app.app_context():
        queue = job_queue(app)
        assert queue.count == 1
        assert db.session.scalars(select(PublishJob.status)).one() == "queued"
    try:
        result = app.test_cli_runner().invoke(args=["worker", "--burst"])
        assert result.exit_code == 0, result.output
    finally:
        queue.delete(delete_jobs=True)
    with app.app_context():
        assert db.session.scalars(select(PublishJob.status)).one() == "done"
    assert {m.recipients[0] for m in smtp_server.wait_for(2)} == {
        best.mentee_email,
        best.mentor_email,
    }
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_refused_introduction_is_a_failed_e_mail_in_the_audit_log_and_on_the_dashboard(
    mail_app: Flask, mail_admin: FlaskClient, smtp_server: SmtpSink, approved: tuple
) -> None:
    program_id, run, pairs = approved
    refused = pairs[0].mentee_email
    smtp_server.refuse[refused] = "550 5.1.1 mailbox unavailable"
    publish(mail_admin, program_id, run.id)
    with mail_app.app_context():
        message = db.session.scalars(select(OutboxMessage).filter_by(to=refused)).one()
        assert message.status == "failed"
        failures = db.session.scalars(select(AuditEvent).filter_by(action="mail.failed")).all()
        assert [event.detail["failed"] for event in failures] == [1]
    dashboard = mail_admin.get(f"/programs/{program_id}/runs/{run.id}/dashboard").text
    assert "<strong>1</strong> e-mails failed" in dashboard
    assert "<strong>3</strong> published" in dashboard


def test_erasing_a_person_deletes_the_introduction_that_named_them_to_their_match(
    mail_app: Flask, mail_admin: FlaskClient, smtp_server: SmtpSink, approved: tuple
) -> None:
    """The copy of an introduction kept in the outbox names the other person: it goes
    with an erasure of that person, as their own e-mails do."""
    program_id, run, pairs = approved
    publish(mail_admin, program_id, run.id)
    smtp_server.wait_for(6)
    mentor = pairs[0].mentor_email
    with mail_app.app_context():
        mentor_id = db.session.scalar(
            select(Person.id).where(Person.program_id == program_id, Person.email == mentor)
        )
    erased = mail_admin.post(f"/programs/{program_id}/participants/{mentor_id}/erase")
    assert erased.status_code == 302
    with mail_app.app_context():
        bodies = db.session.execute(select(OutboxMessage.text_body, OutboxMessage.html_body)).all()
    assert bodies and not any(mentor in text or mentor in html for text, html in bodies)
