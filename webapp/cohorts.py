"""Cohorts: a program's series of cohorts, starting the next one, and who gets priority.

A cohort is a :class:`~webapp.models.Program` in a series (``series_id``, ``cohort_number``,
dates). :func:`start_next` records a :class:`~webapp.cohort_models.CohortStart` and hands it
to a worker (:data:`NEXT_COHORT`); its work (:func:`carry_over`) makes the next cohort in
one transaction:

- the earlier cohort's matching config and answer settings, and its admins' roles;
- its never-pairs, and every pair it ever published (whatever became of it) as a
  never-pair: the next cohort never proposes the two to each other again;
- its people (their intake answers), all at once (:attr:`Carry.ALL`), or an e-mail to each
  asking "Stay for the next cohort?" with a personal link whose "yes" adds them
  (:attr:`Carry.OPT_IN`, :func:`join_next`);
- each person carried who was left unmatched (:func:`left_unmatched`) gets ``priority``
  (the matching's priority bonus favours their requests when the program's setting is
  on) with the ``priority_reason`` :data:`UNMATCHED_LAST_COHORT`, and everyone else
  carried loses a priority of the earlier cohort; :func:`unmatched_last_cohort` reads
  the flagged people back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from matcher import MatcherError
from webapp import audit, jobs
from webapp.access_models import ProgramAccess
from webapp.cohort_models import Carry, CohortStart
from webapp.db import db
from webapp.links import link_for, site_link
from webapp.mail import MailKind, queue_message, start_delivery
from webapp.models import ACTIVE, Participant, Program, utcnow
from webapp.pair_models import AnswerPolicy, NeverPair, Pair, PairStatus
from webapp.rows import apply_row, record_to_row

__all__ = [
    "NEXT_COHORT",
    "OPEN_AGAIN",
    "UNMATCHED_LAST_COHORT",
    "active_start",
    "carry_over",
    "cohorts_of",
    "join_next",
    "left_unmatched",
    "next_cohort",
    "previous_cohort",
    "requests_of",
    "series_rows",
    "start_next",
    "unmatched_last_cohort",
]

#: The ``priority_reason`` of a person left unmatched in the previous cohort.
UNMATCHED_LAST_COHORT = "unmatched last cohort"
#: A request whose every published pair ended in one of these statuses (or that has no
#: pair) was left unmatched; ``ended`` is the status of a pair that ran its course.
OPEN_AGAIN = (PairStatus.DECLINED.value, "ended")
#: The ``why`` of a never-pair made from a pair of an earlier cohort.
PAIRED_BEFORE = "paired in an earlier cohort"
#: How many days the "Stay for the next cohort?" link works at least.
STAY_DAYS = 30


def cohorts_of(program: Program) -> list[Program]:
    """Every cohort of ``program``'s series, first to last (``program`` among them)."""
    key = program.series_key
    return list(
        db.session.scalars(
            select(Program)
            .where((Program.id == key) | (Program.series_id == key))
            .order_by(Program.cohort_number, Program.id)
        )
    )


def _neighbour(program: Program, step: int) -> Program | None:
    number = program.cohort_number + step
    return next((c for c in cohorts_of(program) if c.cohort_number == number), None)


def previous_cohort(program: Program) -> Program | None:
    """The cohort before ``program`` in its series, None for the first."""
    return _neighbour(program, -1)


def next_cohort(program: Program) -> Program | None:
    """The cohort after ``program`` in its series, None until it is started."""
    return _neighbour(program, 1)


def has_joined(cohort: Program, email: str) -> bool:
    """True when the person ``email`` is a participant of ``cohort``."""
    found = select(Participant.id).where(
        Participant.program_id == cohort.id, Participant.email == email
    )
    return db.session.scalar(found) is not None


def requests_of(seeks: str) -> list[str]:
    """The mentor types a mentee's stored ``seeks`` cell asks for.

    >>> requests_of("developmental;sponsorship"), requests_of("")
    (['developmental', 'sponsorship'], [])
    """
    return [kind for kind in seeks.split(";") if kind]


