"""CSV import: upload, preview every issue, then confirm to import all rows or none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy import delete
from werkzeug.wrappers import Response

from matcher.csv_io import read_rows
from matcher.errors import IntakeError, Issue
from webapp import audit
from webapp.auth import admin_only
from webapp.db import db
from webapp.forms import EmptyForm, UploadForm
from webapp.models import ImportUpload, Program, utcnow
from webapp.programs import get_program
from webapp.rows import person_to_row
from webapp.store import ImportPlan, apply_plan, plan_import, validate

bp = Blueprint("imports", __name__, url_prefix="/programs/<int:program_id>/import")
admin_only(bp)

#: Uploads that were previewed but never confirmed are dropped after this long.
UNCONFIRMED_TTL = timedelta(days=1)


@dataclass(frozen=True)
class Preview:
    """What a file holds: its row count, every issue, and the import plan when valid."""

    rows: int
    issues: tuple[Issue, ...]
    plan: ImportPlan | None

    @property
    def errors(self) -> int:
        """Number of issues that block the import."""
        return sum(i.severity == "error" for i in self.issues)

    @property
    def warnings(self) -> int:
        """Number of issues shown but allowed."""
        return sum(i.severity == "warning" for i in self.issues)


def preview(program: Program, content: bytes) -> Preview:
    """Read and validate a file with the ``matcher`` core and plan its import."""
    try:
        table = read_rows(content)
    except IntakeError as exc:
        return Preview(0, tuple(sorted(exc.issues)), None)
    result = validate(program.id, table.rows, first_row=table.first_row, columns=table.columns)
    issues = tuple(sorted(result.issues))
    if not result.ok:
        return Preview(len(table.rows), issues, None)
    plan = plan_import(program, (person_to_row(p) for p in result.participants))
    return Preview(len(table.rows), issues, plan)


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
        item = ImportUpload(
            program=program,
            filename=form.file.data.filename or "upload.csv",
            content=form.file.data.read(),
        )
        db.session.add(item)
        db.session.commit()
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
        form=EmptyForm(),
    )


@bp.post("/<int:upload_id>")
def confirm(program_id: int, upload_id: int) -> Response:
    """Import every row in one transaction, or nothing when the file has an error."""
    program = get_program(program_id)
    item = get_upload(program, upload_id)
    if not EmptyForm().validate_on_submit() or item.imported_at is not None:
        return redirect(url_for(".show", program_id=program.id, upload_id=item.id))
    checked = preview(program, item.content)
    if checked.plan is None:
        flash("The file has errors; nothing was imported.", "error")
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
