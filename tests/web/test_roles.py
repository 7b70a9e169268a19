"""Who may open what (issue 18 item 2): the one inventory of every route, as a table of
route x role -> outcome, really requested.

``ROUTE_TABLE`` has a row per endpoint of the app (``static`` aside): its method, its path
and what each of six visitors gets: nobody logged in, an owner, the program's manager,
reviewer and viewer, and the manager of another program only (an ERG lead next to HR's
program). The table fails when the app has a route without a row, or a row without a route.
Every cell is requested against a realistic program (the sample data imported, a finished
run, published pairs with their e-mails, an import upload, a pending registration, the
next cohort started, another admin and a pending invitation of one), POSTs with a valid
CSRF token:

* ``ok``: the request passed the gate (the view ran) and answered no server error;
* ``login``: the log-in redirect;
* ``403``/``404``: exactly that, the view never ran and no audit row was written.

The full table runs on SQLite and on PostgreSQL (about 560 requests each, under a minute).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from flask import Flask, request
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash
from werkzeug.test import TestResponse

from tests.web.helpers import ADMIN_EMAIL, ADMIN_PASSWORD, AuthActions, make_app, postgres_schema
from tests.web.helpers import upload as upload_csv
from tests.web.matching import bulk, decide, export, load_demo, pairs_of, publish, run_to_end
from webapp.access_models import AdminInvite, ProgramAccess
from webapp.admins import create_admin
from webapp.cohort_figures import SMALL_GROUP, SMALL_GROUPS
from webapp.cohort_models import CohortStart
from webapp.db import db
from webapp.mail import OutboxMessage
from webapp.models import (
    AdminUser,
    AuditEvent,
    ImportUpload,
    InviteToken,
    LinkKind,
    Participant,
    Program,
    utcnow,
)
from webapp.pair_models import Pair, PublishJob
from webapp.roles import ALLOWED, Need, Role, grant
from webapp.run_models import BulkDecision, ExportJob

#: The visitors of the table's columns, in order.
VISITORS = ("anonymous", "owner", "manager", "reviewer", "viewer", "other")

# What each visitor gets, in the order of VISITORS.
ANYONE = "ok ok ok ok ok ok"
ANY_ADMIN = "login ok ok ok ok ok"
OWNERS = "login ok 403 403 403 403"
EVERY_ROLE = "login ok ok ok ok 404"
REVIEWERS_UP = "login ok ok ok 403 404"
MANAGERS = "login ok ok 403 403 404"

P = "/programs/{program}"
RUN = P + "/runs/{run}"

#: endpoint: (method, path, outcomes). The path's {names} are ids of the program built below.
ROUTE_TABLE: dict[str, tuple[str, str, str]] = {
    "index": ("GET", "/", ANYONE),
    "admin.auth.login": ("POST", "/auth/login", ANYONE),
    "admin.auth.forgot": ("POST", "/auth/forgot", ANYONE),
    "admin.auth.reset": ("GET", "/auth/reset/not-a-token", ANYONE),
    "admin.oidc.login": ("GET", "/auth/oidc/login", ANYONE),
    "admin.oidc.callback": ("GET", "/auth/oidc/callback", ANYONE),
    "admin.two_factor_login.code": ("POST", "/auth/two-factor/", ANYONE),
    "admin.two_factor_login.recovery": ("POST", "/auth/two-factor/recovery", ANYONE),
    "admin.two_factor_login.setup": ("POST", "/auth/two-factor/setup", ANYONE),
    "people.intake.form": ("GET", "/intake/{intake}", ANYONE),
    "people.intake.saved": ("GET", "/intake/{intake}/saved", ANYONE),
    "participant.page.show": ("GET", "/me/{me}", ANYONE),
    "participant.page.answer_pair": ("POST", "/me/{me}/pairs/{pair}", ANYONE),
    "participant.page.answer_check": ("POST", "/me/{me}/checkins/1", ANYONE),
    "participant.page.stay": ("GET", "/me/{me}/stay", ANYONE),
    "participant.page.stay_yes": ("POST", "/me/{me}/stay", ANYONE),
    "participant.picks.show": ("GET", "/me/{me}/picks", ANYONE),
    "participant.picks.save": ("POST", "/me/{me}/picks", ANYONE),
    "participant.picks.showing": ("POST", "/me/{me}/picks/showing", ANYONE),
    "participant.picks.rather_not_save": ("POST", "/me/{me}/picks/rather-not", ANYONE),
    "admin.auth.logout": ("POST", "/auth/logout", ANY_ADMIN),
    "admin.account.show": ("GET", "/account/", ANY_ADMIN),
    "admin.account.change_password": ("POST", "/account/password", ANY_ADMIN),
    "admin.account.logout_everywhere": ("POST", "/account/logout-everywhere", ANY_ADMIN),
    "admin.two_factor.show": ("GET", "/account/two-factor/", ANY_ADMIN),
    "admin.two_factor.start": ("POST", "/account/two-factor/start", ANY_ADMIN),
    "admin.two_factor.setup": ("GET", "/account/two-factor/setup", ANY_ADMIN),
    "admin.two_factor.renew": ("POST", "/account/two-factor/recovery-codes", ANY_ADMIN),
    "admin.two_factor.off": ("POST", "/account/two-factor/off", ANY_ADMIN),
    "admin.programs.index": ("GET", "/programs/", ANY_ADMIN),
    "admin.programs.create": ("POST", "/programs/new", OWNERS),
    "admin.audit.sign_ins": ("GET", "/sign-ins/", OWNERS),
    "admin.audit.sign_ins_csv": ("GET", "/sign-ins.csv", OWNERS),
    "admin.welcome.welcome": ("POST", "/auth/welcome/not-a-token", ANYONE),
    "admin.admins.index": ("GET", "/admins/", OWNERS),
    "admin.admins.invite": ("POST", "/admins/invite", OWNERS),
    "admin.admins.resend": ("POST", "/admins/invites/{invite}/resend", OWNERS),
    "admin.admins.revoke": ("POST", "/admins/invites/{invite}/revoke", OWNERS),
    "admin.admins.show": ("GET", "/admins/{admin}", OWNERS),
    "admin.admins.remove": ("GET", "/admins/{admin}/remove", OWNERS),
    "admin.admins.turn_off_two_factor": ("POST", "/admins/{admin}/two-factor/off", OWNERS),
    "admin.programs.show": ("GET", P + "/", EVERY_ROLE),
    "matching.runs.index": ("GET", P + "/runs/", EVERY_ROLE),
    "matching.dashboard.show": ("GET", RUN + "/dashboard", EVERY_ROLE),
    "matching.outcomes.show": ("GET", P + "/outcomes", EVERY_ROLE),
    "matching.outcomes.export_csv": ("GET", P + "/outcomes.csv", EVERY_ROLE),
    "people.participants.index": ("GET", P + "/participants/", REVIEWERS_UP),
    "people.participants.show": ("GET", P + "/participants/{participant}", REVIEWERS_UP),
    "matching.runs.show": ("GET", RUN, REVIEWERS_UP),
    "matching.review.index": ("GET", RUN + "/review", REVIEWERS_UP),
    "matching.review.mentee": ("GET", RUN + "/mentee?email={mentee}", REVIEWERS_UP),
    "matching.dashboard.unmatched": ("GET", RUN + "/unmatched", REVIEWERS_UP),
    "matching.pairs.index": ("GET", P + "/pairs/", REVIEWERS_UP),
    "matching.review.decide_one": ("POST", RUN + "/matches/{match}", REVIEWERS_UP),
    "matching.bulk.preview": ("POST", RUN + "/bulk", REVIEWERS_UP),
    "matching.bulk.confirm": ("POST", RUN + "/bulk/confirm", REVIEWERS_UP),
    "matching.bulk.show": ("GET", RUN + "/bulk/{bulk_job}", REVIEWERS_UP),
    "matching.left_out.resolve": ("POST", RUN + "/left-out/0", REVIEWERS_UP),
    "matching.manual.make": ("POST", RUN + "/manual", REVIEWERS_UP),
    "admin.programs.edit": ("POST", P + "/edit", MANAGERS),
    "admin.programs.settings": ("GET", P + "/settings", MANAGERS),
    "admin.picks_settings.save": ("POST", P + "/settings/picks", MANAGERS),
    "admin.answer_policy.save": ("POST", P + "/settings/answers", MANAGERS),
    "admin.cohorts.settings": ("POST", P + "/settings/cohort", MANAGERS),
    "admin.cohorts.start": ("POST", P + "/next-cohort", MANAGERS),
    "admin.cohorts.job": ("GET", P + "/next-cohort/{cohort_job}", MANAGERS),
    "admin.audit.history": ("GET", P + "/history", MANAGERS),
    "admin.questions.index": ("GET", P + "/questions/", MANAGERS),
    "admin.questions.create": ("POST", P + "/questions/new", MANAGERS),
    "admin.questions.edit": ("POST", P + "/questions/life_stage/edit", MANAGERS),
    "admin.questions.rules": ("POST", P + "/questions/life_stage/rules", MANAGERS),
    "admin.questions.move": ("POST", P + "/questions/life_stage/move", MANAGERS),
    "admin.questions.remove": ("POST", P + "/questions/{question}/remove", MANAGERS),
    "admin.audit.history_csv": ("GET", P + "/history.csv", MANAGERS),
    "people.participants.edit": ("POST", P + "/participants/{participant}/edit", MANAGERS),
    "people.participants.delete": ("POST", P + "/participants/{deleted}/delete", MANAGERS),
    "people.privacy.export": ("GET", P + "/participants/{participant}/export.json", MANAGERS),
    "people.privacy.erase_person": ("POST", P + "/participants/{erased}/erase", MANAGERS),
    "people.imports.upload": ("POST", P + "/import/", MANAGERS),
    "people.imports.show": ("GET", P + "/import/{upload}", MANAGERS),
    "people.imports.confirm": ("POST", P + "/import/{upload}", MANAGERS),
    "people.imports.result": ("GET", P + "/import/{upload}/result", MANAGERS),
    "people.invites.index": ("GET", P + "/invites/", MANAGERS),
    "people.invites.create_program_link": ("POST", P + "/invites/program", MANAGERS),
    "people.invites.create_person_link": ("POST", P + "/invites/person", MANAGERS),
    "people.invites.create_for_participant": (
        "POST",
        P + "/invites/participant/{participant}",
        MANAGERS,
    ),
    "people.invites.create_for_everyone": ("POST", P + "/invites/everyone", MANAGERS),
    "people.invites.revoke": ("POST", P + "/invites/{intake_id}/revoke", MANAGERS),
    "people.registrations.show": ("GET", P + "/registrations/{registration}", MANAGERS),
    "people.registrations.merge": ("POST", P + "/registrations/{registration}/merge", MANAGERS),
    "people.registrations.drop": ("POST", P + "/registrations/{registration}/drop", MANAGERS),
    "mail.index": ("GET", P + "/outbox/", MANAGERS),
    "mail.show": ("GET", P + "/outbox/{message}", MANAGERS),
    "mail.html": ("GET", P + "/outbox/{message}/body.html", MANAGERS),
    "mail.templates": ("GET", P + "/outbox/templates/", MANAGERS),
    "mail.preview": ("GET", P + "/outbox/templates/invitation", MANAGERS),
    "mail.preview_html": ("GET", P + "/outbox/templates/invitation/body.html", MANAGERS),
    "mail.retry": ("POST", P + "/outbox/retry", MANAGERS),
    "mail.read_bounces": ("POST", P + "/outbox/bounces", MANAGERS),
    "mail.invite": ("POST", P + "/invitations/send", MANAGERS),
    "mail.download_links": ("POST", P + "/invitations/links.csv", MANAGERS),
    "matching.runs.start": ("POST", P + "/runs/", MANAGERS),
    "matching.runs.rematch": ("POST", P + "/runs/rematch", MANAGERS),
    "matching.runs.rematch_one": ("POST", P + "/runs/rematch/one", MANAGERS),
    "matching.exports.index": ("GET", RUN + "/exports", MANAGERS),
    "matching.exports.export_csv": ("POST", RUN + "/export.csv", MANAGERS),
    "matching.exports.export_introductions": ("POST", RUN + "/introductions.zip", MANAGERS),
    "matching.exports.show": ("GET", RUN + "/exports/{export_job}", MANAGERS),
    "matching.exports.download": ("GET", RUN + "/exports/{export_job}/download", MANAGERS),
    "matching.exports.export_unmatched": ("GET", RUN + "/unmatched.csv", MANAGERS),
    "matching.publish.start": ("POST", RUN + "/publish", MANAGERS),
    "matching.publish.start_selected": ("POST", RUN + "/publish/selected", MANAGERS),
    "matching.publish.show": ("GET", RUN + "/publish/{publish_job}", MANAGERS),
    "matching.publish.rematch": ("GET", P + "/rematch", MANAGERS),
    "matching.pairs.download": ("GET", P + "/pairs/pairs.csv", MANAGERS),
    "matching.pairs.mark_active": ("POST", P + "/pairs/{pair}/active", MANAGERS),
    "matching.pairs.end": ("POST", P + "/pairs/{pair}/end", MANAGERS),
}

#: Routes that end the visitor's session (every session of theirs, for the last one): they
#: are requested by a browser of their own, and everyone logs in again after.
SESSION_ENDERS = {"admin.auth.logout", "admin.account.logout_everywhere"}
#: The log-in's second step: with no password typed just before, it sends anyone back to
#: the log-in page (the gate let them through).
BACK_TO_LOG_IN = {
    "admin.two_factor_login.code",
    "admin.two_factor_login.recovery",
    "admin.two_factor_login.setup",
}

EMAILS = {
    "manager": "hr.manager@example.org",
    "reviewer": "hr.reviewer@example.org",
    "viewer": "hr.viewer@example.org",
    "other": "erg.lead@example.org",
}
SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "participants.csv"


def sample_people() -> list[tuple[str, str]]:
    """(name, e-mail) of every participant of the sample data."""
    import csv

    with SAMPLE.open(newline="", encoding="utf-8") as handle:
        return [(row["name"], row["email"]) for row in csv.DictReader(handle)]


def csrf_token(client: FlaskClient) -> str:
    """The CSRF token of the client's session, read from a page that has a form."""
    found = None
    for page in ("/account/", "/auth/login"):
        response = client.get(page)
        found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', response.text)
        found = found or re.search(r'name="csrf_token" value="([^"]+)"', response.text)
        if response.status_code == 200 and found:
            return found[1]
    raise AssertionError("no CSRF token on the account or log-in page")