def left_unmatched(program_id: int) -> set[str]:
    """The e-mails of the program's mentees with a request (type sought) that has no
    published pair, or whose published pairs all ended in :data:`OPEN_AGAIN`.

    >>> from webapp import create_app
    >>> app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "example"})
    >>> with app.app_context():
    ...     db.create_all()
    ...     program = Program(name="Spring")
    ...     db.session.add_all(
    ...         [
    ...             program,
    ...             Participant(
    ...                 program=program,
    ...                 email="ana@x.org",
    ...                 name="Ana",
    ...                 role="mentee",
    ...                 seeks="expertise",
    ...             ),
    ...             Participant(
    ...                 program=program,
    ...                 email="bo@x.org",
    ...                 name="Bo",
    ...                 role="mentee",
    ...                 seeks="expertise",
    ...             ),
    ...         ]
    ...     )
    ...     db.session.flush()
    ...     db.session.add(
    ...         Pair(
    ...             program_id=program.id,
    ...             mentee_email="ana@x.org",
    ...             mentor_email="cy@x.org",
    ...             mentor_type="expertise",
    ...             status="accepted",
    ...             published_by="admin@x.org",
    ...             deadline=utcnow(),
    ...         )
    ...     )
    ...     sorted(left_unmatched(program.id))
    ['bo@x.org']
    """
    mentees = db.session.execute(
        select(Participant.email, Participant.seeks).where(
            Participant.program_id == program_id, Participant.seeks != ""
        )
    ).all()
    held = set(
        db.session.execute(
            select(Pair.mentee_email, Pair.mentor_type).where(
                Pair.program_id == program_id, Pair.status.not_in(OPEN_AGAIN)
            )
        ).all()
    )
    return {
        email for email, seeks in mentees if any((email, k) not in held for k in requests_of(seeks))
    }


def unmatched_last_cohort(program_id: int) -> set[str]:
    """The e-mails of the program's people who were left unmatched in the previous cohort
    (their ``priority_reason``, recorded when they were carried over or said yes); none
    in a first cohort.

    >>> from webapp import create_app
    >>> app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "example"})
    >>> with app.app_context():
    ...     db.create_all()
    ...     program = Program(name="Autumn", cohort_number=2)
    ...     db.session.add_all(
    ...         [
    ...             program,
    ...             Participant(
    ...                 program=program,
    ...                 email="bo@x.org",
    ...                 name="Bo",
    ...                 role="mentee",
    ...                 priority_reason=UNMATCHED_LAST_COHORT,
    ...             ),
    ...             Participant(program=program, email="cy@x.org", name="Cy", role="mentee"),
    ...         ]
    ...     )
    ...     db.session.flush()
    ...     unmatched_last_cohort(program.id)
    {'bo@x.org'}
    """
    return set(
        db.session.scalars(
            select(Participant.email).where(
                Participant.program_id == program_id,
                Participant.priority_reason == UNMATCHED_LAST_COHORT,
            )
        )
    )


def active_start(program_id: int) -> CohortStart | None:
    """The start of ``program_id``'s next cohort still waiting or working, if any."""
    jobs.reap(NEXT_COHORT, CohortStart.program_id == program_id)
    return db.session.scalar(
        select(CohortStart).where(
            CohortStart.program_id == program_id, CohortStart.status.in_(ACTIVE)
        )
    )


def start_next(program: Program, job: CohortStart) -> CohortStart:
    """Commit ``job`` (a queued start of ``program``'s next cohort) and hand it to a worker."""
    job.program_id = program.id
    db.session.add(job)
    audit.record(
        "cohort.start",
        program.id,
        actor=job.requested_by,
        name=job.name,
        carry=job.carry,
        starts_on=job.starts_on.isoformat(),
        ends_on=job.ends_on.isoformat(),
    )
    db.session.commit()
    jobs.submit(NEXT_COHORT, job)
    return job


def _copy_person(record: Participant, into: Program, unmatched: set[str]) -> Participant:
    """A copy of ``record``'s intake answers (and admin notes) in the cohort ``into``."""
    person = Participant(program=into, self_registered=False)
    apply_row(person, record_to_row(record))
    left_out = record.email in unmatched
    person.priority = left_out  # what the matching's priority bonus honours
    person.priority_reason = UNMATCHED_LAST_COHORT if left_out else ""
    db.session.add(person)
    return person


def _never_pairs(source: Program) -> dict[tuple[str, str], tuple[str, str]]:
    """The never-pairs the next cohort of ``source`` inherits, as ``{(first, second):
    (why, note)}``: ``source``'s own, and every pair it ever published."""
    found = {
        (n.first_email, n.second_email): (n.why, n.note)
        for n in db.session.scalars(select(NeverPair).where(NeverPair.program_id == source.id))
    }
    published = db.session.execute(
        select(Pair.mentee_email, Pair.mentor_email).where(Pair.program_id == source.id)
    )
    for mentee, mentor in published:
        first, second = sorted((mentee, mentor))
        found.setdefault((first, second), (PAIRED_BEFORE, ""))
    return found


def _copy_policy(source: Program, into: Program) -> None:
    """Give ``into`` the answer and first-meeting check settings of ``source`` (if it has
    its own)."""
    policy = db.session.get(AnswerPolicy, source.id)
    if policy is not None:  # every setting column, so a new one is copied too
        settings = {
            column.key: getattr(policy, column.key)
            for column in AnswerPolicy.__table__.columns
            if column.key != "program_id"
        }
        db.session.add(AnswerPolicy(program_id=into.id, **settings))


