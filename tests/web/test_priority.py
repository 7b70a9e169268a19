"""Priority for people left unmatched last cohort: the program setting, the CSV column,
the admin's checkbox and badge, what a run passes to the core, and that the participant
never sees or changes it."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from tests.web.forms import form_values
from tests.web.helpers import DATA, import_csv, upload
from tests.web.matching import pairs_of, run_to_end
from tests.web.test_intake import MENTEE, links
from tests.web.test_participants import participant_id
from tests.web.test_programs import _program, _settings
from webapp.db import db
from webapp.models import Participant
from webapp.runner import program_people

BADGE = '<span class="badge"'


def _with_priority(*emails: str) -> bytes:
    """data/participants.csv with a ``priority`` column: yes for ``emails``."""
    header, *rows = (DATA / "participants.csv").read_text().splitlines()
    marked = [f"{row},{'yes' if row.split(',')[0] in emails else ''}" for row in rows]
    return "\n".join([f"{header},priority", *marked]).encode() + b"\n"


def test_the_setting_is_on_by_default_and_off_means_no_bonus(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    url = f"/programs/{program_id}/settings"
    page = admin_client.get(url).get_data(as_text=True)
    assert "Priority to people unmatched last cohort" in page
    assert 'checked id="priority"' in page
    assert admin_client.post(url, data=_settings()).status_code == 302  # the box unticked
    assert _program(app, program_id).config["priority_bonus"] == 0
    assert 'checked id="priority"' not in admin_client.get(url).get_data(as_text=True)
    assert admin_client.post(url, data=_settings(priority="y")).status_code == 302
    assert _program(app, program_id).config["priority_bonus"] == 1.0  # on again: the default
    data = _settings(priority="y", priority_bonus="2.5")
    assert admin_client.post(url, data=data).status_code == 302
    assert _program(app, program_id).config["priority_bonus"] == 2.5
    refused = admin_client.post(url, data=_settings(priority="y", priority_bonus="11"))
    assert "must be at most 10, got 11" in refused.get_data(as_text=True)
    assert _program(app, program_id).config["priority_bonus"] == 2.5


def test_the_import_reads_the_column_and_the_run_passes_it_to_the_core(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    import_csv(admin_client, program_id, "p.csv", _with_priority("ben.okafor@example.org"))
    page = admin_client.get(f"/programs/{program_id}/participants/").get_data(as_text=True)
    assert page.count(BADGE) == 1
    assert page.index("Ben Okafor") < page.index(BADGE) < page.index("ben.okafor@example.org")
    with app.app_context():
        people = {p.email: p.priority for p in program_people(program_id)}
    assert people["ben.okafor@example.org"] is True
    assert sum(people.values()) == 1


def test_a_run_gives_their_pairs_the_bonus_the_reason_and_a_breakdown_row(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    first = {"ana.silva@example.org", "ben.okafor@example.org"}
    import_csv(admin_client, program_id, "p.csv", _with_priority(*first))
    run = run_to_end(app, admin_client, program_id)
    assert run.status == "done", run.error
    pairs = pairs_of(app, run.id)
    assert {p.mentee_email for p in pairs} & first
    for pair in pairs:
        said = "priority: unmatched last cohort" in pair.reasons
        assert said == (pair.mentee_email in first)
        rows = {row[0]: row for row in pair.breakdown}
        assert ("priority" in rows) == said
        if said:  # one point earned of one point possible
            assert rows["priority"][1:] == [1.0, 1.0, 1.0, 1.0]
        weighed = [row[4] for name, row in rows.items() if name != "priority"]
        assert abs(sum(weighed) - 100) < 0.1  # the weights' shares ignore the bonus
    page = admin_client.get(f"/programs/{program_id}/runs/{run.id}/review").get_data(as_text=True)
    assert "priority: unmatched last cohort" in page


def test_a_bad_priority_cell_is_refused_naming_row_and_column(
    admin_client: FlaskClient, program_id: int
) -> None:
    content = _with_priority("ben.okafor@example.org").replace(b",yes\n", b",maybe\n")
    page = upload(admin_client, program_id, "p.csv", content).get_data(as_text=True)
    assert "priority" in page and "is not yes or no" in page


def test_the_admin_ticks_and_unticks_priority_on_the_edit_form(
    app: Flask, admin_client: FlaskClient, imported: int
) -> None:
    pid = participant_id(app, "carl.ode@example.org")
    url = f"/programs/{imported}/participants/{pid}/edit"
    values = form_values(admin_client.get(url).get_data(as_text=True))
    assert "priority" not in dict(values)
    ticked = MultiDict([*values, ("priority", "y")])
    assert admin_client.post(url, data=ticked).status_code == 302
    with app.app_context():
        assert db.session.get(Participant, pid).priority is True
    shown = admin_client.get(f"/programs/{imported}/participants/{pid}").get_data(as_text=True)
    assert "<dt>priority</dt><dd>yes</dd>" in shown
    values = form_values(admin_client.get(url).get_data(as_text=True))
    assert dict(values)["priority"] == "y"
    unticked = MultiDict([(k, v) for k, v in values if k != "priority"])
    assert admin_client.post(url, data=unticked).status_code == 302
    with app.app_context():
        assert db.session.get(Participant, pid).priority is False


def test_the_participant_never_sees_nor_clears_their_priority(
    app: Flask, admin_client: FlaskClient, client: FlaskClient, program_id: int
) -> None:
    admin_client.post(
        f"/programs/{program_id}/invites/person", data={"email": "gia.park@example.org"}
    )
    (link,) = links(admin_client, program_id)
    client.post(link, data={**MENTEE, "priority": "y"})  # a field the form does not show
    with app.app_context():
        record = db.session.scalars(db.select(Participant)).one()
        assert record.priority is False
        record.priority = True
        db.session.commit()
    page = client.get(link).get_data(as_text=True)
    assert "priority" not in page.lower()
    assert client.post(link, data={**MENTEE, "priority": ""}).status_code == 302
    with app.app_context():
        assert db.session.scalars(db.select(Participant.priority)).one() is True