@dataclass
class Visitor:
    """One column of the table: a browser, logged in as its admin (``None``: nobody), and
    the CSRF token of its session."""

    app: Flask
    email: str | None
    client: FlaskClient | None = None
    token: str = ""

    def login(self) -> Visitor:
        """Open a new browser and log in (anonymous: just open it); the visitor."""
        self.client = self.app.test_client()
        if self.email is not None:
            token = csrf_token(self.client)
            data = {"email": self.email, "password": ADMIN_PASSWORD, "csrf_token": token}
            assert self.client.post("/auth/login", data=data).status_code == 302
        self.token = csrf_token(self.client)
        return self

    def send(self, method: str, path: str) -> TestResponse:
        """Request ``path``, a POST with the CSRF token of the session."""
        assert self.client is not None
        data = {"csrf_token": self.token} if method == "POST" else None
        return self.client.open(path, method=method, data=data)


@dataclass
class Site:
    """The app under test, the ids of its realistic program, its visitors, and the
    endpoints that got past the gate during the current request (see :func:`watch`)."""

    app: Flask
    ids: dict[str, int | str]
    passed: list[str]
    visitors: dict[str, Visitor] = field(default_factory=dict)

    def visitor(self, name: str, fresh: bool = False) -> Visitor:
        """The logged-in browser of a column (a new one when ``fresh``)."""
        if fresh or name not in self.visitors:
            email = {"anonymous": None, "owner": ADMIN_EMAIL}.get(name, EMAILS.get(name))
            self.visitors[name] = Visitor(self.app, email).login()
        return self.visitors[name]