def _copy_access(source: Program, into: Program) -> None:
    """Give every admin the same role in ``into`` as in ``source``."""
    for access in db.session.scalars(
        select(ProgramAccess).where(ProgramAccess.program_id == source.id)
    ):
        copy = ProgramAccess(program_id=into.id, admin_id=access.admin_id, role=access.role)
        db.session.add(copy)


def carry_over(job: CohortStart, progress: jobs.Progress) -> None:
    """The work of a start: the next cohort, its settings, its admins' roles and
    never-pairs, and its people (carried, or each asked by e-mail)."""
    source = job.program
    if (started := next_cohort(source)) is not None:
        raise MatcherError(f"the next cohort, {started.name}, was started meanwhile.")
    cohort = Program(
        name=job.name,
        config=dict(source.config),
        series_id=source.series_key,
        cohort_number=source.cohort_number + 1,
        starts_on=job.starts_on,
        ends_on=job.ends_on,
    )
    db.session.add(cohort)
    try:
        db.session.flush()  # its id, for the rows below
    except IntegrityError as exc:  # the unique name, or the series' cohort number
        raise MatcherError(
            f"another program took the name {job.name!r}, or another start made cohort "
            f"{cohort.cohort_number} meanwhile; nothing was changed."
        ) from exc
    _copy_policy(source, cohort)
    _copy_access(source, cohort)
    never = _never_pairs(source)
    for (first, second), (why, note) in never.items():
        db.session.add(
            NeverPair(
                program_id=cohort.id,
                first_email=first,
                second_email=second,
                why=why,
                note=note,
                created_by=job.requested_by,
            )
        )
    records = list(
        db.session.scalars(
            select(Participant).where(Participant.program_id == source.id).order_by(Participant.id)
        )
    )
    unmatched = left_unmatched(source.id)
    carried = invited = 0
    for done, record in enumerate(records):
        progress(
            "carrying people" if job.carry == Carry.ALL else "asking people", done, len(records)
        )
        if job.carry == Carry.ALL:
            _copy_person(record, cohort, unmatched)
            carried += 1
        else:
            _ask_to_stay(job, record, cohort)
            invited += 1
    audit.record("cohort.started", cohort.id, actor=job.requested_by, earlier=source.id)
    job.new_program_id = cohort.id
    job.result = {
        "carried": carried,
        "invited": invited,
        "never_pairs": len(never),
        "priority": len(unmatched) if carried else 0,
    }
    if invited:  # commits the cohort with its e-mails, then sends them
        start_delivery(source.id, requested_by=job.requested_by)


def _ask_to_stay(job: CohortStart, record: Participant, cohort: Program) -> None:
    """Queue the e-mail asking ``record`` whether they stay for ``cohort``."""
    token = link_for(record, utcnow() + timedelta(days=STAY_DAYS))
    queue_message(
        job.program,
        to=record.email,
        kind=MailKind.COHORT,
        template="stay",
        context={
            "program_name": job.program.name,
            "name": record.name,
            "next_name": cohort.name,
            "starts_on": f"{cohort.starts_on:%d %B %Y}",
            "link": site_link(job.base_url, "participant.page.stay", token_text=token.token),
        },
        participant=record,
        queued_by=job.requested_by,
        deliver=False,
    )


def join_next(record: Participant, actor: str) -> tuple[Program, bool] | None:
    """Add ``record`` (their intake answers) to the cohort after theirs, flagged if they
    were left unmatched; the caller commits.

    Returns the next cohort and whether they joined now (False: they were in it
    already), or None when no next cohort was started.
    """
    cohort = next_cohort(record.program)
    if cohort is None:
        return None
    there = exists().where(Participant.program_id == cohort.id, Participant.email == record.email)
    if db.session.scalar(select(there)):
        return cohort, False
    unmatched = left_unmatched(record.program_id) & {record.email}
    _copy_person(record, cohort, unmatched)
    audit.record(
        "cohort.join", cohort.id, actor=actor, email=record.email, earlier=record.program_id
    )
    return cohort, True


def series_rows(programs: Iterable[Program]) -> list[list[Program]]:
    """Programs grouped by series, each group first cohort to last, groups by the name of
    their latest cohort.

    >>> a, b, c = (
    ...     Program(id=1, name="Spring", cohort_number=1),
    ...     Program(id=2, name="Alpha", cohort_number=1),
    ...     Program(id=3, name="Autumn", series_id=1, cohort_number=2),
    ... )
    >>> [[p.name for p in group] for group in series_rows([a, b, c])]
    [['Alpha'], ['Spring', 'Autumn']]
    """
    groups: dict[int, list[Program]] = {}
    for program in programs:
        groups.setdefault(program.series_key, []).append(program)
    ordered = [sorted(g, key=lambda p: (p.cohort_number, p.id)) for g in groups.values()]
    return sorted(ordered, key=lambda g: g[-1].name.casefold())


#: Starting the next cohort as a background job.
NEXT_COHORT = jobs.JobKind("cohort", CohortStart, carry_over, "start the next cohort again")
