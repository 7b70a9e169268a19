"""The audit pages (issue 18, item 6): a program's History with words, filter, pages and
CSV; the site-wide Sign-ins; redacted events; who may read them; every recorded action
has words."""

from __future__ import annotations

import ast
import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

import webapp
from tests.web.helpers import ADMIN_EMAIL, AuthActions
from webapp import audit, audit_log
from webapp.audit_words import ACTION_WORDS, SIGN_IN_PREFIX, kind_of
from webapp.db import db
from webapp.mail.models import MailKind
from webapp.models import AuditEvent
from webapp.pair_models import Answer
from webapp.run_models import Action

HEADER = ["time_utc", "actor", "action", "what", "detail", "address"]


def rows(data: bytes) -> list[list[str]]:
    """The rows of a CSV download, header first."""
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def add_events(app: Flask, program_id: int | None, count: int, action: str, **detail: str) -> None:
    """``count`` events of ``action`` with ``detail``, one a minute from 2026-03-01 09:00,
    the last one newest."""
    start = datetime(2026, 3, 1, 9, 0)
    with app.app_context():
        for n in range(count):
            db.session.add(
                AuditEvent(
                    program_id=program_id,
                    actor=f"admin{n}@example.org",
                    action=action,
                    detail={"n": n, **detail},
                    created_at=start + timedelta(minutes=n),
                )
            )
        db.session.commit()


def test_history_says_who_did_what_when_and_filters_by_kind(
    admin_client: FlaskClient, program_id: int
) -> None:
    admin_client.post(f"/programs/{program_id}/edit", data={"name": "Renamed"})
    admin_client.post(f"/programs/{program_id}/invites/program")
    page = admin_client.get(f"/programs/{program_id}/history").text
    assert "When (UTC)" in page and ADMIN_EMAIL in page
    assert page.index("Made the program link") < page.index("Renamed the program")
    assert "name: Renamed" in page and "2 events." in page
    invites = admin_client.get(f"/programs/{program_id}/history?kind=invites").text
    assert "Made the program link" in invites and "Renamed the program" not in invites
    assert "1 event." in invites
    wrong = admin_client.get(f"/programs/{program_id}/history?kind=nonsense")
    assert wrong.status_code == 400 and "The filter &#39;kind&#39; must be" in wrong.text


