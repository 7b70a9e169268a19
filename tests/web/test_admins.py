"""Managing admins (issue 18 item 1, and item 3's "a role change and removal end the
sessions"): an owner invites by e-mail, the invitee sets a password from the link (once,
before it expires, unless revoked) and sees only their programs; role changes and removals
end every session at once; nobody demotes or removes themselves, the last owner stays;
only owners open the Admins pages; single sign-on takes invitations and the owner claim.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from tests.web.helpers import ADMIN_EMAIL, AuthActions, make_app
from tests.web.oidc import Provider, oidc_provider, sign_in
from tests.web.smtp import SmtpSink
from tests.web.test_security import routes
from tests.web.test_sessions import copy_of
from webapp import admin_access
from webapp.access_models import AdminInvite, ProgramAccess
from webapp.admins import create_admin, find_admin
from webapp.db import db
from webapp.mail.models import OutboxMessage
from webapp.models import AdminUser, AuditEvent, Program, utcnow
from webapp.roles import Role, grant

__all__ = ["oidc_provider"]  # the fixture, used by name

INVITEE = "rita@example.org"
PASSWORD = "violet kettle harbour"


def programs(app: Flask, *names: str) -> list[int]:
    """Programs called ``names``; their ids."""
    with app.app_context():
        made = [Program(name=name, config={}) for name in names]
        db.session.add_all(made)
        db.session.commit()
        return [program.id for program in made]


def invite(client: FlaskClient, email: str, **access: str) -> str:
    """Post the invitation form (``owner="y"`` or ``program-<id>=<role>``) as an owner;
    the page it ends on."""
    answer = client.post("/admins/invite", data={"email": email, **access}, follow_redirects=True)
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def invite_link(smtp_server: SmtpSink, email: str, count: int = 1) -> str:
    """The path of the link in the ``count``-th invitation e-mail to ``email``."""
    smtp_server.wait_for(count)
    mine = smtp_server.to(email)
    assert len(mine) == count
    found = re.search(r"https?://[^/\s]+(/auth/welcome/\S+)", mine[-1].text)
    assert found is not None, mine[-1].text
    return found.group(1)


def opens(client: FlaskClient, path: str) -> int:
    """The status of ``path`` for the client (302: sent to the log-in page)."""
    return client.get(path).status_code


def admin_with(app: Flask, email: str, program_id: int, role: Role) -> FlaskClient:
    """A password admin with ``role`` in the program, logged in on a new client."""
    with app.app_context():
        admin = create_admin(email, PASSWORD)
        admin.is_owner = False
        db.session.flush()
        grant(admin, program_id, role)
        db.session.commit()
    client = app.test_client()
    assert AuthActions(client).login(email, PASSWORD).status_code == 302
    return client


def admin_id(app: Flask, email: str) -> int:
    with app.app_context():
        found = find_admin(email)
        assert found is not None
        return found.id


def events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context():
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(db.session.scalars(query))


def test_an_invited_reviewer_sets_a_password_and_sees_only_their_program(
    mail_app: Flask, mail_admin: FlaskClient, smtp_server: SmtpSink
) -> None:
    spring, autumn = programs(mail_app, "Spring", "Autumn")
    page = invite(mail_admin, INVITEE, **{f"program-{spring}": "reviewer"})
    assert f"The invitation is on its way to {INVITEE}." in page
    assert INVITEE in page and "reviewer of Spring" in page and ADMIN_EMAIL in page
    link = invite_link(smtp_server, INVITEE)
    mail = smtp_server.to(INVITEE)[0]
    assert "reviewer of Spring" in mail.text and ADMIN_EMAIL in mail.text
    with mail_app.app_context():
        site_mail = db.session.scalars(select(OutboxMessage)).all()
        assert [(m.to, m.program_id, m.kind) for m in site_mail] == [
            (INVITEE, None, "admin_invite")
        ]
        assert db.session.scalar(select(AdminInvite.token_hash)) not in link

    invitee = mail_app.test_client()
    assert "Choose a password" in invitee.get(link).get_data(as_text=True)
    weak = invitee.post(link, data={"password": "1qaz2wsx3edc"}).get_data(as_text=True)
    assert "one of the 10,000 most common ones" in weak
    assert find_admin_in(mail_app, INVITEE) is None
    done = invitee.post(link, data={"password": PASSWORD})
    assert done.status_code == 302 and done.location.endswith("/programs/")
    index = invitee.get("/programs/").get_data(as_text=True)
    assert ">Spring</a>" in index and "Autumn" not in index
    assert opens(invitee, f"/programs/{spring}/") == 200
    assert opens(invitee, f"/programs/{spring}/participants/") == 200
    assert opens(invitee, f"/programs/{spring}/settings") == 403
    assert opens(invitee, f"/programs/{autumn}/") == 404
    assert opens(invitee, "/admins/") == 403
    assert AuthActions(mail_app.test_client()).login(INVITEE, PASSWORD).status_code == 302

    again = mail_app.test_client().post(link, data={"password": "another quiet harbour"})
    assert again.status_code == 404
    assert "This invitation does not work" in again.get_data(as_text=True)
    (joined,) = events(mail_app, "admins.joined")
    assert joined.actor == INVITEE and joined.detail["roles"] == {"Spring": "reviewer"}
    listed = mail_admin.get("/admins/").get_data(as_text=True)
    assert "No invitation is pending." in listed and "reviewer of Spring" in listed


def find_admin_in(app: Flask, email: str) -> AdminUser | None:
    with app.app_context():
        return find_admin(email)


def test_expired_resent_and_revoked_links_are_refused(
    mail_app: Flask, mail_admin: FlaskClient, smtp_server: SmtpSink
) -> None:
    invite(mail_admin, INVITEE, owner="y")
    first = invite_link(smtp_server, INVITEE)
    stranger = mail_app.test_client()
    assert opens(stranger, first) == 200
    with mail_app.app_context():
        db.session.execute(update(AdminInvite).values(expires_at=utcnow()))
        db.session.commit()
        invite_id = db.session.scalar(select(AdminInvite.id))
    assert opens(stranger, first) == 404
    assert stranger.post(first, data={"password": PASSWORD}).status_code == 404
    assert "expired" in mail_admin.get("/admins/").get_data(as_text=True)

    mail_admin.post(f"/admins/invites/{invite_id}/resend")
    second = invite_link(smtp_server, INVITEE, 2)
    assert second != first
    assert opens(stranger, first) == 404 and opens(stranger, second) == 200

    mail_admin.post(f"/admins/invites/{invite_id}/revoke")
    assert opens(stranger, second) == 404
    assert stranger.post(second, data={"password": PASSWORD}).status_code == 404
    assert find_admin_in(mail_app, INVITEE) is None
    actions = [e.action for e in events(mail_app, "admins.invite_revoked")]
    assert actions == ["admins.invite_revoked"] and events(mail_app, "admins.invite_resent")
    sign_ins = mail_admin.get("/sign-ins/").get_data(as_text=True)
    assert "Revoked an admin&#39;s invitation" in sign_ins


def test_closed_invitations_are_forgotten_and_made_admins_leave_the_list(
    app: Flask, admin_client: FlaskClient
) -> None:
    """An invitation used, revoked or expired more than 30 days ago is deleted at the next
    invitation; one whose address became an admin another way is no longer pending."""
    invite(admin_client, "old@example.org", owner="y")
    invite(admin_client, "became@example.org", owner="y")
    with app.app_context():
        long_ago = utcnow() - timedelta(days=31)
        db.session.execute(
            update(AdminInvite)
            .where(AdminInvite.email == "old@example.org")
            .values(revoked_at=long_ago)
        )
        create_admin("became@example.org", "a long break-glass password")
        db.session.commit()
    page = admin_client.get("/admins/").get_data(as_text=True)
    assert page.count("became@example.org") == 1  # in the list of admins, not pending
    invite(admin_client, "new@example.org", owner="y")
    with app.app_context():
        kept = db.session.scalars(select(AdminInvite.email).order_by(AdminInvite.id)).all()
    assert kept == ["became@example.org", "new@example.org"]


@pytest.mark.parametrize(
    ("email", "access", "error"),
    [
        (ADMIN_EMAIL, {"owner": "y"}, "already belongs to an admin: change their roles"),
        ("not an address", {"owner": "y"}, "e-mail"),
        (INVITEE, {}, "Make them an owner, or give them a role in a program."),
        (INVITEE, {"program-1": "emperor"}, "Not a valid choice"),
    ],
)
def test_an_invitation_the_app_cannot_send_is_a_form_error(
    app: Flask, admin_client: FlaskClient, email: str, access: dict[str, str], error: str
) -> None:
    programs(app, "Spring")
    answer = admin_client.post("/admins/invite", data={"email": email, **access})
    assert answer.status_code == 200
    assert error in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(AdminInvite)).all() == []
        assert db.session.scalars(select(OutboxMessage)).all() == []


def test_an_address_invited_already_is_a_form_error(app: Flask, admin_client: FlaskClient) -> None:
    assert "on its way" in invite(admin_client, INVITEE, owner="y")
    page = invite(admin_client, INVITEE.upper(), owner="y")
    assert "This address is invited already: send the invitation again, or revoke it" in page
    with app.app_context():
        assert len(db.session.scalars(select(AdminInvite)).all()) == 1


def test_a_role_change_ends_every_session_of_the_admin_at_once(
    app: Flask, admin_client: FlaskClient
) -> None:
    spring, autumn = programs(app, "Spring", "Autumn")
    rita = admin_with(app, INVITEE, spring, Role.REVIEWER)
    thief = copy_of(rita)
    assert opens(thief, f"/programs/{spring}/participants/") == 200
    rita_id = admin_id(app, INVITEE)
    page = admin_client.get(f"/admins/{rita_id}").get_data(as_text=True)
    assert 'selected value="reviewer"' in page or 'value="reviewer" selected' in page

    changed = admin_client.post(
        f"/admins/{rita_id}",
        data={f"program-{spring}": "viewer", f"program-{autumn}": "manager"},
        follow_redirects=True,
    )
    assert "every session of theirs has ended" in changed.get_data(as_text=True)
    for client in (rita, thief):
        answer = client.get(f"/programs/{spring}/participants/")
        assert answer.status_code == 302 and "/auth/login" in answer.location
    (event,) = events(app, "admins.roles")
    assert event.detail["before"] == {"owner": False, "roles": {"Spring": "reviewer"}}
    assert event.detail["after"] == {
        "owner": False,
        "roles": {"Autumn": "manager", "Spring": "viewer"},
    }
    assert event.detail["sessions_ended"] == 1  # the thief holds a copy of the one session

    again = app.test_client()
    assert AuthActions(again).login(INVITEE, PASSWORD).status_code == 302
    assert opens(again, f"/programs/{spring}/") == 200
    assert opens(again, f"/programs/{spring}/participants/") == 403
    assert opens(again, f"/programs/{autumn}/settings") == 200

    unchanged = admin_client.post(
        f"/admins/{rita_id}",
        data={f"program-{spring}": "viewer", f"program-{autumn}": "manager"},
        follow_redirects=True,
    )
    assert "Nothing changed." in unchanged.get_data(as_text=True)
    assert opens(again, f"/programs/{spring}/") == 200
    cleared = {"owner": "y", f"program-{spring}": "", f"program-{autumn}": ""}
    admin_client.post(f"/admins/{rita_id}", data=cleared)
    assert opens(again, f"/programs/{spring}/") == 302
    with app.app_context():
        rita_now = find_admin(INVITEE)
        assert rita_now is not None and rita_now.is_owner
        assert db.session.scalars(select(ProgramAccess)).all() == []


def test_removal_ends_every_session_and_the_account(app: Flask, admin_client: FlaskClient) -> None:
    (spring,) = programs(app, "Spring")
    rita = admin_with(app, INVITEE, spring, Role.MANAGER)
    thief = copy_of(rita)
    rita_id = admin_id(app, INVITEE)
    ask = admin_client.get(f"/admins/{rita_id}/remove").get_data(as_text=True)
    assert f"Remove {INVITEE}?" in ask
    assert opens(thief, f"/programs/{spring}/settings") == 200
    removed = admin_client.post(f"/admins/{rita_id}/remove", follow_redirects=True)
    assert f"{INVITEE} is removed" in removed.get_data(as_text=True)
    for client in (rita, thief):
        assert opens(client, f"/programs/{spring}/settings") == 302
    assert AuthActions(app.test_client()).login(INVITEE, PASSWORD).status_code == 200
    with app.app_context():
        assert find_admin(INVITEE) is None
        assert db.session.scalars(select(ProgramAccess)).all() == []
    (event,) = events(app, "admins.remove")
    assert event.detail["admin"] == INVITEE and event.detail["roles"] == {"Spring": "manager"}
    logins = {e.actor: e.admin_id for e in events(app, "auth.login")}
    assert logins == {ADMIN_EMAIL: admin_id(app, ADMIN_EMAIL), INVITEE: None}


def test_nobody_demotes_or_removes_themselves(app: Flask, admin_client: FlaskClient) -> None:
    me = admin_id(app, ADMIN_EMAIL)
    assert "This is you" in admin_client.get(f"/admins/{me}").get_data(as_text=True)
    demoted = admin_client.post(f"/admins/{me}", data={}, follow_redirects=True)
    assert "You cannot change your own roles or remove yourself" in demoted.get_data(as_text=True)
    removed = admin_client.post(f"/admins/{me}/remove", follow_redirects=True)
    assert "You cannot change your own roles or remove yourself" in removed.get_data(as_text=True)
    with app.app_context():
        found = find_admin(ADMIN_EMAIL)
        assert found is not None and found.is_owner
    assert opens(admin_client, "/admins/") == 200
    assert events(app, "admins.roles") == [] and events(app, "admins.remove") == []


def test_the_last_owner_stays_an_owner(app: Flask, admin_client: FlaskClient) -> None:
    """The web pages cannot reach it (an owner is always another owner); the rule itself
    holds for anyone: the last owner is neither demoted nor removed, another one may be."""
    (spring,) = programs(app, "Spring")
    admin_with(app, INVITEE, spring, Role.VIEWER)
    with app.app_context():
        owner, other = find_admin(ADMIN_EMAIL), find_admin(INVITEE)
        assert owner is not None and other is not None
        problem = admin_access.change_problem(other, owner, stays_owner=False)
        assert problem == f"{ADMIN_EMAIL} is the last owner: make someone else an owner first."
        assert admin_access.change_problem(other, owner, stays_owner=True) is None
    admin_client.post(f"/admins/{admin_id(app, INVITEE)}", data={"owner": "y"})
    with app.app_context():
        owner, other = find_admin(ADMIN_EMAIL), find_admin(INVITEE)
        assert admin_access.change_problem(other, owner, stays_owner=False) is None


def test_only_owners_open_the_admins_pages(app: Flask, admin_client: FlaskClient) -> None:
    (spring,) = programs(app, "Spring")
    invite(admin_client, "someone@example.org", owner="y")
    manager = admin_with(app, INVITEE, spring, Role.MANAGER)
    pages = [(e, m, u) for e, m, u in routes(app) if e.startswith("admin.admins.")]
    assert len(pages) == 10
    for endpoint, method, url in pages:
        assert manager.open(url, method=method).status_code == 403, (endpoint, method)
    assert "Admins</a>" not in manager.get(f"/programs/{spring}/").get_data(as_text=True)
    assert "Admins</a>" in admin_client.get("/programs/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(AdminInvite.revoked_at)) is None
        assert len(db.session.scalars(select(AdminUser)).all()) == 2


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_the_admins_forms_need_the_csrf_token(db_url: str, app: Flask) -> None:
    csrf_app = make_app(db_url, WTF_CSRF_ENABLED=True)
    client = csrf_app.test_client()
    token = _csrf(client.get("/auth/login").get_data(as_text=True))
    login = {"email": ADMIN_EMAIL, "password": "correct horse battery", "csrf_token": token}
    assert client.post("/auth/login", data=login).status_code == 302
    refused = client.post("/admins/invite", data={"email": INVITEE, "owner": "y"})
    assert refused.status_code == 400
    token = _csrf(client.get("/admins/invite").get_data(as_text=True))
    sent = client.post("/admins/invite", data={"email": INVITEE, "owner": "y", "csrf_token": token})
    assert sent.status_code == 302
    with csrf_app.app_context():
        assert [i.email for i in db.session.scalars(select(AdminInvite))] == [INVITEE]
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def sso_mail_app(
    db_url: str,
    oidc_provider: Provider,
    smtp_server: SmtpSink,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Flask]:
    """An app signing in only with the provider (``mentoring-hr`` maps to owner, ``sales``
    to staff), sending e-mail to :func:`smtp_server`."""
    monkeypatch.setenv("MENTORLOOM_INSTANCE_PATH", str(tmp_path / "instance"))
    app = make_app(
        db_url,
        **oidc_provider.settings(
            OIDC_ROLES={"mentoring-hr": "owner", "sales": "staff"},
            PASSWORD_LOGIN=False,
            SMTP_URL=smtp_server.url,
            MAIL_FROM="mentoring@example.org",
        ),
    )
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_single_sign_on_takes_the_invitation_and_the_owner_claim(
    sso_mail_app: Flask, smtp_server: SmtpSink, oidc_provider: Provider, db_url: str
) -> None:
    app = sso_mail_app
    spring, autumn = programs(app, "Spring", "Autumn")
    bea = app.test_client()
    assert sign_in(bea, "bea").status_code == 302
    with app.app_context():
        found = find_admin("bea@example.org")
        assert found is not None and found.is_owner
    invite(bea, "erin@example.org", **{f"program-{spring}": "reviewer"})
    mail = smtp_server.wait_for(1)[0]
    assert "Sign in with Example SSO as erin@example.org" in mail.text
    link = invite_link(smtp_server, "erin@example.org")
    page = app.test_client().get(link).get_data(as_text=True)
    assert "Sign in with Example SSO" in page and "Choose a password" not in page

    erin = app.test_client()
    assert sign_in(erin, "erin").status_code == 302
    assert opens(erin, f"/programs/{spring}/participants/") == 200
    assert opens(erin, f"/programs/{autumn}/") == 404
    assert opens(erin, "/admins/") == 403
    (joined,) = events(app, "admins.joined")
    assert joined.detail["how"] == "oidc" and joined.detail["roles"] == {"Spring": "reviewer"}
    assert opens(app.test_client(), link) == 404

    demoting = make_app(db_url, **oidc_provider.settings(OIDC_ROLES={"mentoring-hr": "staff"}))
    again = demoting.test_client()
    assert sign_in(again, "bea").status_code == 302
    assert opens(bea, "/admins/") == 302  # the earlier session ended: a role change
    assert opens(again, "/admins/") == 403
    owner_events = events(app, "admins.sso_owner")
    assert [(e.detail["owner"], e.detail["claim"]) for e in owner_events] == [
        (True, "owner"),
        (False, "staff"),
    ]
    with demoting.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_new_sso_admin_without_an_invitation_sees_no_program(sso_mail_app: Flask) -> None:
    (spring,) = programs(sso_mail_app, "Spring")
    erin = sso_mail_app.test_client()
    assert sign_in(erin, "erin").status_code == 302
    assert opens(erin, "/programs/") == 200
    assert opens(erin, f"/programs/{spring}/") == 404
    with sso_mail_app.app_context():
        found = find_admin("erin@example.org")
        assert found is not None and not found.is_owner


def row_of(page: str, email: str) -> list[str]:
    """The cells' text of the Admins page's row of ``email``."""
    rows = re.findall(r"<tr>(.*?)</tr>", page, flags=re.S)
    (row,) = [r for r in rows if f">{email}</a>" in r]
    cells = re.findall(r"<td>(.*?)</td>", row, flags=re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def test_the_admins_page_says_who_may_do_what_and_where_they_are_signed_in(
    app: Flask, admin_client: FlaskClient
) -> None:
    spring, autumn = programs(app, "Spring", "Autumn")
    admin_with(app, INVITEE, spring, Role.REVIEWER)
    second = app.test_client()
    assert AuthActions(second).login(INVITEE, PASSWORD).status_code == 302
    with app.app_context():
        rita = find_admin(INVITEE)
        grant(rita, autumn, Role.VIEWER)
        db.session.add(AdminUser(email="sam@example.org", password_hash="!no-password"))
        db.session.commit()
    page = admin_client.get("/admins/").get_data(as_text=True)
    owner = row_of(page, ADMIN_EMAIL)
    assert owner[0].endswith("(you)") and owner[1:3] == ["owner", "password"] and owner[4] == "1"
    assert row_of(page, INVITEE)[1:3] == ["viewer of Autumn; reviewer of Spring", "password"]
    assert row_of(page, INVITEE)[4] == "2"
    sam = row_of(page, "sam@example.org")
    assert sam[1:] == ["no role in any program", "none yet", "none in 90 days", "0", "off"]


def test_guessing_invitation_links_is_rate_limited_like_the_log_in(db_url: str, app: Flask) -> None:
    """Links are 256 random bits; still, their POSTs count with the log-in's per address."""
    limited = make_app(db_url, RATE_LIMITS={"login": [3, 60], "intake": [60, 60]})
    client = limited.test_client()
    answers = [
        client.post(f"/auth/welcome/guess-{n}", data={"password": PASSWORD}) for n in range(4)
    ]
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    assert client.get("/auth/welcome/guess-5").status_code == 404  # only attempts count
    with limited.app_context():
        db.session.remove()
        db.engine.dispose()
