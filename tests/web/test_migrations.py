"""Alembic migrations build the schema the models describe, on both backends."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

import webapp
from tests.web.helpers import make_app
from webapp.db import db


def import_every_model() -> None:
    """Import every module of the web app, so that every table is in the metadata."""
    for module in pkgutil.iter_modules(webapp.__path__, "webapp."):
        importlib.import_module(module.name)


def test_upgrade_an_empty_database_then_downgrade(empty_db_url: str) -> None:
    import_every_model()
    app = make_app(empty_db_url)
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {t.name for t in db.metadata.sorted_tables} <= tables
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def at_0004(empty_db_url: str) -> Iterator[None]:
    """An app context on a database migrated to revision 0004, the last before this
    issue's revisions (disposed of afterwards)."""
    import_every_model()
    with make_app(empty_db_url).app_context():
        upgrade(revision="0004")
        yield
        db.session.remove()
        db.engine.dispose()


def test_0005_keeps_audit_events_and_lets_only_a_redaction_change_them(at_0004: None) -> None:
    """Events written before the upgrade survive it; after it the triggers allow a
    redaction and nothing else; after a downgrade they refuse every change again."""
    redact = "UPDATE audit_event SET actor = 'x', redacted_at = CURRENT_TIMESTAMP"
    with db.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO audit_event (actor, action, detail, created_at) "
                "VALUES ('ana@example.org', 'old.event', '{}', CURRENT_TIMESTAMP)"
            )
        )
    upgrade()
    with db.engine.begin() as conn:
        assert conn.execute(sa.text("SELECT actor FROM audit_event")).all() == [
            ("ana@example.org",)
        ]
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE audit_event SET actor = 'x'"))
    with db.engine.begin() as conn:
        conn.execute(sa.text(redact))
    downgrade(revision="0004")
    for statement in ("UPDATE audit_event SET actor = 'y'", "DELETE FROM audit_event"):
        with (
            pytest.raises(sa.exc.DatabaseError, match="append-only"),
            db.engine.begin() as conn,
        ):
            conn.execute(sa.text(statement))
    downgrade(revision="base")


def insert(table: str, **values: object) -> None:
    """Insert one row into a table, as the table is at the database's revision."""
    names, marks = ", ".join(values), ", ".join(f":{name}" for name in values)
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({marks})"), values)


def test_intake_revision_moves_notes_to_admin_notes_and_keeps_every_row(at_0004: None) -> None:
    """Notes stored before the split were admins' (no participant may see them); the
    upgrade and the downgrade keep every participant and invite link."""
    now = "2026-01-01 00:00:00"
    insert("program", id=1, name="P", config="{}", created_at=now, updated_at=now)
    columns = [c["name"] for c in sa.inspect(db.engine).get_columns("participant")]  # at 0004
    blank = dict.fromkeys(columns, "")
    for number, notes in ((1, "On leave until May"), (2, "")):
        person = {
            **blank, "id": number, "program_id": 1, "email": f"p{number}@x.org", "name": "A",
            "role": "mentee", "level": None, "capacity": 1, "notes": notes,
            "created_at": now, "updated_at": now, "version": 1,
        }  # fmt: skip
        insert("participant", **person)
    insert(
        "invite_token",
        **{"id": 1, "token": "t", "kind": "self", "program_id": 1, "participant_id": 1},
        **{"email": "p1@x.org", "created_at": now, "expires_at": now},
    )
    upgrade()
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT email, notes, admin_notes, self_registered FROM participant ORDER BY id"
            )
        ).all()
        assert [tuple(r) for r in rows] == [
            ("p1@x.org", "", "On leave until May", False),
            ("p2@x.org", "", "", False),
        ]
        assert conn.execute(sa.text("SELECT count(*) FROM invite_token")).scalar() == 1
    downgrade(revision="0004")
    with db.engine.connect() as conn:
        notes = conn.execute(sa.text("SELECT notes FROM participant ORDER BY id")).scalars()
        assert list(notes) == ["On leave until May", ""]
        assert conn.execute(sa.text("SELECT count(*) FROM invite_token")).scalar() == 1