def watch(app: Flask, passed: list[str]) -> None:
    """Note each request that got past the gate: an app-level hook registered after it
    runs only when the gate let the request through."""

    @app.before_request
    def _passed() -> None:
        passed.append(request.endpoint or "")


def add_admin(email: str) -> AdminUser:
    """A non-owner admin with the test password (the caller commits)."""
    admin = AdminUser(email=email)
    admin.set_password(ADMIN_PASSWORD)
    db.session.add(admin)
    db.session.flush()
    return admin


def build(db_url: str, instance: Path) -> Site:
    """The realistic program HR runs (the sample data, a finished run, published pairs
    and their e-mails, an import preview, a pending registration, the next cohort started)
    with its manager, reviewer and viewer, and an ERG program run by its own lead."""
    setup = make_app(db_url)
    with setup.app_context():
        create_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
        db.session.commit()
    owner = setup.test_client()
    assert AuthActions(owner).login().status_code == 302
    program_id = load_demo(setup)
    run = run_to_end(setup, owner, program_id)
    assert run.status == "done", run.error
    matches = pairs_of(setup, run.id)
    for match in matches[:4]:
        assert decide(owner, program_id, run.id, match.id, "approve").status_code == 302
    locked, _ = bulk(
        owner, program_id, run.id, action="lock", scope="selected", ids=str(matches[4].id)
    )
    assert locked.status_code == 200
    assert export(owner, program_id, run.id, "export.csv").status_code == 200
    publish(owner, program_id, run.id)
    spare = {"key": "spare", "kind": "text", "prompt": "Anything to add?", "asked_of": "both"}
    assert owner.post(f"/programs/{program_id}/questions/new", data=spare).status_code == 302
    preview = upload_csv(owner, program_id, "participants.csv")
    assert preview.status_code == 200
    with setup.app_context():
        erg = Program(name="ERG circle", config={})
        db.session.add(erg)
        db.session.flush()
        for visitor, email in EMAILS.items():
            admin = add_admin(email)
            if visitor == "other":
                grant(admin, erg.id, Role.MANAGER)
            else:
                grant(admin, program_id, Role(visitor))
        pair = db.session.scalars(sa.select(Pair).where(Pair.program_id == program_id)).first()
        assert pair is not None
        person = db.session.scalars(
            sa.select(Participant).where(
                Participant.program_id == program_id, Participant.email == pair.mentee_email
            )
        ).one()
        later = utcnow() + timedelta(days=30)
        me = InviteToken(
            token="the-person-link",
            kind=LinkKind.PERSON,
            program_id=program_id,
            participant_id=person.id,
            email=person.email,
            expires_at=later,
        )
        intake = InviteToken(
            token="the-program-link", kind=LinkKind.PROGRAM, program_id=program_id, expires_at=later
        )
        registration = InviteToken(
            token="a-registration",
            kind=LinkKind.SELF,
            program_id=program_id,
            email=person.email,
            pending_row={"email": person.email, "name": "Someone Else", "role": "mentee"},
            expires_at=later,
        )
        db.session.add_all([me, intake, registration])
        db.session.commit()
        busy = {pair.mentee_email, pair.mentor_email} | set(
            db.session.scalars(sa.select(OutboxMessage.to))
        )
        deleted, erased = db.session.scalars(
            sa.select(Participant.id)
            .where(Participant.program_id == program_id, Participant.email.not_in(busy))
            .limit(2)
        )
        bystander = AdminUser(email="bystander@example.org", password_hash="!no-password")
        invitation = AdminInvite(
            token_hash="0" * 64, email="invited@example.org", roles={}, expires_at=later
        )
        db.session.add_all([bystander, invitation])
        db.session.commit()
        ids: dict[str, int | str] = {
            "admin": bystander.id,
            "invite": invitation.id,
            "program": program_id,
            "question": "spare",
            "run": run.id,
            "match": matches[5].id,
            "mentee": matches[5].mentee_email,
            "participant": person.id,
            "pair": pair.id,
            "deleted": deleted,
            "erased": erased,
            "me": me.token,
            "intake": intake.token,
            "intake_id": intake.id,
            "registration": registration.id,
            "message": db.session.scalars(sa.select(OutboxMessage.id)).first() or 0,
            "upload": db.session.scalars(sa.select(ImportUpload.id)).one(),
            "publish_job": db.session.scalars(sa.select(PublishJob.id)).one(),
            "bulk_job": db.session.scalars(sa.select(BulkDecision.id)).one(),
            "export_job": db.session.scalars(sa.select(ExportJob.id)).one(),
        }
    started = owner.post(
        f"/programs/{program_id}/next-cohort",
        data={"name": "HR autumn", "starts_on": "2027-09-01", "ends_on": "2028-02-28"}
        | {"carry": "all"},
    )
    assert started.status_code == 302, started.text
    with setup.app_context():
        ids["cohort_job"] = db.session.scalars(sa.select(CohortStart.id)).one()
        db.session.remove()
        db.engine.dispose()
    app = make_app(db_url, WTF_CSRF_ENABLED=True)
    passed: list[str] = []
    watch(app, passed)
    return Site(app, ids, passed)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """The realistic site on each database, built once per module."""
    instance = tmp_path_factory.mktemp("roles")
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("MENTORLOOM_INSTANCE_PATH", str(instance / "instance"))
    monkeypatch.setattr(
        "webapp.models.generate_password_hash",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1"),
    )
    urls: Iterator[str]
    if request.param == "sqlite":
        url = f"sqlite:///{instance / 'roles.sqlite3'}"
        urls = iter([url])
    else:
        urls = postgres_schema()
    try:
        for url in urls:
            engine = sa.create_engine(url, poolclass=sa.NullPool)
            db.metadata.create_all(engine)
            engine.dispose()
            built = build(url, instance)
            yield built
            with built.app.app_context():
                db.session.remove()
                db.engine.dispose()
    finally:
        monkeypatch.undo()


