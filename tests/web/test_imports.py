"""CSV import: preview, error table, size limit, one transaction, upsert by e-mail."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from matcher import config_to_mapping, load_config
from matcher.intake import load_participants, parse_participants
from tests.web.forms import form_values
from tests.web.helpers import DATA, confirm, import_csv, upload
from tests.web.matching import CONFIG, SAMPLE
from webapp import store
from webapp.db import db
from webapp.models import ImportUpload, Participant, Program
from webapp.people import imports
from webapp.rows import record_to_row

SIX = (DATA / "participants.csv").read_bytes()


def snapshot(app: Flask) -> list[dict[str, str]]:
    """Every participant of every program, as canonical rows."""
    with app.app_context():
        records = db.session.scalars(db.select(Participant).order_by(Participant.email))
        return [record_to_row(r) for r in records]


def test_upload_page(admin_client: FlaskClient, program_id: int) -> None:
    page = admin_client.get(f"/programs/{program_id}/import/").get_data(as_text=True)
    assert '<label for="file">Participant CSV file</label>' in page
    assert "up to 16 MB" in page
    assert b"Choose a CSV file." in admin_client.post(f"/programs/{program_id}/import/").data


def test_preview_then_import(app: Flask, admin_client: FlaskClient, program_id: int) -> None:
    response = upload(admin_client, program_id, "participants.csv")
    page = response.get_data(as_text=True)
    assert "Preview of participants.csv" in page
    assert "<strong>6</strong> rows" in page
    assert "<strong>0</strong> errors" in page
    assert "<strong>6</strong> new" in page
    assert "Import 6 participants" in page
    assert snapshot(app) == []
    result = confirm(admin_client, response).get_data(as_text=True)
    assert "Imported: 6 new, 0 updated, 0 unchanged." in result
    rows = snapshot(app)
    assert [r["email"] for r in rows][:2] == ["ana.silva@example.org", "ben.okafor@example.org"]
    assert rows[0]["seeks"] == "developmental;sponsorship"
    assert rows[0]["languages"] == "English;Portuguese"


def test_same_file_twice_changes_nothing(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    import_csv(admin_client, program_id, "participants.csv")
    before = snapshot(app)
    again = upload(admin_client, program_id, "participants.csv")
    page = again.get_data(as_text=True)
    assert "<strong>6</strong> unchanged" in page
    assert "importing changes nothing" in page
    assert "Import 0" not in page
    result = confirm(admin_client, again).get_data(as_text=True)
    assert "Nothing changed: all 6 people in this file were already in the program" in result
    assert snapshot(app) == before


def test_reimport_upserts_by_email(app: Flask, admin_client: FlaskClient, program_id: int) -> None:
    import_csv(admin_client, program_id, "participants.csv")
    changed = SIX.replace(b"Ana Silva", b"Ana Silva-Costa").replace(
        b"ben.okafor@example.org", b"BEN.OKAFOR@example.org"
    )
    changed += b"gus.berg@example.org,Gus Berg,mentor,,expertise,,,,,,,,,,,negotiation,1\n"
    response = upload(admin_client, program_id, "changed.csv", changed)
    assert "<strong>1</strong> new" in response.get_data(as_text=True)
    result = confirm(admin_client, response).get_data(as_text=True)
    assert "Imported: 1 new, 1 updated, 5 unchanged." in result
    rows = {r["email"]: r for r in snapshot(app)}
    assert len(rows) == 7
    assert rows["ana.silva@example.org"]["name"] == "Ana Silva-Costa"


def edit(app: Flask, client: FlaskClient, program_id: int, email: str, **fields: str) -> str:
    """Change fields of a participant on their edit form, as an admin does; the URL of
    their page."""
    with app.app_context():
        pid = db.session.scalars(db.select(Participant.id).where(Participant.email == email)).one()
    url = f"/programs/{program_id}/participants/{pid}"
    data = MultiDict(form_values(client.get(f"{url}/edit").text))
    for name, value in fields.items():
        data.setlist(name, [value])
    assert client.post(f"{url}/edit", data=data).status_code == 302
    return url


def test_a_reimport_leaves_the_columns_the_file_lacks_as_they_are(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    """A column missing from the file keeps what the admin wrote in the app; a column
    present with an empty cell clears it; the preview lists every change first."""
    import_csv(admin_client, program_id, "participants.csv")
    ana = edit(app, admin_client, program_id, "ana.silva@example.org", admin_notes="On leave")
    ben = edit(app, admin_client, program_id, "ben.okafor@example.org", admin_notes="Shy")
    # no manager_email column; admin_notes present, empty for Ben
    changed = (
        b"email,name,role,seeks,department,level,admin_notes\n"
        b"ana.silva@example.org,Ana Silva,mentee,developmental;sponsorship,Marketing,4,On leave\n"
        b"ben.okafor@example.org,Ben Okafor,mentee,expertise,Engineering,2,\n"
    )
    response = upload(admin_client, program_id, "hr.csv", changed)
    page = response.text
    assert "<strong>2</strong> updated" in page
    assert "<li>Ana Silva: department Finance → Marketing; level 3 → 4</li>" in page
    assert "<li>Ben Okafor: admin notes Shy → —</li>" in page
    assert "manager" not in page.split("What the import changes")[1].split("</ul>")[0]
    result = confirm(admin_client, response).text
    assert "Imported: 0 new, 2 updated, 0 unchanged." in result
    shown = admin_client.get(ana).text
    assert "<dt>department</dt><dd>Marketing</dd>" in shown
    assert "<dt>manager email</dt><dd>carl.ode@example.org</dd>" in shown
    assert "<dt>admin notes</dt><dd>On leave</dd>" in shown
    assert "<dt>goals</dt><dd>networking; strategic thinking</dd>" in shown
    shown = admin_client.get(ben).text
    assert "<dt>admin notes</dt><dd>—</dd>" in shown
    assert "<dt>manager email</dt><dd>dina.roy@example.org</dd>" in shown
    again = upload(admin_client, program_id, "hr.csv", changed).text
    assert "<strong>2</strong> unchanged" in again and "importing changes nothing" in again


def test_the_import_pages_count_one_in_the_singular(
    app: Flask, admin_client: FlaskClient, program_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = (
        b"email,name,role,seeks,department,Favourite colour\n"
        b"ana@x.org,Ana,mentee,developmental,HR,\n"
    )
    page = upload(admin_client, program_id, "one.csv", one).text
    counts = re.findall(r"<li[^>]*><strong>\d+</strong> ([\w ]+)</li>", page)
    assert counts == ["row", "errors", "warning", "new", "updated", "unchanged"]
    assert "Import 1 participant</button>" in page
    import_csv(admin_client, program_id, "one.csv", one)
    again = upload(admin_client, program_id, "one.csv", one)
    result = confirm(admin_client, again).text
    assert "Nothing changed: the 1 person in this file was already in the program" in result
    monkeypatch.setattr(imports, "CHANGES_SHOWN", 0)
    moved = upload(admin_client, program_id, "moved.csv", one.replace(b"HR", b"Sales")).text
    assert "And 1 more person updated." in moved
    broken = upload(admin_client, program_id, "bad.csv", one.replace(b"mentee", b"mentr")).text
    assert "<strong>1</strong> error</li>" in broken
    assert "The file has 1 error: nothing will be imported." in broken
    participants = admin_client.get(f"/programs/{program_id}/participants/?q=ana").text
    assert "1 participant matches." in participants
    program = admin_client.get(f"/programs/{program_id}/").text
    assert re.findall(r"<li><strong>\d+</strong> (\w+)</li>", program) == [
        "mentee",
        "mentors",
        "both",
    ]


def test_broken_file_shows_every_issue_and_imports_nothing(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    import_csv(admin_client, program_id, "participants.csv")
    before = snapshot(app)
    response = upload(admin_client, program_id, "broken.csv")
    page = response.get_data(as_text=True)
    assert "<strong>3</strong> errors" in page
    assert "nothing will be imported" in page
    assert '<button type="submit" class="primary">Import' not in page
    rows = re.findall(r'<tr class="(error|warning)">\s*<td>(\w+)</td>\s*<td>(\w+)</td>', page)
    assert rows == [
        ("error", "3", "email"),
        ("warning", "3", "expertise"),
        ("error", "4", "capacity"),
        ("error", "4", "role"),
    ]
    assert "did you mean &#39;mentor&#39;?" in page
    assert "<code>two</code>" in page
    # pressing import anyway (a forged POST) changes nothing
    result = confirm(admin_client, response).get_data(as_text=True)
    assert "The file has errors; nothing was imported." in result
    assert snapshot(app) == before


def test_failure_midway_rolls_everything_back(
    app: Flask, admin_client: FlaskClient, program_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_csv(admin_client, program_id, "participants.csv")
    before = snapshot(app)
    changed = SIX.replace(b"Ana Silva", b"Ana S.").replace(b"Ben Okafor", b"Ben O.")
    response = upload(admin_client, program_id, "changed.csv", changed)
    calls = []
    real_write = store._write

    def write_then_fail(statement: object, values: list[dict[str, object]]) -> int:
        calls.append(values[0]["email"])
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real_write(statement, values)

    monkeypatch.setattr(store, "WRITE_CHUNK", 1)
    monkeypatch.setattr(store, "_write", write_then_fail)
    page = confirm(admin_client, response).get_data(as_text=True)
    assert calls == ["ana.silva@example.org", "ben.okafor@example.org"]
    assert "The import failed: RuntimeError: the database went away" in page
    assert snapshot(app) == before


def test_unreadable_file(admin_client: FlaskClient, program_id: int) -> None:
    response = upload(admin_client, program_id, "empty.csv", b"")
    page = response.get_data(as_text=True)
    assert "nothing will be imported" in page
    assert "<td>file</td>" in page


def test_missing_column(admin_client: FlaskClient, program_id: int) -> None:
    response = upload(admin_client, program_id, "x.csv", b"email,name\na@x.org,A\n")
    page = response.get_data(as_text=True)
    assert "<td>role</td>" in page
    assert "nothing will be imported" in page


def test_too_large_upload_gets_a_friendly_page(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = upload(admin_client, program_id, "big.csv", b"x" * 5000)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "File too large" in page
    assert "The file is larger than the 1 KB this site accepts." in page
    assert f'<a href="/programs/{program_id}/import/">Back to the form</a>' in page
    with app.app_context():
        assert db.session.scalars(db.select(ImportUpload)).all() == []


def test_uploads_of_another_program_are_404(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    response = upload(admin_client, program_id, "participants.csv")
    other = admin_client.post("/programs/new", data={"name": "Other"}).location
    other_id = other.rstrip("/").rsplit("/", 1)[-1]
    stolen = response.request.path.replace(f"/programs/{program_id}/", f"/programs/{other_id}/")
    assert admin_client.get(stolen).status_code == 404
    assert admin_client.post(stolen).status_code == 404


def test_file_is_checked_together_with_the_program(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    import_csv(admin_client, program_id, "participants.csv")
    before = snapshot(app)
    header = b"email,name,role,offers,manager_email,id\n"
    # a manager already in the program is known: no "not in this file" warning
    known = header + b"ivy.ng@example.org,Ivy Ng,mentor,developmental,erin.lu@example.org,\n"
    page = upload(admin_client, program_id, "more.csv", known).get_data(as_text=True)
    assert "<strong>0</strong> warnings" in page
    # Erin's manager would be Ivy, whose manager is Erin: a loop across file and program
    loop = header + (
        b"ivy.ng@example.org,Ivy Ng,mentor,developmental,erin.lu@example.org,\n"
        b"erin.lu@example.org,Erin Lu,mentor,sponsorship,ivy.ng@example.org,\n"
    )
    page = upload(admin_client, program_id, "loop.csv", loop).get_data(as_text=True)
    assert "reporting chain loops" in page
    assert "nothing will be imported" in page
    # an id already used by someone else in the program
    twin = header + b"ivy.ng@example.org,Ivy Ng,mentor,developmental,,ana.silva@example.org\n"
    page = upload(admin_client, program_id, "twin.csv", twin).get_data(as_text=True)
    assert "nothing will be imported" in page
    assert re.search(r'<tr class="error">\s*<td>2</td>\s*<td>id</td>', page)
    assert snapshot(app) == before


def sample_with_picks(folder: Path) -> Path:
    """sample_data/participants.csv with picks: a mentee's preferred mentors and a
    mentor's avoided mentee (its ``life_stage`` column is the program's question)."""
    with SAMPLE.open(newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    for row in rows:
        row["preferred_mentors"] = row["avoid"] = ""
    by_email = {row["email"]: row for row in rows}
    by_email["aaron.barros@loomworks.example"]["preferred_mentors"] = (
        "ahmed.wolf@loomworks.example;adriana.jansen@loomworks.example"
    )
    by_email["aiko.khan@loomworks.example"]["avoid"] = "aaron.barros@loomworks.example"
    path = folder / "participants.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_stored_rows_give_back_the_same_participants(
    app: Flask, admin_client: FlaskClient, program_id: int, tmp_path: Path
) -> None:
    """Every column comes back as the file had it: answers to the program's questions and
    picks too."""
    config = load_config(CONFIG)
    with app.app_context():
        db.session.get(Program, program_id).config = config_to_mapping(config)
        db.session.commit()
    sample = sample_with_picks(tmp_path)
    response = upload(admin_client, program_id, "participants.csv", sample.read_bytes())
    confirm(admin_client, response)
    from_file = load_participants(sample, questions=config.questions).participants
    from_database = parse_participants(snapshot(app), questions=config.questions).participants
    assert len(from_database) == 150
    assert from_database == from_file
    by_email = {p.email: p for p in from_database}
    assert by_email["aaron.barros@loomworks.example"].preferred_mentors == (
        "ahmed.wolf@loomworks.example",
        "adriana.jansen@loomworks.example",
    )
    assert by_email["aiko.khan@loomworks.example"].avoid == ("aaron.barros@loomworks.example",)
    # eight answered life_stage, four the free-text hopes (two of them both)
    assert sum(bool(p.answers) for p in from_database) == 10


def test_the_preview_shows_the_file_as_read_and_every_ignored_column(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    people = [f"p{i}@example.org;Zoë;Müller {i};mentee;developmental;blue" for i in range(1, 8)]
    text = "\r\n".join(["E-mail;First name;Last name;Role;Seeks;Favourite colour", *people])
    response = upload(admin_client, program_id, "excel.csv", text.encode("cp1252"))
    page = response.get_data(as_text=True)
    shown = [
        "Text encoding <strong>Windows-1252</strong>, cells separated by\n"
        "       <strong>semicolons</strong>",
        "The first 5 of 7 rows",
        '<th scope="col" class="ignored">Favourite colour<br>',
        "First name<br>\n            <small>first_name</small>",
    ]
    assert [text for text in shown if text not in page] == []
    assert page.count("<td>Müller ") == 5 and "<td>Müller 6</td>" not in page
    warnings = re.findall(r'<tr class="warning">\s*<td>file</td>\s*<td>([\w ]+)</td>', page)
    assert warnings == ["Favourite colour", "name"]
    assert "made of &#39;First name&#39; and &#39;Last name&#39;" in page
    confirm(admin_client, response)
    assert [r["name"] for r in snapshot(app)][:2] == ["Zoë Müller 1", "Zoë Müller 2"]


def test_a_file_with_a_header_and_no_people_cannot_be_imported(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    import_csv(admin_client, program_id, "participants.csv")
    before = snapshot(app)
    response = upload(admin_client, program_id, "empty.csv", SIX.splitlines(keepends=True)[0])
    page = response.get_data(as_text=True)
    assert "the file has a header row but no people below it" in page
    assert "nothing will be imported" in page
    assert "Import 0" not in page and "importing changes nothing" not in page
    result = confirm(admin_client, response).get_data(as_text=True)
    assert "The file has errors; nothing was imported." in result
    assert snapshot(app) == before


def test_a_nul_byte_in_one_cell_is_named_by_row_and_column(
    admin_client: FlaskClient, program_id: int
) -> None:
    broken = SIX.replace(b"Ben Okafor", b"Ben\x00Okafor")
    page = upload(admin_client, program_id, "nul.csv", broken).get_data(as_text=True)
    assert re.search(r'<tr class="error">\s*<td>3</td>\s*<td>name</td>', page)
    assert "contains the control character U+0000" in page
    assert "binary data" not in page
