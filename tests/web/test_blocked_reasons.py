"""The review pages say what is wrong in a blocked pair, with its data, in the words of the
command line's ``explain``."""

from __future__ import annotations

import html

from flask import Flask
from flask.testing import FlaskClient

from matcher import explain_mentee, load_config, load_participants
from tests.web.matching import CONFIG, SAMPLE, load_demo, run_to_end

LENA = "lena.vogel@loomworks.example"
JONAS = "jonas.weber@loomworks.example"


def test_the_mentee_page_and_a_refused_manual_match_say_what_is_wrong(
    app: Flask, admin_client: FlaskClient
) -> None:
    program_id = load_demo(app)
    run = run_to_end(app, admin_client, program_id)
    base = f"/programs/{program_id}/runs/{run.id}"
    page = html.unescape(admin_client.get(f"{base}/mentee", query_string={"email": LENA}).text)
    command_line = explain_mentee(
        load_participants(SAMPLE).participants, LENA, load_config(CONFIG)
    ).alternatives
    blocked = command_line[command_line.outcome == "blocked"]
    assert len(blocked) >= 3
    for why in blocked.why:
        assert f"<td>{why}</td>" in page
    assert "<td>in the mentee's management chain (reports to Jonas Weber)</td>" in page
    assert "<td>same manager (Jonas Weber)</td>" in page
    assert "<td>lacks the wanted skill: embedded firmware</td>" in page
    refused = admin_client.post(
        f"{base}/manual",
        data={"mentee_email": LENA, "mentor_email": JONAS, "mentor_type": "expertise"},
        follow_redirects=True,
    )
    assert (
        "This match breaks a rule: in the mentee's management chain (reports to Jonas Weber)."
        in html.unescape(refused.text)
    )