def audit_rows(app: Flask) -> int:
    """How many audit events the database holds."""
    with app.app_context():
        found = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0
        db.session.remove()
        return found


def test_every_route_has_a_row_and_every_row_a_route() -> None:
    app = make_app("sqlite://")
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    for endpoint in sorted(endpoints - ROUTE_TABLE.keys()):
        pytest.fail(f"route {endpoint} has no rule: add a row to ROUTE_TABLE")
    for endpoint in sorted(ROUTE_TABLE.keys() - endpoints):
        pytest.fail(f"ROUTE_TABLE names {endpoint}, which is no route any more: drop its row")
    methods = {rule.endpoint: rule.methods or set() for rule in app.url_map.iter_rules()}
    for endpoint, (method, _, outcomes) in ROUTE_TABLE.items():
        assert method in methods[endpoint], endpoint
        assert len(outcomes.split()) == len(VISITORS), endpoint


def test_the_table_sees_a_route_without_a_row() -> None:
    """The check above can fail: an app with one more route is caught."""
    app = make_app("sqlite://")
    app.add_url_rule("/new-page", "new_page", lambda: "new")
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    assert endpoints - ROUTE_TABLE.keys() == {"new_page"}
    assert app.test_client().get("/new-page").status_code == 403  # no need declared


def check(site: Site, endpoint: str, name: str) -> None:
    """Request one cell of the table and check its outcome."""
    method, path, outcomes = ROUTE_TABLE[endpoint]
    expected = outcomes.split()[VISITORS.index(name)]
    url = path.format(**site.ids)
    ends_session = endpoint in SESSION_ENDERS and name != "anonymous"
    visitor = site.visitor(name, fresh=ends_session)
    before = audit_rows(site.app)
    site.passed.clear()
    response = visitor.send(method, url)
    status = response.status_code
    where = f"{endpoint} ({method} {url}) as {name}: {status}"
    if ends_session:  # every session of theirs may have ended: log in again
        site.visitors.pop(name)
    if expected == "ok":
        assert site.passed == [endpoint], f"{where}: the gate refused"
        assert status < 500, where
        if not ends_session and endpoint not in BACK_TO_LOG_IN:  # those end on the log-in page
            assert "/auth/login" not in response.headers.get("Location", ""), f"{where}: log in"
        return
    assert site.passed == [], f"{where}: the view ran, expected {expected}"
    if expected == "login":
        assert status == 302 and "/auth/login" in response.location, where
    else:
        assert status == int(expected), f"{where}: expected {expected}"
    assert audit_rows(site.app) == before, f"{where}: a refused request left an audit row"


