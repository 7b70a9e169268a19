"""One length limit per field and page numbers in range: never a 500 (issue 14, item 11).

The values are the issue's: a 300-character name and a 250-character department (longer
than PostgreSQL's columns, shorter than the old validator's limit), a 304-character
upload file name, and page or level numbers far beyond a 64-bit integer.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.web.helpers import DATA, import_csv, upload
from tests.web.matching import run_to_end
from tests.web.test_intake import MENTEE, links, record
from webapp.db import db
from webapp.models import ImportUpload, Participant

SIX = (DATA / "participants.csv").read_bytes()
TOO_LONG = {"name": "N" * 300, "department": "D" * 250}


def count(app: Flask) -> int:
    """Participants of every program."""
    with app.app_context():
        return len(db.session.scalars(db.select(Participant)).all())


@pytest.mark.parametrize("column", sorted(TOO_LONG))
def test_a_value_longer_than_its_column_is_a_row_error_on_import(
    app: Flask, admin_client: FlaskClient, program_id: int, column: str
) -> None:
    changed = SIX.replace(
        b"Ana Silva" if column == "name" else b"Finance", TOO_LONG[column].encode()
    )
    shown = upload(admin_client, program_id, "long.csv", changed)
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert re.search(rf'<tr class="error">\s*<td>2</td>\s*<td>{column}</td>', page)
    assert f"is {len(TOO_LONG[column])} characters long; the limit is 200" in page
    confirmed = admin_client.post(shown.request.path, follow_redirects=True)
    assert confirmed.status_code == 200
    assert "nothing was imported" in confirmed.get_data(as_text=True)
    assert count(app) == 0


@pytest.mark.parametrize("column", sorted(TOO_LONG))
def test_a_value_longer_than_its_column_is_refused_next_to_its_field_on_the_intake_form(
    app: Flask, admin_client: FlaskClient, program_id: int, column: str
) -> None:
    admin_client.post(f"/programs/{program_id}/invites/person", data={"email": "gia@example.org"})
    (link,) = links(admin_client, program_id)
    page = admin_client.get(link).get_data(as_text=True)
    assert f'id="{column}" maxlength="200"' in page
    sent = admin_client.post(link, data={**MENTEE, column: TOO_LONG[column]})
    assert sent.status_code == 200
    errors = rf'id="{column}-errors">\s*<li>At most 200 characters, please \(this was \d+\).</li>'
    assert re.search(errors, sent.get_data(as_text=True))
    assert record(app, "gia@example.org") is None


def test_a_long_upload_file_name_is_shortened_and_the_file_kept(
    app: Flask, admin_client: FlaskClient, program_id: int
) -> None:
    name = "cohort " * 42 + "2026-1.csv"
    assert len(name) == 304
    shown = upload(admin_client, program_id, name, SIX)
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200
    assert "The file&#39;s name is 304 characters long, more than the 255 kept" in page
    assert "<strong>6</strong> new" in page
    with app.app_context():
        (kept,) = db.session.scalars(db.select(ImportUpload.filename)).all()
    assert len(kept) == 255 and kept.endswith("….csv")
    admin_client.post(shown.request.path)
    assert count(app) == 6


@pytest.fixture
def six_with_a_run(app: Flask, admin_client: FlaskClient, program_id: int) -> dict[str, str]:
    """The six people of data/participants.csv, a finished run, and a URL of every page
    that reads ``?page=`` or a number filter."""
    import_csv(admin_client, program_id, "six.csv", SIX)
    admin_client.post(f"/programs/{program_id}/invites/everyone")
    run = run_to_end(app, admin_client, program_id)
    assert run.status == "done", run.error
    app.config.update(PAGE_SIZE=4, REVIEW_PAGE_SIZE=2)
    runs = f"/programs/{program_id}/runs/{run.id}"
    return {
        "participants": f"/programs/{program_id}/participants/?",
        "invites": f"/programs/{program_id}/invites/?",
        "review": f"{runs}/review?",
        "unmatched": f"{runs}/unmatched?",
    }


def without_tokens(html: str) -> str:
    """A page without its CSRF tokens (new each time) and the address of the page itself
    (where the review forms come back to), to compare two answers."""
    return re.sub(r'name="(csrf_token|next)"[^>]*>', "", html)


@pytest.mark.parametrize("number", ["9223372036854775807", "9" * 5000])
def test_a_page_past_the_last_one_shows_the_last_page(
    admin_client: FlaskClient, six_with_a_run: dict[str, str], number: str
) -> None:
    for name, url in six_with_a_run.items():
        first = admin_client.get(url).get_data(as_text=True)
        found = re.search(r"Page 1 of (\d+)", first)
        pages = int(found[1]) if found else 1
        last = admin_client.get(url + f"page={pages}")
        response = admin_client.get(url + f"page={number}")
        assert response.status_code == 200, name
        assert without_tokens(response.text) == without_tokens(last.text), name
    assert pages > 1  # the last table (open requests) has several pages, as the others


@pytest.mark.parametrize("number", ["0", "-1", "abc", "1e3", "", "²"])
def test_a_page_that_is_no_whole_number_from_1_answers_400(
    admin_client: FlaskClient, six_with_a_run: dict[str, str], number: str
) -> None:
    for name, url in six_with_a_run.items():
        response = admin_client.get(url + f"page={number}")
        assert response.status_code == 400, name
        assert "The page number must be a whole number from 1 up." in response.text, name


@pytest.mark.parametrize("level", ["99999999999999999999999", "100001", "-1", "abc"])
def test_a_level_filter_out_of_range_answers_400(
    admin_client: FlaskClient, six_with_a_run: dict[str, str], level: str
) -> None:
    response = admin_client.get(six_with_a_run["participants"] + f"level={level}")
    assert response.status_code == 400
    assert "The level must be a whole number from 0 to 100000." in response.text


@pytest.mark.parametrize("query", ["q=a%00b", "department=%00", "type=%01"])
def test_a_control_character_in_the_query_string_answers_400(
    admin_client: FlaskClient, six_with_a_run: dict[str, str], query: str
) -> None:
    """PostgreSQL cannot compare text holding a NUL: every page refuses one."""
    for name, url in six_with_a_run.items():
        response = admin_client.get(url + query)
        assert response.status_code == 400, name
        assert "The address holds a control character" in response.text, name


def test_a_program_name_with_a_control_character_is_refused_in_the_form(
    app: Flask, admin_client: FlaskClient
) -> None:
    response = admin_client.post("/programs/new", data={"name": "Spring\x00cohort"})
    assert response.status_code == 200
    assert "Remove the control characters" in response.text
    too_long = admin_client.post("/programs/new", data={"name": "P" * 201})
    assert "At most 200 characters, please (this was 201)." in too_long.text
