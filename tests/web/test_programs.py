"""Programs: list, create, rename and the settings form."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from matcher.config import SETTINGS, ProgramConfig, config_to_mapping
from webapp.db import db
from webapp.models import AuditEvent, Program


def _program(app: Flask, program_id: int) -> Program:
    with app.app_context():
        program = db.session.get(Program, program_id)
        assert program is not None
        db.session.expunge(program)
        return program


def test_create_list_and_rename(app: Flask, admin_client: FlaskClient) -> None:
    assert b"No programs yet" in admin_client.get("/programs/").data
    assert b'<label for="name">Program name</label>' in admin_client.get("/programs/new").data
    response = admin_client.post("/programs/new", data={"name": "  Spring cohort "})
    assert response.status_code == 302
    with app.app_context():
        program = db.session.scalars(db.select(Program)).one()
        assert program.name == "Spring cohort"
        assert program.config == config_to_mapping(ProgramConfig())
        assert db.session.scalars(
            db.select(AuditEvent.action).where(AuditEvent.program_id == program.id)
        ).all() == ["program.create"]
    page = admin_client.get("/programs/").data
    assert b"Spring cohort" in page
    edit = admin_client.post(f"/programs/{program.id}/edit", data={"name": "Autumn cohort"})
    assert edit.status_code == 302
    assert _program(app, program.id).name == "Autumn cohort"
    assert b"Autumn cohort" in admin_client.get(f"/programs/{program.id}/").data


def test_name_is_required_and_unique(admin_client: FlaskClient, program_id: int) -> None:
    assert b"This field is required." in admin_client.post("/programs/new", data={}).data
    taken = admin_client.post("/programs/new", data={"name": "Spring cohort"})
    assert b"Another program already has this name." in taken.data


def test_unknown_program_is_404(admin_client: FlaskClient) -> None:
    response = admin_client.get("/programs/999/")
    assert response.status_code == 404
    assert b"There is no such program." in response.data


def test_settings_form_shows_every_key_with_default_and_help(
    admin_client: FlaskClient, program_id: int
) -> None:
    page = admin_client.get(f"/programs/{program_id}/settings").get_data(as_text=True)
    for setting in SETTINGS:
        assert f'for="{setting.key}"' in page
        assert escape(setting.help) in page
    assert "Default: coverage." in page
    assert "Default: off." in page
    assert 'for="weights__expertise__expertise"' in page
    assert "share of the wanted expertise the mentor has. Default: 60." in page
    assert 'value="2"' in page  # sponsor_level_gap


def _settings(**changes: str) -> dict[str, str]:
    """Form data for the defaults, with ``changes``."""
    data = {
        "objective": "coverage",
        "min_score": "0",
        "sponsor_level_gap": "2",
        "block_same_manager": "y",
        "seniority_span": "4",
        "timezone_span_hours": "12",
    }
    return {**data, **changes}


def test_settings_are_saved(app: Flask, admin_client: FlaskClient, program_id: int) -> None:
    data = _settings(
        objective="fairness",
        min_score="20",
        block_boss_peers="y",
        max_timezone_gap_hours="5",
        weights__sponsorship__level_gap="50",
    )
    response = admin_client.post(f"/programs/{program_id}/settings", data=data)
    assert response.status_code == 302
    config = _program(app, program_id).config
    assert config["objective"] == "fairness"
    assert config["min_score"] == 20.0
    assert config["block_boss_peers"] is True
    assert config["block_same_manager"] is True
    assert config["max_timezone_gap_hours"] == 5.0
    assert config["weights"]["sponsorship"]["level_gap"] == 50.0
    assert config["weights"]["expertise"]["expertise"] == 60.0
    page = admin_client.get(f"/programs/{program_id}/settings").get_data(as_text=True)
    assert 'name="max_timezone_gap_hours" type="text" value="5"' in page


def test_unchecked_box_and_blank_numbers(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    data = _settings(seniority_span="", block_same_manager="")
    del data["block_same_manager"]
    assert admin_client.post(f"/programs/{program_id}/settings", data=data).status_code == 302
    config = _program(app, program_id).config
    assert config["block_same_manager"] is False
    assert config["seniority_span"] == 4
    assert config["max_timezone_gap_hours"] is False


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("min_score", "abc", "must be a number, got &#39;abc&#39;"),
        ("min_score", "101", "must be at most 100, got 101"),
        ("sponsor_level_gap", "1.5", "must be a whole number, got 1.5"),
        ("seniority_span", "0", "must be at least 1, got 0"),
        ("objective", "speed", "Not a valid choice."),
        ("weights__goals__x", "1", None),
        ("weights__expertise__goals", "-3", "must be a number &gt;= 0, got -3"),
    ],
)
def test_settings_are_validated_like_toml(
    app: Flask,
    admin_client: FlaskClient,
    program_id: int,
    field: str,
    value: str,
    message: str | None,
) -> None:
    before = _program(app, program_id).config
    url = f"/programs/{program_id}/settings"
    response = admin_client.post(url, data=_settings(**{field: value}))
    if message is None:  # an unknown form field is ignored, as any browser form would be
        assert response.status_code == 302
        return
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert "Some settings need fixing" in page
    assert f'id="{field}-errors"' in page
    assert _program(app, program_id).config == before


def test_settings_show_every_error_at_once(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    """A bad weight no longer hides a bad min_score (issue 14, item 8): each field that is
    wrong carries its own message on the same page."""
    before = _program(app, program_id).config
    bad = _settings(
        objective="speed",
        min_score="150",
        sponsor_level_gap="abc",
        weights__expertise__goals="-3",
        weights__sponsorship__level_gap="x",
    )
    response = admin_client.post(f"/programs/{program_id}/settings", data=bad)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    expected = {
        "objective": "Not a valid choice.",
        "min_score": "must be at most 100, got 150",
        "sponsor_level_gap": "must be a number, got &#39;abc&#39;",
        "weights__expertise__goals": "must be a number &gt;= 0, got -3",
        "weights__sponsorship__level_gap": "must be a number &gt;= 0, got &#39;x&#39;",
    }
    for field, message in expected.items():
        assert f'id="{field}-errors"' in page, field
        assert message in page, field
    assert page.count('class="field-errors"') == len(expected)
    assert _program(app, program_id).config == before


def test_all_weights_zero_is_refused(admin_client: FlaskClient, program_id: int) -> None:
    zero = {
        f"weights__generational__{c}": "0"
        for c in ("generation_gap", "goals", "outside_department", "timezone")
    }
    response = admin_client.post(f"/programs/{program_id}/settings", data=_settings(**zero))
    assert b"at least one weight must be above 0" in response.data
    assert b'id="weights__generational__generation_gap-errors"' in response.data


def test_history_lists_changes(admin_client: FlaskClient, program_id: int) -> None:
    assert b"Nothing has happened yet." in admin_client.get(f"/programs/{program_id}/history").data
    admin_client.post(f"/programs/{program_id}/edit", data={"name": "Renamed"})
    admin_client.post(f"/programs/{program_id}/invites/program")
    page = admin_client.get(f"/programs/{program_id}/history").get_data(as_text=True)
    assert page.index("invite.program") < page.index("program.rename")
    assert "name: Renamed" in page
    assert "admin@example.org" in page