def test_history_comes_50_events_to_a_page_newest_first(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    add_events(app, program_id, 120, "participant.edit")
    first = admin_client.get(f"/programs/{program_id}/history").text
    assert "admin119@example.org" in first and "admin70@example.org" in first
    assert "admin69@example.org" not in first and "Page 1 of 3" in first
    last = admin_client.get(f"/programs/{program_id}/history?page=3").text
    assert "admin19@example.org" in last and "admin0@example.org" in last
    assert "admin20@example.org" not in last
    assert admin_client.get(f"/programs/{program_id}/history?page=x").status_code == 400


def test_the_history_csv_has_every_event_with_its_columns(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    admin_client.post(f"/programs/{program_id}/edit", data={"name": "=HYPERLINK(1)"})
    add_events(app, program_id, 3, "run.start")
    data = admin_client.get(f"/programs/{program_id}/history.csv")
    assert data.mimetype == "text/csv" and "attachment" in data.headers["Content-Disposition"]
    header, *body = rows(data.data)
    assert header == HEADER
    assert [r[2] for r in body] == ["audit.export", "program.rename", *["run.start"] * 3]
    rename = body[1]
    assert rename[1] == ADMIN_EMAIL and rename[3] == "Renamed the program"
    assert rename[4] == '{"name": "=HYPERLINK(1)"}'  # JSON text, inert in a spreadsheet
    assert body[-1][0] == "2026-03-01 09:00:00" and body[-1][3] == "Started a match run"
    only = rows(admin_client.get(f"/programs/{program_id}/history.csv?kind=runs").data)
    assert [r[2] for r in only[1:]] == ["run.start"] * 3


def test_the_csv_reads_the_log_in_chunks_each_event_once(app: Flask, program_id: int) -> None:
    """Chunks continue after the last event read, also among events of the same second."""
    add_events(app, program_id, 10, "run.start")
    with app.app_context():
        same = datetime(2026, 3, 1, 9, 5)
        for n in range(10, 15):
            db.session.add(
                AuditEvent(
                    program_id=program_id,
                    actor="a",
                    action="run.start",
                    detail={"n": n},
                    created_at=same,
                )
            )
        db.session.commit()
        chunks = list(audit_log.csv_chunks(audit_log.program_events(program_id), chunk=4))
    assert len(chunks) == 1 + 4  # the header, then 15 events 4 at a time
    header, *body = rows(b"".join(chunks))
    assert header == HEADER
    numbers = [int(r[4].split(": ")[1].rstrip("}")) for r in body]
    assert sorted(numbers) == list(range(15)) and numbers[:6] == [9, 8, 7, 6, 14, 13]


def test_a_redacted_event_shows_as_erased(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    with app.app_context():
        db.session.add(
            AuditEvent(
                program_id=program_id,
                actor=ADMIN_EMAIL,
                action="invite.person",
                detail={"email": "ana@example.org"},
            )
        )
        db.session.commit()
        stored = db.session.query(AuditEvent).filter_by(action="invite.person").one()
        audit.redact(stored, ADMIN_EMAIL, {"email": audit.ERASED})
        db.session.commit()
    page = admin_client.get(f"/programs/{program_id}/history").text
    assert "ana@example.org" not in page and "email: [erased]" in page
    assert "Made a personal link (personal data erased" in page
    data = admin_client.get(f"/programs/{program_id}/history.csv").data
    assert b"ana@example.org" not in data
    redacted = rows(data)[-1]
    assert redacted[3].startswith("Made a personal link (personal data erased")
    assert redacted[4] == '{"email": "[erased]"}'


def test_sign_ins_list_log_ins_failures_and_log_outs_with_the_address(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    """A wrong password and a log-in through the form, and the log-in, log-out and SSO
    events that the session and SSO code record (with the address in their detail)."""
    for action in ("auth.login", "auth.logout", "auth.sso"):
        add_events(app, None, 1, action, address="10.0.0.7")
    auth.login(password="wrong password")
    auth.login()
    page = client.get("/sign-ins/").text
    assert "5 events." in page and page.count("10.0.0.7") == 3 and "127.0.0.1" in page
    for words in ("Failed sign-in", "Signed out", "Signed in <code", "identity provider"):
        assert words in page
    failed = client.get("/sign-ins/?action=auth.failed").text
    assert "1 event." in failed and "Signed out" not in failed.split("<table>")[1]
    assert client.get("/sign-ins/?action=program.rename").status_code == 400
    header, *body = rows(client.get("/sign-ins.csv").data)
    assert header == HEADER
    assert [r[2] for r in body] == [
        "auth.login",
        "auth.failed",
        "auth.sso",
        "auth.logout",
        "auth.login",
    ]
    assert [r[5] for r in body] == ["127.0.0.1", "127.0.0.1", *["10.0.0.7"] * 3]
    assert body[0][1] == "admin@example.org" and '"how": "password"' in body[0][4]
    assert body[1][1] == "anonymous" and '"account": "admin@example.org"' in body[1][4]
    auth.logout()  # the log-out through the button is recorded too
    auth.login()
    header, *body = rows(client.get("/sign-ins.csv").data)
    assert [(r[1], r[2], r[5]) for r in body[:2]] == [
        ("admin@example.org", "auth.login", "127.0.0.1"),
        ("admin@example.org", "auth.logout", "127.0.0.1"),
    ]


def test_a_program_history_holds_no_sign_ins(admin_client: FlaskClient, program_id: int) -> None:
    """Sign-ins are site-wide: they are on the Sign-ins page, not in a program's History."""
    assert "Nothing has happened yet." in admin_client.get(f"/programs/{program_id}/history").text


@pytest.mark.parametrize("path", ["/history", "/history.csv", "/sign-ins/", "/sign-ins.csv"])
def test_the_audit_asks_a_logged_out_visitor_to_log_in(
    client: FlaskClient, program_id: int, path: str
) -> None:
    url = f"/programs/{program_id}{path}" if path.startswith("/history") else path
    response = client.get(url)
    assert response.status_code == 302 and "/auth/login" in response.location


def test_one_function_decides_who_reads_the_audit(
    admin_client: FlaskClient, program_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Beside the gate, every audit page and export asks ``may_read_audit``: when it says
    no, even to an owner, the answer is a 403. (Who it says yes to: tests/web/test_roles.py.)"""
    monkeypatch.setattr("webapp.admin.audit_pages.may_read_audit", lambda admin, program: False)
    for url in (f"/programs/{program_id}/history", f"/programs/{program_id}/history.csv"):
        assert admin_client.get(url).status_code == 403, url
    for url in ("/sign-ins/", "/sign-ins.csv"):
        assert admin_client.get(url).status_code == 403, url


def recorded_actions() -> set[str]:
    """Every action a call of ``audit.record``, ``record_pair`` or ``record_published`` in
    ``webapp/`` records; an f-string action (``f"match.{...}"``) stands for the values its
    enum can take."""
    expansions = {
        "invite.": [str(kind) for kind in (MailKind.INVITATION, MailKind.REMINDER)],
        "pair.": [str(given) for given in Answer],
        "match.": [*(str(action) for action in Action), "undo"],
    }
    found: set[str] = set()
    for path in Path(webapp.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = ast.unparse(node.func)
            if name not in {"audit.record", "record_pair", "record_published"}:
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant):
                found.add(first.value)
            elif isinstance(first, ast.JoinedStr):
                prefix = first.values[0].value  # type: ignore[attr-defined]
                assert prefix in expansions, f"{path}: add the values of f'{prefix}...'"
                found.update(prefix + value for value in expansions[prefix])
            else:
                # only the helpers record_pair and record_published pass an action on
                assert path.name in {"decisions.py", "answers.py"}, (
                    f"{path}: an action that is not a text"
                )
    return found


def test_every_recorded_action_has_words_and_a_kind() -> None:
    actions = recorded_actions()
    assert {"program.rename", "match.undo", "pair.decline", "invite.reminder"} <= actions
    assert actions - set(ACTION_WORDS) == set()
    program_actions = [a for a in ACTION_WORDS if not a.startswith(SIGN_IN_PREFIX)]
    assert [a for a in program_actions if kind_of(a) is None] == []
