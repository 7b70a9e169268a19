"""CSV import: upload, preview every issue, then confirm to import all rows or none.

The preview shows the first rows as they were read (encoding, delimiter, which columns are
used), every issue, and the people who registered themselves through a program link whom
the file would merge: confirming those merges takes a tick of the admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePath

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import delete
from werkzeug.wrappers import Response

from matcher import FILE_NAME_MAX_CHARS, IntakeError, Issue, RowTable, ignored_columns, read_rows
from webapp import audit
from webapp.auth import admin_only
from webapp.db import db
from webapp.forms import ImportForm, UploadForm
from webapp.models import ImportUpload, Program, utcnow
from webapp.programs import get_program
from webapp.rows import merge_rows, person_to_row, record_to_row
from webapp.store import ImportPlan, apply_plan, plan_import, self_registrations, validate

bp = Blueprint("imports", __name__, url_prefix="/programs/<int:program_id>/import")
admin_only(bp)

#: Uploads that were previewed but never confirmed are dropped after this long.
UNCONFIRMED_TTL = timedelta(days=1)
#: Rows of the file the preview shows as they were read.
SAMPLE_ROWS = 5


@dataclass(frozen=True)
class Preview:
    """What a file holds: its row count, every issue, the import plan when valid, and the
    table as read (None when the file could not be read)."""

    rows: int
    issues: tuple[Issue, ...]
    plan: ImportPlan | None
    table: RowTable | None = None

    @property
    def ignored(self) -> frozenset[str]:
        """Columns of the file that are not imported."""
        return frozenset(ignored_columns(self.table.columns)) if self.table else frozenset()

    @property
    def errors(self) -> int:
        """Number of issues that block the import."""
        return sum(i.severity == "error" for i in self.issues)

    @property
    def warnings(self) -> int:
        """Number of issues shown but allowed."""
        return sum(i.severity == "warning" for i in self.issues)


def preview(program: Program, content: bytes) -> Preview:
    """Read and validate a file with the ``matcher`` core and plan its import.

    A row of someone who registered through a program link is validated as it would be
    merged (:func:`webapp.rows.merge_rows`: the file's cells win, their answers fill the
    file's empty cells).
    """
    try:
        table = read_rows(content)
    except IntakeError as exc:
        return Preview(0, tuple(sorted(exc.issues)), None)
    registered = {email: record_to_row(r) for email, r in self_registrations(program.id).items()}
    rows = [
        merge_rows(row, own) if (own := registered.get(row.get("email", "").strip().lower()))
        else row
        for row in table.rows
    ]  # fmt: skip
    result = validate(program.id, rows, first_row=table.first_row, columns=table.columns)
    issues = tuple(sorted(result.issues))
    if not result.ok:
        return Preview(len(table.rows), issues, None, table)
    plan = plan_import(program, (person_to_row(p) for p in result.participants))
    return Preview(len(table.rows), issues, plan, table)


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
    """Return an upload of this program, or answer 404."""
    upload = db.session.get(ImportUpload, upload_id)
    if upload is None or upload.program_id != program.id:
        abort(404, description="There is no such upload; upload the file again.")
    return upload


@bp.route("/", methods=["GET", "POST"])
def upload(program_id: int) -> str | Response:
    """Upload a CSV; the next page previews it."""
    program = get_program(program_id)
    form = UploadForm()
    if form.validate_on_submit():
        stale = utcnow() - UNCONFIRMED_TTL
        db.session.execute(
            delete(ImportUpload).where(
                ImportUpload.imported_at.is_(None), ImportUpload.created_at < stale
            )
        )
        filename = form.file.data.filename or "upload.csv"
        item = ImportUpload(
            program=program, filename=kept_name(filename), content=form.file.data.read()
        )
        db.session.add(item)
        db.session.commit()
        if item.filename != filename:
            flash(
                f"The file's name is {len(filename)} characters long, more than the "
                f"{FILE_NAME_MAX_CHARS} kept: it is shown shortened. The file itself is whole."
            )
        return redirect(url_for(".show", program_id=program.id, upload_id=item.id))
    return render_template("imports/upload.html", program=program, form=form)


@bp.get("/<int:upload_id>")
def show(program_id: int, upload_id: int) -> str | Response:
    """Preview: counts, and a table of every error and warning with its fix."""
    program = get_program(program_id)
    item = get_upload(program, upload_id)
    if item.imported_at is not None:
        return redirect(url_for(".result", program_id=program.id, upload_id=item.id))
    return render_template(
        "imports/preview.html",
        program=program,
        upload=item,
        preview=preview(program, item.content),
        form=ImportForm(),
        sample_rows=SAMPLE_ROWS,
    )


@bp.post("/<int:upload_id>")
def confirm(program_id: int, upload_id: int) -> Response:
    """Import every row in one transaction, or nothing when the file has an error."""
    program = get_program(program_id)
    item = get_upload(program, upload_id)
    form = ImportForm()
    if not form.validate_on_submit() or item.imported_at is not None:
        return redirect(url_for(".show", program_id=program.id, upload_id=item.id))
    checked = preview(program, item.content)
    if checked.plan is None:
        flash("The file has errors; nothing was imported.", "error")
        return redirect(url_for(".show", program_id=program.id, upload_id=item.id))
    if checked.plan.merged and not form.merge.data:
        flash("Tick the box to merge the people who registered themselves; nothing was "
              "imported.", "error")  # fmt: skip
        return redirect(url_for(".show", program_id=program.id, upload_id=item.id))
    apply_plan(program, checked.plan)
    item.imported_at = utcnow()
    item.result = checked.plan.counts()
    item.content = b""
    audit.record("participants.import", program.id, filename=item.filename, **item.result)
    db.session.commit()
    return redirect(url_for(".result", program_id=program.id, upload_id=item.id))


@bp.get("/<int:upload_id>/result")
def result(program_id: int, upload_id: int) -> str | Response:
    """How many rows were new, updated and unchanged."""
    program = get_program(program_id)
    item = get_upload(program, upload_id)
    if item.result is None:
        return redirect(url_for(".show", program_id=program.id, upload_id=item.id))
    return render_template("imports/result.html", program=program, upload=item)