def _filler(column: sa.Column) -> object:
    """A value any column of its type accepts (ids and foreign keys are all 1)."""
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.Integer):
        return 1
    if isinstance(kind, sa.Float | sa.Numeric):
        return 1.0
    if isinstance(kind, sa.DateTime):
        return "2026-01-01 00:00:00"
    if isinstance(kind, sa.JSON):
        return "[]"
    if isinstance(kind, sa.LargeBinary):
        return b"x"
    return "x"


def _row_counts() -> dict[str, int]:
    tables = sa.inspect(db.engine).get_table_names()
    with db.engine.connect() as conn:
        return {
            name: conn.execute(sa.text(f'SELECT count(*) FROM "{name}"')).scalar_one()
            for name in tables
            if name != "alembic_version"
        }


def test_upgrades_keep_every_row_of_every_table(at_0004: None) -> None:
    """One row in every table as it was at 0004 survives the upgrade and the downgrade:
    a SQLite table that a migration rebuilds must not take the rows that refer to it
    with it (``ON DELETE CASCADE`` fires on the DROP of the old table)."""
    reflected = sa.MetaData()
    reflected.reflect(db.engine)
    for table in reflected.sorted_tables:
        if table.name != "alembic_version":
            insert(table.name, **{c.name: _filler(c) for c in table.columns})
    before = _row_counts()
    assert set(before.values()) == {1}
    upgrade()
    assert {name: count for name, count in _row_counts().items() if name in before} == before
    downgrade(revision="0004")
    assert _row_counts() == before


def test_runs_made_before_0005_are_numbered_per_program(at_0004: None) -> None:
    """Existing runs get the numbers 1, 2, ... of their program, in the order they were
    made, and nothing left out; they survive a downgrade and an upgrade again."""
    now = "2026-11-01 10:00:00"
    for program_id, name in ((1, "A"), (2, "B")):
        insert("program", id=program_id, name=name, config="{}", created_at=now, updated_at=now)
    run = {"status": "done", "step": "", "done": 0, "total": 0, "error": "", "config": "{}"}
    run |= {"input_hash": "", "created_by": "a@x.org", "summary": "{}", "removed": "[]"}
    for run_id, program_id in ((1, 1), (2, 2), (3, 1), (4, 1), (5, 2)):
        insert("match_run", id=run_id, program_id=program_id, created_at=now, **run)
    numbers = sa.text("SELECT id, number, left_out FROM match_run ORDER BY id")
    upgrade()
    with db.engine.connect() as conn:
        found = conn.execute(numbers).all()
    assert [(i, n) for i, n, _ in found] == [(1, 1), (2, 1), (3, 2), (4, 3), (5, 2)]
    assert {str(left) for _, _, left in found} == {"[]"}
    downgrade(revision="0004")
    upgrade()
    with db.engine.connect() as conn:
        assert [(i, n) for i, n, _ in conn.execute(numbers)] == [(i, n) for i, n, _ in found]
    downgrade(revision="base")


def test_runs_and_uploads_survive_the_upgrade_to_background_jobs(at_0004: None) -> None:
    """0005_jobs: every run keeps its data and gets a heartbeat, and a program left with
    two active runs by the old race keeps the newest; an imported file stays imported, a
    file waiting for confirmation asks to be uploaded again."""
    now = "2026-01-01 00:00:00"
    insert("program", id=1, name="P", config="{}", created_at=now, updated_at=now)
    for run_id, status in ((1, "done"), (2, "running"), (3, "queued")):
        run = {"id": run_id, "program_id": 1, "status": status, "step": "", "done": 0}
        run |= {"total": 0, "error": "", "config": "{}", "input_hash": "h"}
        run |= {"created_by": "a@x.org", "created_at": now, "summary": "{}", "removed": "[]"}
        insert("match_run", **run)
    for upload_id, imported in ((1, now), (2, None)):
        upload = {"id": upload_id, "program_id": 1, "filename": "f.csv", "content": b"x"}
        insert("import_upload", **upload, created_at=now, imported_at=imported)
    upgrade()
    with db.engine.connect() as conn:
        runs = conn.execute(
            sa.text("SELECT id, status, heartbeat_at, input_hash FROM match_run ORDER BY id")
        ).all()
        uploads = conn.execute(
            sa.text("SELECT task, status, error, content FROM import_upload ORDER BY id")
        ).all()
    assert [(r.id, r.status, r.input_hash) for r in runs] == [
        (1, "done", "h"),
        (2, "failed", "h"),
        (3, "queued", "h"),
    ]
    assert all(r.heartbeat_at is not None for r in runs)
    assert [(u.task, u.status, bytes(u.content)) for u in uploads] == [
        ("import", "done", b"x"),
        ("preview", "failed", b"x"),
    ]
    assert "upload the file again" in uploads[1].error
    downgrade(revision="0004")
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM match_run")).scalar() == 3
        assert conn.execute(sa.text("SELECT count(*) FROM import_upload")).scalar() == 2


