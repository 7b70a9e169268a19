"""Downloads of a run: the approved pairs as CSV, its open requests as CSV, and a zip of
introduction notes, one file per pair.

The approved pairs and the notes take long at tens of thousands of pairs, so a
background job makes them (:data:`EXPORT`): the admin presses the export's button on the
run's Exports page, follows the job on its page, then downloads the file it made. The
file rests on the job's row until it expires (:mod:`webapp.export_jobs`). The open
requests are few (a request the run could not fill), so their CSV is written in its
request.

Approved and locked pairs are exported. The pairs' CSV has the columns of the command
line's ``matches.csv`` first, then the status, both departments and who decided when, then
the published pair's life (:data:`webapp.pair_life.LIFE_COLUMNS`: its status and the date
of each step; empty before it is published); the
open requests' CSV has those of ``unmatched.csv``, then the mentee's department. Both are
written by ``matcher.csv_io.to_csv_bytes`` (UTF-8 with BOM, every text cell neutralized for
spreadsheets). Introduction notes go to the two people: their reasons come from
:func:`matcher.participant_reasons`, never the admin's reasons.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from matcher import (
    MATCH_COLUMNS,
    MENTOR_TYPE_HELP,
    UNMATCHED_COLUMNS,
    MentorType,
    Participant,
    ProgramConfig,
    config_from_mapping,
    participant_reasons,
    to_csv_bytes,
)
from webapp import audit, export_jobs, jobs
from webapp.db import db
from webapp.decisions import DECISION, decision_join
from webapp.forms import EmptyForm
from webapp.lookups import done_run, get_program
from webapp.models import JobStatus, Program
from webapp.pair_life import LIFE_COLUMNS, life_rows
from webapp.pair_models import Pair
from webapp.people_cache import program_cohort
from webapp.roles import Need, needs
from webapp.run_models import (
    STATUS_OF,
    Action,
    ExportJob,
    ExportKind,
    MatchRun,
    PairDecision,
    ProposedMatch,
    UnmatchedRequest,
)

bp = Blueprint("exports", __name__, url_prefix="/programs/<int:program_id>/runs/<int:run_id>")

#: Columns of the pairs' CSV after the command line's.
DECISION_COLUMNS = [
    "status",
    "mentee_department",
    "mentor_department",
    "decided_by",
    "decided_at_utc",
]
#: Columns of the open requests' CSV after the command line's.
OPEN_COLUMNS = [*UNMATCHED_COLUMNS, "mentee_department"]
#: Longest part of a note's file name taken from a person's name.
NAME_CHARS = 40
#: Pairs between two progress reports of a job writing notes.
PROGRESS_EVERY = 500


@dataclass(frozen=True)
class ExportFile:
    """A download file a job makes: its title on the pages, its name (of the run's
    ``number``), its mimetype, its audit format and the endpoint that starts it."""

    title: str
    name: str
    mimetype: str
    format: str
    start: str


#: The files a job makes, by kind.
FILES = {
    ExportKind.MATCHES: ExportFile(
        "Approved pairs (CSV)", "matches-run-{number}.csv", "text/csv", "csv", ".export_csv"
    ),
    ExportKind.INTRODUCTIONS: ExportFile(
        "Introduction notes (zip)",
        "introductions-run-{number}.zip",
        "application/zip",
        "introductions",
        ".export_introductions",
    ),
}

#: A suggested first conversation for each type of mentoring.
AGENDA: dict[MentorType, tuple[str, ...]] = {
    MentorType.DEVELOPMENTAL: (
        "Where you are now and the one or two abilities you most want to grow this year.",
        "How the mentor learned those abilities, and what they would do differently.",
        "A small next step to try before you meet again.",
    ),
    MentorType.SPONSORSHIP: (
        "The role or department the mentee is aiming for, and by when.",
        "The work that would make the mentee visible to the people who decide.",
        "Which introductions or opportunities the sponsor can open first.",
    ),
    MentorType.GENERATIONAL: (
        "What each of you sees differently about work, tools and careers.",
        "One thing each of you would like to learn from the other.",
        "How often to meet, and who brings the topic each time.",
    ),
    MentorType.EXPERTISE: (
        "The skill or knowledge to learn, and a concrete problem to learn it on.",
        "What good looks like: how you will both know it is working.",
        "Resources, a first exercise, and a date to review it together.",
    ),
}


def approved_pairs(run: MatchRun) -> Sequence[tuple[ProposedMatch, PairDecision]]:
    """The run's approved and locked pairs with their decision, by mentee, type and mentor."""
    query = (
        select(ProposedMatch, DECISION)
        .join(DECISION, decision_join(run.program_id))
        .where(
            ProposedMatch.run_id == run.id,
            DECISION.action.in_([Action.APPROVE.value, Action.LOCK.value]),
        )
        .order_by(ProposedMatch.mentee_email, ProposedMatch.mentor_type, ProposedMatch.mentor_email)
    )
    return [(pair, decision) for pair, decision in db.session.execute(query)]


