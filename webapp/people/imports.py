"""CSV import: upload, preview every issue, then confirm to import all rows or none.

The preview shows the first rows as they were read (encoding, delimiter, which columns are
used), every issue, and the people who registered themselves through a program link whom
the file would merge: confirming those merges takes a tick of the admin.

Reading and checking a file takes a while when it is big, so both steps are background
jobs (:mod:`webapp.jobs`) on the upload's row: the upload request stores the file and
queues :data:`PREVIEW`, whose page follows the job and then shows what it found
(:meth:`Preview.summary`, kept on the upload); confirming queues :data:`IMPORT`, which
checks the file again (the program may have changed) and writes every row in one
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePath
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import delete
from werkzeug.wrappers import Response

from matcher import (
    FILE_NAME_MAX_CHARS,
    IntakeError,
    Issue,
    MatcherError,
    Question,
    RowTable,
    ignored_columns,
    plural,
    read_rows,
)
from webapp import audit, jobs
from webapp.db import db
from webapp.forms import ImportForm, UploadForm
from webapp.lookups import get_program
from webapp.models import ACTIVE, ImportUpload, Program, utcnow
from webapp.program_questions import optional_unless, program_questions
from webapp.roles import Need, needs
from webapp.rows import (
    STORED_COLUMNS,
    Row,
    changed_columns,
    merge_rows,
    person_to_row,
    record_to_row,
    update_row,
)
from webapp.store import (
    ImportPlan,
    apply_plan,
    plan_import,
    self_registrations,
    stored_cells,
    validate,
)

bp = Blueprint("imports", __name__, url_prefix="/programs/<int:program_id>/import")

#: Uploads that were previewed but never confirmed are dropped after this long.
UNCONFIRMED_TTL = timedelta(days=1)
#: Rows of the file the preview shows as they were read.
SAMPLE_ROWS = 5
#: Most issues a preview keeps and shows (errors before warnings); the rest are counted.
ISSUES_SHOWN = 1000
#: Longest cell value an issue shows.
VALUE_SHOWN = 200
#: Most updated people whose changes a preview lists; the rest are counted.
CHANGES_SHOWN = 100
#: Longest old or new value a listed change shows.
CHANGE_SHOWN = 60


@dataclass(frozen=True)
class Preview:
    """What a file holds: its row count, every issue, the import plan when valid, and the
    table as read (None when the file could not be read)."""

    rows: int
    issues: tuple[Issue, ...]
    plan: ImportPlan | None
    table: RowTable | None = None
    questions: tuple[Question, ...] = ()

    @property
    def ignored(self) -> frozenset[str]:
        """Columns of the file that are not imported (neither a participant column nor a
        question of the program)."""
        if self.table is None:
            return frozenset()
        return frozenset(ignored_columns(self.table.columns, self.questions))

    @property
    def errors(self) -> int:
        """Number of issues that block the import."""
        return sum(i.severity == "error" for i in self.issues)

    @property
    def warnings(self) -> int:
        """Number of issues shown but allowed."""
        return sum(i.severity == "warning" for i in self.issues)

    def changes(self) -> list[dict[str, Any]]:
        """The fields the import changes for the first :data:`CHANGES_SHOWN` people it
        updates: their name and, per changed column, its old and new value as shown (a
        list with commas, at most :data:`CHANGE_SHOWN` characters).

        >>> from webapp.models import Participant
        >>> ana = {"email": "a@x.org", "name": "Ana", "languages": "en"}
        >>> plan = ImportPlan(updated=[(Participant(**ana), {**ana, "languages": "de;en"})])
        >>> Preview(1, (), plan).changes()
        [{'name': 'Ana', 'fields': [('languages', 'en', 'de, en')]}]
        """
        updated = self.plan.updated[:CHANGES_SHOWN] if self.plan else []
        return [
            {
                "name": row["name"],
                "fields": [
                    (column.replace("_", " "), _shown_change(before), _shown_change(after))
                    for column, before, after in changed_columns(record_to_row(record), row)
                ],
            }
            for record, row in updated
        ]

    def summary(self) -> dict[str, Any]:
        """What the preview page shows, as kept on the upload (JSON): the counts, the
        people it merges, the changes of the people it updates (:meth:`changes`), the
        first :data:`SAMPLE_ROWS` rows as read, and the first :data:`ISSUES_SHOWN` issues
        in file order (errors before warnings when there are more).

        >>> issue = Issue(3, "role", "mentr", "unknown role 'mentr'")
        >>> Preview(1, (issue,), None).summary()["issues"][0]["column"]
        'role'
        """
        kept = sorted(self.issues, key=lambda i: i.severity != "error")[:ISSUES_SHOWN]
        plan, table = self.plan, self.table
        return {
            "rows": self.rows,
            "errors": self.errors,
            "warnings": self.warnings,
            "counts": plan.counts() if plan else None,
            "changes_nothing": bool(plan and plan.changes_nothing),
            "merged": [
                {"email": record.email, "name": record.name, "file_name": row["name"]}
                for record, row in (plan.merged if plan else [])
            ],
            "changes": self.changes(),
            "table": table
            and {
                "encoding": table.encoding,
                "delimiter": table.delimiter,
                "columns": list(table.columns),
                "raw_columns": list(table.raw_columns),
                "first_row": table.first_row,
                "rows": table.rows[:SAMPLE_ROWS],
            },
            "ignored": sorted(self.ignored),
            "issues": [
                {
                    "row": i.row,
                    "column": i.column,
                    "value": i.value[:VALUE_SHOWN],
                    "message": i.message,
                    "severity": i.severity,
                }
                for i in sorted(kept)
            ],
        }


def _shown_change(text: str) -> str:
    """A stored cell as a change shows it: lists with commas, long text cut.

    >>> _shown_change("de;en"), _shown_change("x" * 70)[-3:]
    ('de, en', 'xx…')
    """
    shown = text.replace(";", ", ")
    return shown if len(shown) <= CHANGE_SHOWN else shown[: CHANGE_SHOWN - 1] + "…"


def as_imported(row: Row, registered: Mapping[str, Any], stored: Mapping[str, Row]) -> Row:
    """A file's row as the import would write it, by its e-mail: a self-registered
    person's (in ``registered``) merged with their answers (:func:`webapp.rows.merge_rows`:
    the file's cells win, their answers fill the file's empty cells); another stored
    participant's with the stored value of every column the file lacks (``stored``:
    :func:`webapp.store.stored_cells`, see :func:`webapp.rows.update_row`); a new
    person's as it is.

    >>> stored = {"a@x.org": {"admin_notes": "VIP", "level": "3"}}
    >>> as_imported({"email": "A@x.org", "level": ""}, {}, stored)
    {'admin_notes': 'VIP', 'level': '', 'email': 'A@x.org'}
    >>> as_imported({"email": "new@x.org"}, {}, stored)
    {'email': 'new@x.org'}
    """
    email = row.get("email", "").strip().lower()
    if (own := registered.get(email)) is not None:
        return merge_rows(row, record_to_row(own))
    if (cells := stored.get(email)) is not None:
        return update_row(row, cells)
    return row


def preview(program: Program, content: bytes, progress: jobs.Progress | None = None) -> Preview:
    """Read and validate a file with the ``matcher`` core and plan its import.

    Each row is validated as it would be written (:func:`as_imported`).
    ``progress(step, done, total)`` hears which step it is in.
    """

    def step(name: str) -> None:
        if progress:
            progress(name, 0, 0)

    step("reading the file")
    try:
        table = read_rows(content)
    except IntakeError as exc:
        return Preview(0, tuple(sorted(exc.issues)), None)
    step(f"checking {len(table.rows):,} rows")
    registered = self_registrations(program.id)
    absent = [column for column in STORED_COLUMNS if column not in table.columns]
    questions = program_questions(program.id)
    unasked = [q.key for q in questions if q.key not in table.columns]
    stored = stored_cells(program.id, absent, unasked)
    rows = [as_imported(row, registered, stored) for row in table.rows]
    del stored  # the checks need the memory more
    result = validate(
        program.id,
        rows,
        first_row=table.first_row,
        columns=table.columns,
        headers=table.raw_columns,
        questions=optional_unless(questions, table.columns),
    )
    issues = tuple(sorted(result.issues))
    if not result.ok:
        return Preview(len(table.rows), issues, None, table, questions)
    step("comparing with the program")
    plan = plan_import(program, (person_to_row(p) for p in result.participants))
    return Preview(len(table.rows), issues, plan, table, questions)


def check(upload: ImportUpload, progress: jobs.Progress) -> None:
    """The preview job: read and check the file; keep what the page shows."""
    upload.preview = preview(upload.program, upload.content, progress).summary()


def import_rows(upload: ImportUpload, progress: jobs.Progress) -> None:
    """The import job: check the file again, then add, update and merge every row, or
    none. Only the merges the admin saw in the preview (and ticked) are made."""
    checked = preview(upload.program, upload.content, progress)
    if checked.plan is None:
        raise MatcherError(
            f"the file has {plural(checked.errors, 'error')} now (the program changed since the "
            "preview); nothing was imported. Upload it again to see them."
        )
    seen = {merge["email"] for merge in (upload.preview or {}).get("merged", [])}
    if unseen := [record.email for record, _ in checked.plan.merged if record.email not in seen]:
        raise MatcherError(
            f"{len(unseen)} of the people in the file registered themselves through the "
            "program link after the preview; nothing was imported. Upload the file again "
            "to see them."
        )
    apply_plan(upload.program, checked.plan, progress)
    upload.imported_at = utcnow()
    upload.result = checked.plan.counts()
    upload.content = b""
    upload.preview = None
    audit.record(
        "participants.import",
        upload.program_id,
        actor=upload.requested_by,
        filename=upload.filename,
        **upload.result,
    )


#: The background jobs of an upload (its ``task`` names the one its status is about).
PREVIEW = jobs.JobKind("preview", ImportUpload, check, "upload the file again")
IMPORT = jobs.JobKind("import", ImportUpload, import_rows, "import it again")
TASKS = {kind.name: kind for kind in (PREVIEW, IMPORT)}


def kept_name(filename: str) -> str:
    """The name an upload is kept under: at most the limit, its extension kept.

    >>> kept_name("cohort.csv")
    'cohort.csv'
    >>> name = kept_name("x" * 300 + ".csv")
    >>> len(name), name[-8:]
    (255, 'xxx….csv')
    """
    if len(filename) <= FILE_NAME_MAX_CHARS:
        return filename
    suffix = PurePath(filename).suffix[:10]
    return filename[: FILE_NAME_MAX_CHARS - len(suffix) - 1] + "…" + suffix


def get_upload(program: Program, upload_id: int) -> ImportUpload:
    """Return an upload of this program (its job failed if its worker died), or 404."""
    upload = db.session.get(ImportUpload, upload_id)
    if upload is None or upload.program_id != program.id:
        abort(404, description="There is no such upload; upload the file again.")
    jobs.reap(TASKS[upload.task], ImportUpload.id == upload.id)
    return upload


@bp.route("/", methods=["GET", "POST"])
@needs(Need.MANAGE)
def upload(program_id: int) -> str | Response:
    """Upload a CSV; the next page follows its preview."""
    program = get_program(program_id)
    form = UploadForm()
    if form.validate_on_submit():
        stale = utcnow() - UNCONFIRMED_TTL
        db.session.execute(
            delete(ImportUpload).where(
                ImportUpload.imported_at.is_(None),
                ImportUpload.created_at < stale,
                ImportUpload.status.not_in(ACTIVE),
            )
        )
        filename = form.file.data.filename or "upload.csv"
        item = ImportUpload(
            program=program,
            filename=kept_name(filename),
            content=form.file.data.read(),
            task=PREVIEW.name,
            requested_by=current_user.email,
        )
        db.session.add(item)
        db.session.commit()
        if item.filename != filename:
            flash(
                f"The file's name is {len(filename)} characters long, more than the "
                f"{FILE_NAME_MAX_CHARS} kept: it is shown shortened. The file itself is whole."
            )
        jobs.submit(PREVIEW, item)
        return redirect(url_for(".show", program_id=program.id, upload_id=item.id))
    return render_template("imports/upload.html", program=program, form=form)


@bp.get("/<int:upload_id>")
@needs(Need.MANAGE)
def show(program_id: int, upload_id: int) -> str | Response:
    """The job's progress; then the preview: counts, merges, the file as read, and the
    errors and warnings with their fix (or why the job failed)."""
    program = get_program(program_id)
    item = get_upload(program, upload_id)
    if item.imported_at is not None:
        return redirect(url_for(".result", program_id=program.id, upload_id=item.id))
    if not item.finished:
        return render_template("imports/working.html", program=program, upload=item)
    return render_template(
        "imports/preview.html",
        program=program,
        upload=item,
        preview=item.preview,
        form=ImportForm(),
        sample_rows=SAMPLE_ROWS,
    )


@bp.post("/<int:upload_id>")
@needs(Need.MANAGE)
def confirm(program_id: int, upload_id: int) -> Response:
    """Queue the import of every row, or refuse when the file has an error or the admin
    did not tick the merges."""
    program = get_program(program_id)
    item = get_upload(program, upload_id)
    back = redirect(url_for(".show", program_id=program.id, upload_id=item.id))
    form = ImportForm()
    if not form.validate_on_submit() or item.imported_at is not None:
        return back
    if item.preview is None or item.preview["counts"] is None:
        flash("The file has errors; nothing was imported.", "error")
        return back
    if item.preview["merged"] and not form.merge.data:
        flash("Tick the box to merge the people who registered themselves; nothing was "
              "imported.", "error")  # fmt: skip
        return back
    if jobs.restart(item, task=IMPORT.name, requested_by=current_user.email):
        jobs.submit(IMPORT, item)
    return back


@bp.get("/<int:upload_id>/result")
@needs(Need.MANAGE)
def result(program_id: int, upload_id: int) -> str | Response:
    """How many rows were new, updated and unchanged."""
    program = get_program(program_id)
    item = get_upload(program, upload_id)
    if item.result is None:
        return redirect(url_for(".show", program_id=program.id, upload_id=item.id))
    return render_template("imports/result.html", program=program, upload=item)