def test_0008_gives_pairs_published_before_their_steps_and_programs_the_check_in_defaults(
    empty_db_url: str,
) -> None:
    import_every_model()
    with make_app(empty_db_url).app_context():
        upgrade(revision="0007_pairs")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO program (id, name, config, created_at, updated_at) "
                    "VALUES (1, 'P', '{}', '2026-11-01', '2026-11-01')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO answer_policy (program_id, must_accept, days, silence, contact) "
                    "VALUES (1, 'both', 7, 'accepted', '')"
                )
            )
            for n, (status, settled) in enumerate(
                [("published", None), ("accepted", "2026-11-03 10:00:00")], start=1
            ):
                conn.execute(
                    sa.text(
                        "INSERT INTO pair (id, program_id, mentee_email, mentor_email, "
                        "mentor_type, status, reasons, published_at, published_by, deadline, "
                        "mentee_reason, mentor_reason, settled_at, settled_by, version) VALUES "
                        "(:id, 1, :mentee, 'bo@x.org', 'expertise', :status, '[]', "
                        "'2026-11-02 09:00:00', 'admin@x.org', '2026-11-09', '', '', "
                        ":settled, :by, 1)"
                    ),
                    {
                        "id": n,
                        "mentee": f"m{n}@x.org",
                        "status": status,
                        "settled": settled,
                        "by": "bo@x.org" if settled else "",
                    },
                )
        upgrade()
        with db.engine.connect() as conn:
            steps = conn.execute(
                sa.text("SELECT pair_id, status, moved_by FROM pair_step ORDER BY pair_id, id")
            ).all()
            policy = conn.execute(
                sa.text("SELECT checkin_days, checkin_ends FROM answer_policy")
            ).one()
            reasons = conn.execute(sa.text("SELECT end_reason FROM pair")).scalars().all()
        assert [tuple(s) for s in steps] == [
            (1, "published", "admin@x.org"),
            (2, "published", "admin@x.org"),
            (2, "accepted", "bo@x.org"),
        ]
        assert tuple(policy) == (21, "either") and reasons == ["", ""]
        downgrade(revision="0007_pairs")
        db.session.remove()
        db.engine.dispose()


def test_0017_lets_removing_an_admin_unlink_their_events_and_nothing_else(
    empty_db_url: str,
) -> None:
    """Removing an admin sets ``admin_id`` of their events to NULL (the foreign key): the
    triggers of 0017 let that through, and still refuse every other change with it; the
    downgrade refuses the removal again."""
    import_every_model()
    with make_app(empty_db_url).app_context():
        upgrade(revision="0017_admin_invites")

        def admin_with_event(number: int) -> None:
            now = "2026-01-01 00:00:00"
            email = f"a{number}@example.org"
            insert("admin_user", id=number, email=email, password_hash="x", created_at=now)
            event = {"actor": email, "action": "auth.login", "detail": "{}", "created_at": now}
            insert("audit_event", admin_id=number, **event)

        admin_with_event(1)
        with (
            pytest.raises(sa.exc.DatabaseError, match="append-only"),
            db.engine.begin() as conn,
        ):
            conn.execute(sa.text("UPDATE audit_event SET admin_id = NULL, actor = 'x'"))
        with db.engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM admin_user WHERE id = 1"))
            rows = conn.execute(sa.text("SELECT admin_id, actor FROM audit_event")).all()
        assert [tuple(r) for r in rows] == [(None, "a1@example.org")]
        downgrade(revision="0015_roles")
        admin_with_event(2)
        with (
            pytest.raises(sa.exc.DatabaseError, match="append-only"),
            db.engine.begin() as conn,
        ):
            conn.execute(sa.text("DELETE FROM admin_user WHERE id = 2"))
        downgrade(revision="base")
        db.session.remove()
        db.engine.dispose()