def matches_csv(
    pairs: Sequence[tuple[ProposedMatch, PairDecision]],
    life: Mapping[tuple[str, str, str], list[str]],
) -> bytes:
    """The pairs as the command line's ``matches.csv``, then status, departments and who
    decided when (UTC), then the life of each published one (``life``, by triple)."""
    unpublished = [""] * len(LIFE_COLUMNS)
    rows = [
        [
            *(getattr(pair, column) for column in MATCH_COLUMNS),
            STATUS_OF[Action(decision.action)],
            pair.mentee_department,
            pair.mentor_department,
            decision.decided_by,
            decision.decided_at.isoformat(sep=" ", timespec="seconds"),
            *life.get(pair.key, unpublished),
        ]
        for pair, decision in pairs
    ]
    columns = [*MATCH_COLUMNS, *DECISION_COLUMNS, *LIFE_COLUMNS]
    return to_csv_bytes(pd.DataFrame(rows, columns=columns))


def _slug(name: str) -> str:
    """A name as a safe part of a file name: ASCII letters, digits and dashes.

    >>> _slug("Zoë  O'Brien-Łukasz"), _slug("../李"), _slug("A" * 50) == "a" * 40
    ('zoe-o-brien-ukasz', 'person', True)
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:NAME_CHARS].strip("-")
    return slug or "person"


def note_filename(number: int, pair: ProposedMatch) -> str:
    """The file name of a pair's note in the zip: numbered, so that it is unique.

    >>> p = ProposedMatch(mentee_name="Lena Vogel", mentor_name="Omar", mentor_type="expertise")
    >>> note_filename(7, p)
    '007-lena-vogel-omar-expertise.txt'
    """
    names = f"{_slug(pair.mentee_name)}-{_slug(pair.mentor_name)}"
    return f"{number:03d}-{names}-{_slug(pair.mentor_type)}.txt"


def introduction(pair: ProposedMatch, reasons: Sequence[str]) -> str:
    """The note that introduces a mentee and a mentor to each other, ready to e-mail.

    ``reasons`` are the pair's reasons for participants (:func:`matcher.participant_reasons`).

    >>> p = ProposedMatch(
    ...     mentee_name="Lena", mentee_email="lena@x.org", mentor_name="Omar",
    ...     mentor_email="omar@x.org", mentor_type="expertise",
    ... )  # fmt: skip
    >>> note = introduction(p, ["Omar knows sql, which Lena wants to learn"]).splitlines()
    >>> for line in note[:4] + note[6:8]:
    ...     print(line)
    To: Lena <lena@x.org>, Omar <omar@x.org>
    Subject: Introducing Lena and Omar: expertise mentoring
    <BLANKLINE>
    Lena, meet Omar, your expertise mentor.
    Why you were matched:
    - Omar knows sql, which Lena wants to learn.
    """
    kind = MentorType(pair.mentor_type)
    why = [f"- {reason[:1].upper()}{reason[1:]}." for reason in reasons]
    why = why or ["- The program team chose you for each other."]
    lines = [
        f"To: {pair.mentee_name} <{pair.mentee_email}>, {pair.mentor_name} <{pair.mentor_email}>",
        f"Subject: Introducing {pair.mentee_name} and {pair.mentor_name}: {kind.value} mentoring",
        "",
        f"{pair.mentee_name}, meet {pair.mentor_name}, your {kind.value} mentor.",
        f"{kind.value.capitalize()} mentoring: {MENTOR_TYPE_HELP[kind]}",
        "",
        "Why you were matched:",
        *why,
        "",
        "A suggested agenda for your first conversation:",
        *(f"{n}. {item}" for n, item in enumerate(AGENDA[kind], start=1)),
        "",
    ]
    return "\n".join(lines)


def introductions_zip(
    pairs: Sequence[ProposedMatch],
    people: Mapping[str, Participant],
    config: ProgramConfig,
    when: datetime,
    progress: jobs.Progress | None = None,
) -> bytes:
    """One introduction note per pair, a text file each, in a zip dated ``when``.

    ``people`` are the program's participants by e-mail; a pair whose person has left the
    program since gets the program team's general reason. ``progress(step, done, total)``
    hears how many notes are written.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, pair in enumerate(pairs, start=1):
            if progress and number % PROGRESS_EVERY == 1:
                progress("writing the notes", number - 1, len(pairs))
            mentee, mentor = people.get(pair.mentee_email), people.get(pair.mentor_email)
            reasons: Sequence[str] = ()
            if mentee is not None and mentor is not None:
                # the run's breakdown holds the criterion values (none for a pair made by hand)
                values = {part[0]: part[1] for part in pair.breakdown or []} or None
                reasons = participant_reasons(mentee, mentor, pair.mentor_type, config, values)
            info = zipfile.ZipInfo(note_filename(number, pair), when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, introduction(pair, reasons).encode("utf-8"))
    return buffer.getvalue()