@pytest.mark.parametrize("endpoint", list(ROUTE_TABLE))
def test_route_x_role(site: Site, endpoint: str) -> None:
    """Each row: every visitor gets what the table says."""
    for name in VISITORS:
        check(site, endpoint, name)


def page(site: Site, name: str, path: str) -> str:
    """The page at ``path`` (its {names} filled) as the visitor ``name`` sees it."""
    response = site.visitor(name).send("GET", path.format(**site.ids))
    assert response.status_code == 200, (name, path, response.status_code)
    return response.text


def personal_data(text: str) -> list[str]:
    """The sample participants' names and e-mails found in ``text``."""
    return [value for person in sample_people() for value in person if value in text]


FIGURE_PAGES = (P + "/", P + "/runs/", RUN + "/dashboard", P + "/outcomes")


def test_a_viewer_sees_figures_and_no_personal_data(site: Site) -> None:
    for path in FIGURE_PAGES:
        text = page(site, "viewer", path)
        assert personal_data(text) == [], path
        for denied in ("/participants/", '/review"', "/import/", "/outbox/", "/history", "/pairs/"):
            assert denied not in text, (path, denied)
        assert "Run matching" not in text and "Re-run matching" not in text
    overview = page(site, "viewer", P + "/")
    assert "Your role here: viewer." in overview
    assert re.search(r"/runs/\d+/dashboard", overview) and "/outcomes" in overview
    runs = page(site, "viewer", P + "/runs/")
    assert f"/runs/{site.ids['run']}/dashboard" in runs
    assert "admin@example.org" not in runs  # who started a run is for reviewers and up
    # the same pages name people for those who may read them, so the check above can fail
    assert personal_data(page(site, "manager", P + "/participants/"))
    assert personal_data(page(site, "reviewer", RUN + "/review"))
    assert "admin@example.org" in page(site, "reviewer", P + "/runs/")


def department_rows(site: Site, name: str) -> dict[str, int]:
    """Requests per department of the outcomes CSV as the visitor ``name`` downloads it."""
    response = site.visitor(name).send("GET", (P + "/outcomes.csv").format(**site.ids))
    assert response.status_code == 200
    rows = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig", keep_default_na=False)
    return dict(rows[rows.breakdown == "department"][["group", "requests"]].values.tolist())


def test_a_viewer_sees_no_department_small_enough_to_name_someone(site: Site) -> None:
    manager, viewer = department_rows(site, "manager"), department_rows(site, "viewer")
    assert min(manager.values()) < SMALL_GROUP  # the sample has small departments
    assert min(viewer.values()) >= SMALL_GROUP and SMALL_GROUPS in viewer
    assert sum(viewer.values()) == sum(manager.values())
    # the groups shown are exactly the manager's, except those pooled (small, or next to
    # smallest when the small ones alone would make a pool small enough to subtract)
    assert all(viewer[g] == manager[g] for g in viewer if g != SMALL_GROUPS)
    assert sum(manager[g] for g in manager if g not in viewer) == viewer[SMALL_GROUPS]
    text = page(site, "viewer", P + "/outcomes")
    assert SMALL_GROUPS in text
    assert all(group not in text for group, n in manager.items() if n < SMALL_GROUP)