def make_export(job: ExportJob, progress: jobs.Progress) -> None:
    """The export job: make the file of ``job``'s kind from its run, as it is now."""
    run = db.session.get_one(MatchRun, job.run_id)
    progress("reading the pairs", 0, 0)
    pairs = approved_pairs(run)
    if job.kind == ExportKind.MATCHES:
        published = db.session.scalars(
            select(Pair).where(
                Pair.program_id == run.program_id,
                Pair.mentee_email.in_({pair.mentee_email for pair, _ in pairs}),
            )
        ).all()
        progress("writing the CSV", 0, 0)
        job.content = matches_csv(pairs, life_rows(published))
    else:
        progress("reading the participants", 0, 0)
        people = {p.email: p for p in program_cohort(run.program_id).people}
        when = run.finished_at or run.created_at
        notes = [pair for pair, _ in pairs]
        config = config_from_mapping(run.config)
        job.content = introductions_zip(notes, people, config, when, progress)
    job.count = len(pairs)


#: Making an export file as a background job.
EXPORT = jobs.JobKind("export", ExportJob, make_export, "make the file again")


def _download(content: bytes, filename: str, mimetype: str) -> Response:
    return Response(
        content,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _latest(run: MatchRun, kind: str) -> ExportJob | None:
    """The newest export of ``kind`` of ``run``, if any."""
    query = select(ExportJob).where(ExportJob.run_id == run.id, ExportJob.kind == kind)
    return db.session.scalars(query.order_by(ExportJob.id.desc())).first()


def _look(run: MatchRun) -> None:
    """Before any export of ``run`` is read: delete the expired files of every run, and
    fail the run's exports whose worker died."""
    export_jobs.sweep()
    db.session.commit()
    jobs.reap(EXPORT, ExportJob.run_id == run.id)


@bp.get("/exports")
@needs(Need.MANAGE)
def index(program_id: int, run_id: int) -> str:
    """The run's exports: a button that makes each file, and the file made last."""
    program = get_program(program_id)
    run = done_run(program.id, run_id)
    _look(run)
    return render_template(
        "exports/index.html",
        program=program,
        run=run,
        files=[(kind, FILES[kind], _latest(run, kind)) for kind in ExportKind],
        keep_hours=export_jobs.keep_hours(),
        form=EmptyForm(),
    )


def _start(program_id: int, run_id: int, kind: ExportKind) -> Response:
    """Queue the export of ``kind`` (unless it is being made already) and go to its page;
    a GET (an old link to the file) goes to the Exports page."""
    program = get_program(program_id)
    run = done_run(program.id, run_id)
    if request.method == "GET":
        return redirect(url_for(".index", program_id=program.id, run_id=run.id))
    if not EmptyForm().validate_on_submit():
        abort(400, description="The form was not understood; reload the page and try again.")
    _look(run)
    if (job := export_jobs.working(run, kind)) is None:
        export_jobs.replace(run, kind)
        file = FILES[kind]
        job = ExportJob(
            program_id=program.id,
            run_id=run.id,
            kind=kind,
            requested_by=current_user.email,
            filename=file.name.format(number=run.number),
            mimetype=file.mimetype,
        )
        db.session.add(job)
        db.session.commit()
        jobs.submit(EXPORT, job)
    return redirect(url_for(".show", program_id=program.id, run_id=run.id, job_id=job.id))


@bp.route("/export.csv", methods=["GET", "POST"])
@needs(Need.MANAGE)
def export_csv(program_id: int, run_id: int) -> Response:
    """Make the approved pairs' CSV (a background job)."""
    return _start(program_id, run_id, ExportKind.MATCHES)


@bp.route("/introductions.zip", methods=["GET", "POST"])
@needs(Need.MANAGE)
def export_introductions(program_id: int, run_id: int) -> Response:
    """Make the zip of introduction notes, one per approved or locked pair (a job)."""
    return _start(program_id, run_id, ExportKind.INTRODUCTIONS)


def _job(program_id: int, run_id: int, job_id: int) -> tuple[Program, MatchRun, ExportJob]:
    """The program, the run and its export ``job_id``, or 404 saying it may have expired."""
    program = get_program(program_id)
    run = done_run(program.id, run_id)
    _look(run)
    job = db.session.get(ExportJob, job_id)
    if job is None or job.run_id != run.id:
        abort(
            404,
            description="There is no such export: a file is deleted "
            f"{export_jobs.keep_hours()} hours after "
            "it was made, or when it is made again. Make it again on the run's Exports page.",
        )
    db.session.refresh(job)
    return program, run, job


@bp.get("/exports/<int:job_id>")
@needs(Need.MANAGE)
def show(program_id: int, run_id: int, job_id: int) -> str:
    """An export's progress, then the file to download (or why it failed)."""
    program, run, job = _job(program_id, run_id, job_id)
    return render_template(
        "exports/show.html",
        program=program,
        run=run,
        job=job,
        file=FILES[ExportKind(job.kind)],
        expires_at=export_jobs.expires_at(job),
        keep_hours=export_jobs.keep_hours(),
        form=EmptyForm(),
    )


@bp.get("/exports/<int:job_id>/download")
@needs(Need.MANAGE)
def download(program_id: int, run_id: int, job_id: int) -> Response:
    """The file an export job made (its page until it is done)."""
    program, run, job = _job(program_id, run_id, job_id)
    if job.status != JobStatus.DONE:
        return redirect(url_for(".show", program_id=program.id, run_id=run.id, job_id=job.id))
    file = FILES[ExportKind(job.kind)]
    audit.record("run.export", program.id, run=run.id, pairs=job.count, format=file.format)
    db.session.commit()
    return _download(job.content, job.filename, job.mimetype)


@bp.get("/unmatched.csv")
@needs(Need.MANAGE)
def export_unmatched(program_id: int, run_id: int) -> Response:
    """The run's open requests (of one type with ``?type=``) as CSV."""
    program = get_program(program_id)
    run = done_run(program.id, run_id)
    query = select(*(getattr(UnmatchedRequest, c) for c in OPEN_COLUMNS)).where(
        UnmatchedRequest.run_id == run.id
    )
    kind = request.args.get("type", "")
    if kind in {t.value for t in MentorType}:
        query = query.where(UnmatchedRequest.mentor_type == kind)
    by = UnmatchedRequest
    rows = db.session.execute(query.order_by(by.mentee_name, by.mentee_email, by.mentor_type)).all()
    audit.record("run.export", program.id, run=run.id, requests=len(rows), format="open-requests")
    db.session.commit()
    frame = pd.DataFrame([tuple(r) for r in rows], columns=OPEN_COLUMNS)
    return _download(to_csv_bytes(frame), f"open-requests-run-{run.number}.csv", "text/csv")