def test_a_reviewer_decides_but_gets_no_publish_export_or_run_buttons(site: Site) -> None:
    review = page(site, "reviewer", RUN + "/review")
    assert "/matches/" in review and "/bulk" in review  # deciding
    for denied in ("/publish", "/exports", "export.csv", "introductions.zip", "/import/"):
        assert denied not in review, denied
    assert "/outbox/" not in review
    run = page(site, "reviewer", RUN)
    assert "Re-run matching" not in run and "/exports" not in run
    person = page(site, "reviewer", P + "/participants/{participant}")
    for denied in ("/edit", "/delete", "/erase", "/export.json", "/invites/"):
        assert denied not in person, denied
    # a manager gets every one of them
    assert "/publish" in page(site, "manager", RUN + "/review")
    assert "/exports" in page(site, "manager", RUN)
    managed = page(site, "manager", P + "/participants/{participant}")
    assert all(action in managed for action in ("/edit", "/erase", "/export.json"))


def test_the_navigation_fits_the_role(site: Site) -> None:
    def tabs(name: str) -> list[str]:
        nav = page(site, name, P + "/").split('aria-label="Program"', 1)[1].split("</nav>")[0]
        return re.findall(r">([^<]+)</a>", nav)[1:]  # the program's own name first

    assert tabs("viewer") == ["Matching", "Outcomes"]
    assert tabs("reviewer") == ["Participants", "Matching", "Published matches", "Outcomes"]
    assert tabs("manager") == tabs("owner")
    assert "History" in tabs("manager") and "Settings" in tabs("manager")
    assert "Sign-ins" in page(site, "owner", "/programs/")
    assert "Sign-ins" not in page(site, "manager", "/programs/")


def test_the_programs_list_shows_each_admin_their_programs(site: Site) -> None:
    owner = page(site, "owner", "/programs/")
    assert "ERG circle" in owner and "HR autumn" in owner and "New program" in owner
    lead = page(site, "other", "/programs/")
    assert "ERG circle" in lead and "program manager" in lead
    assert "HR" not in lead and "New program" not in lead
    viewer = page(site, "viewer", "/programs/")
    assert "HR autumn" in viewer and "ERG circle" not in viewer and "viewer" in viewer
    with site.app.app_context():
        add_admin("new.admin@example.org")
        db.session.commit()
    newcomer = Visitor(site.app, "new.admin@example.org").login()
    assert newcomer.client is not None
    text = newcomer.client.get("/programs/").text
    assert "Ask an owner to give you one." in text
    assert "New program" not in text and "HR autumn" not in text


def test_the_next_cohort_keeps_the_roles(site: Site) -> None:
    with site.app.app_context():
        autumn = db.session.scalars(sa.select(Program).where(Program.name == "HR autumn")).one()
        roles = {
            access.admin.email: access.role
            for access in db.session.scalars(
                sa.select(ProgramAccess).where(ProgramAccess.program_id == autumn.id)
            )
        }
        autumn_id = autumn.id
        db.session.remove()
    assert roles == {
        EMAILS["manager"]: "manager",
        EMAILS["reviewer"]: "reviewer",
        EMAILS["viewer"]: "viewer",
    }
    assert site.visitor("viewer").send("GET", f"/programs/{autumn_id}/").status_code == 200
    assert site.visitor("other").send("GET", f"/programs/{autumn_id}/").status_code == 404


def test_an_erg_lead_cannot_reach_hr_data_through_their_own_program(site: Site) -> None:
    """Every route with an id of HR's program after the ERG lead's own program in the path
    (HR's run, pair, participant, e-mail, upload, registration, link or job): every lookup
    checks the program, so HR's data is neither shown nor changed."""
    with site.app.app_context():
        erg = db.session.scalars(sa.select(Program.id).where(Program.name == "ERG circle")).one()
        db.session.remove()
    lead = site.visitor("other")
    ids = {**site.ids, "program": erg}
    tried = 0
    for endpoint, (method, path, _) in ROUTE_TABLE.items():
        inner = set(re.findall(r"{(\w+)}", path)) - {"program"}
        if not path.startswith(P) or not inner:
            continue
        tried += 1
        before = audit_rows(site.app)
        response = lead.send(method, path.format(**ids))
        refused = {404} if method == "GET" else {302, 400, 404}  # a POST may say so and go back
        assert response.status_code in refused, (endpoint, response.status_code)
        assert audit_rows(site.app) == before, endpoint
        assert personal_data(response.text) == [], endpoint
    assert tried >= 30


def test_the_docs_roles_table_agrees_with_the_code() -> None:
    """The table of docs/security.md#roles says what webapp.roles.ALLOWED does."""
    text = (SAMPLE.parents[1] / "docs" / "security.md").read_text(encoding="utf-8")
    section = text.split("\n## Roles\n", 1)[1].split("\n## ", 1)[0]
    header, *rows = [line for line in section.splitlines() if line.startswith("| ")]
    assert [cell.strip() for cell in header.strip("|").split("|")][1:] == [
        "owner",
        "program manager",
        "reviewer",
        "viewer",
    ]
    documented: dict[Role, set[Need]] = {role: set() for role in Role}
    for row in rows:
        what, *answers = [cell.strip() for cell in row.strip("|").split("|")]
        need = Need(re.findall(r"\(`(\w+)`\)$", what)[0])
        for role, answer in zip(Role, answers, strict=True):
            assert answer in {"yes", "no"}, row
            if answer == "yes":
                documented[role].add(need)
    assert documented == {role: set(ALLOWED[role]) for role in Role}
    assert {need for row in documented.values() for need in row} == set(Need) - {
        Need.PUBLIC,
        Need.SIGNED_IN,
    }


def targets(html: str) -> set[tuple[str, str]]:
    """(method, path) of every link and form of a page that stays on the site."""
    found = set()
    for form in re.finditer(r"<form\b[^>]*>", html):
        tag = form[0]
        action = re.search(r'action="([^"]*)"', tag)
        method = "POST" if 'method="post"' in tag else "GET"
        if action and action[1]:
            found.add((method, action[1]))
    found |= {("POST", m) for m in re.findall(r'formaction="([^"]+)"', html)}
    found |= {("GET", h) for h in re.findall(r'href="([^"#]+)"', html)}
    local = {(m, re.sub(r"^https?://mentorloom\.test", "", p)) for m, p in found}
    return {(m, p.split("?")[0].replace("&amp;", "&")) for m, p in local if p.startswith("/")}


@pytest.mark.parametrize("name", ["reviewer", "viewer"])
def test_every_link_and_button_a_role_sees_opens_for_it(site: Site, name: str) -> None:
    """Every page the role may open links and posts only where the role may go."""
    adapter = site.app.url_map.bind("mentorloom.test")
    column = VISITORS.index(name)
    seen = 0
    for endpoint, (method, path, outcomes) in ROUTE_TABLE.items():
        if method != "GET" or outcomes.split()[column] != "ok" or ".csv" in path:
            continue
        response = site.visitor(name).send("GET", path.format(**site.ids))
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        seen += 1
        for target_method, target in targets(response.text):
            if target.startswith("/static/"):
                continue
            found, _ = adapter.match(target, method=target_method)
            expected = ROUTE_TABLE[found][2].split()[column]
            assert expected == "ok", f"{endpoint} shows {name} {target_method} {target}"
    assert seen >= 8
