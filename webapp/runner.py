"""Carry out a match run: read the program, call ``matcher.propose``, store what it found.

:func:`start_run` records a queued run (number, config snapshot, who, when);
:data:`RUN` is its background job (:mod:`webapp.jobs`), whose work :func:`match`
does wherever the job runs (a thread or an RQ worker); a run whose participants and
config are those of the program's last run starts warm from it (:mod:`webapp.warm_runs`).
Approved and locked pairs the data no longer allows are left out, named on the run
(:mod:`webapp.matching.left_out`), never a reason to fail. A run that fails stores its
error and changes nothing else: earlier runs and every decision stay as they were.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Row, insert, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from matcher import (
    BONUS_CRITERIA,
    MATCH_COLUMNS,
    UNMATCHED_COLUMNS,
    Decision,
    MatcherError,
    MentorType,
    Participant,
    ProgramConfig,
    Proposal,
    StaleLock,
    WarmState,
    config_from_mapping,
    parse_participants,
    plural,
    propose,
    rerun,
    stale_locks,
    without_gc,
)
from webapp import audit, jobs, rematch, warm_runs
from webapp.answers import never_pairs, settle_overdue, with_never_pairs
from webapp.conflicts import is_lock
from webapp.db import db
from webapp.decisions import decisions_for, status
from webapp.figures import run_figures
from webapp.models import ACTIVE, Program
from webapp.program_questions import optional_unless, program_questions
from webapp.run_models import (
    Action,
    MatchRun,
    PairDecision,
    ProposedMatch,
    RunKind,
    RunStatus,
    UnmatchedRequest,
)
from webapp.store import program_rows

#: A request as a rematch names it: the mentee's e-mail and the type.
Request = tuple[str, str]

#: Times a start reads and inserts again when runs started at the same moment were
#: saved first (see :func:`start_run`).
START_TRIES = 3


def program_people(program_id: int) -> tuple[Participant, ...]:
    """The program's participants as the core reads them (stored rows, validated; their
    answers to the program's questions, none required)."""
    return read_people(program_id).people


@dataclass(frozen=True)
class ReadPeople:
    """A program's participants as a run reads them, and ``digest``: the SHA-256 of the
    stored rows they were parsed from (in the order they were added) and of the questions
    that read them."""

    people: tuple[Participant, ...]
    digest: str


def read_people(program_id: int) -> ReadPeople:
    """The program's participants (:func:`program_people`) with the digest of their rows.

    The same rows and questions parse the same: the last parse is taken from the instance
    folder when the digest and the engine match (:func:`webapp.warm_runs.load_people`),
    which saves validating every row again on each run and each process's first page.
    """
    rows = program_rows(program_id)
    questions = optional_unless(program_questions(program_id), ())
    content = json.dumps([rows, repr(questions)], sort_keys=True).encode()
    digest = hashlib.sha256(content).hexdigest()
    key = warm_runs.people_key(digest)
    if (kept := warm_runs.load_people(program_id, key)) is not None:
        return ReadPeople(kept, digest)
    result = parse_participants(rows, questions=questions)
    if not result.ok:
        first = result.errors[0].describe()
        raise MatcherError(
            f"the participant data has {plural(len(result.errors), 'error')}: {first}"
        )
    warm_runs.save_people(program_id, key, result.participants)
    return ReadPeople(result.participants, digest)


def program_decisions(
    program_id: int, *, mentee_email: str | None = None, locks_only: bool = False
) -> list[Decision]:
    """The decisions a run passes to the core: approved and locked pairs are kept.

    ``mentee_email`` keeps one mentee's decisions (all a page about that mentee needs),
    ``locks_only`` the approved and locked pairs. Rows are read as plain columns: a
    program with 44,000 decisions reads them in about 0.1 s, against 0.8 s as ORM objects
    (docs/performance.md).
    """
    query = select(
        PairDecision.mentee_email,
        PairDecision.mentor_email,
        PairDecision.mentor_type,
        PairDecision.action,
    ).where(PairDecision.program_id == program_id)
    if mentee_email is not None:
        query = query.where(PairDecision.mentee_email == mentee_email)
    if locks_only:
        query = query.where(PairDecision.action != Action.REJECT.value)
    kinds = {kind.value: kind for kind in MentorType}
    return [
        Decision(mentee, mentor, kinds[kind], "reject" if action == Action.REJECT else "lock")
        for mentee, mentor, kind, action in db.session.execute(query)
    ]


def input_hash(
    people: str,
    never: Sequence[tuple[str, str]],
    config: dict[str, Any],
    decisions: Sequence[Decision],
) -> str:
    """SHA-256 of everything a run reads: the digest of the participants' stored rows
    (:attr:`ReadPeople.digest`), the "never pair these two", the config and the decisions.

    >>> len(input_hash("", [], {}, []))
    64
    >>> input_hash("", [("a@x.org", "b@x.org")], {}, []) == input_hash("", [], {}, [])
    False
    """
    content = {
        "participants": people,
        "never_pairs": sorted(map(list, never)),
        "config": config,
        "decisions": sorted(
            [d.mentee_email, d.mentor_email, d.mentor_type.value, d.action] for d in decisions
        ),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def latest_run(program_id: int, *, done: bool = True) -> MatchRun | None:
    """The program's newest run (only finished, successful ones with ``done``)."""
    query = select(MatchRun).where(MatchRun.program_id == program_id)
    if done:
        query = query.where(MatchRun.status == RunStatus.DONE)
    return db.session.scalar(query.order_by(MatchRun.id.desc()).limit(1))


def active_run(program_id: int) -> MatchRun | None:
    """The program's run still queued or working, once runs whose worker died are failed."""
    jobs.reap(RUN, MatchRun.program_id == program_id)
    query = select(MatchRun).where(MatchRun.program_id == program_id, MatchRun.status.in_(ACTIVE))
    return db.session.scalar(query)


def create_run(
    program: Program, who: str, kind: RunKind = RunKind.FULL, fill: Sequence[Request] = ()
) -> MatchRun:
    """Record a queued run of ``program`` started by ``who``; the caller commits.

    ``kind`` and ``fill`` make it a rematch (of the requests ``fill``, or of every open
    one: :mod:`webapp.rematch`). The run's number is the program's next
    (:func:`webapp.run_models.next_number`, read in the INSERT's own transaction).
    """
    previous = latest_run(program.id)
    run = MatchRun(
        program_id=program.id,
        config=dict(program.config),
        created_by=who,
        status=RunStatus.QUEUED,
        previous_id=previous.id if previous else None,
        kind=kind.value,
        fill=[list(r) for r in fill],
    )
    db.session.add(run)
    db.session.flush()
    return run


def start_run(
    program: Program, who: str, kind: RunKind = RunKind.FULL, fill: Sequence[Request] = ()
) -> tuple[MatchRun, bool]:
    """Commit a new queued run of ``program`` with its audit event, unless one is active
    (``kind`` and ``fill`` as :func:`create_run` takes them).

    Returns the new run and True, or the program's queued or working run and False. When
    admins start runs at the same moment, the database refuses all but one: a second
    active run (``ix_match_run_one_active``), a number taken meanwhile
    (``ix_match_run_program_number``) or, on SQLite, a write while another is under way
    ("database is locked"). Each refusal is rolled back and the start read again, which
    then finds the winner's run or the next free number; after :data:`START_TRIES` the
    refusal goes up (a 409 page, nothing saved).
    """
    tries = 1
    while True:
        if busy := active_run(program.id):
            return busy, False
        try:
            run = create_run(program, who, kind, fill)
            detail = {"kind": kind.value, "fill": run.fill} if kind is RunKind.REMATCH else {}
            audit.record("run.start", program.id, run=run.id, **detail)
            db.session.commit()
            return run, True
        except (IntegrityError, OperationalError) as error:
            db.session.rollback()
            lost_a_race = isinstance(error, IntegrityError) or is_lock(error)
            if tries == START_TRIES or not lost_a_race:
                raise
            tries += 1


def _match_rows(
    run_id: int, people: Sequence[Participant], proposal: Proposal, before: dict[Any, str]
) -> list[dict[str, Any]]:
    """The run's pairs as table rows, each with its breakdown and its change.

    The tables are read column by column as lists: iterating their rows as tuples reads
    every text cell through pandas, most of the time of storing a run (docs/performance.md).
    """
    department = {p.email: p.department for p in people}
    parts: dict[tuple[str, str, str], list[list[Any]]] = {}
    breakdown = proposal.breakdown
    triple = ["mentee_email", "mentor_email", "mentor_type"]
    bonus = breakdown["criterion"].isin(BONUS_CRITERIA)  # points on top: most = its weight
    weighed = breakdown["weight"].where(~bonus, 0.0)
    total = weighed.groupby([breakdown[c] for c in triple])
    most = (100 * breakdown["weight"] / total.transform("sum")).where(~bonus, breakdown["weight"])
    for *key, criterion, value, weight, points, top in zip(
        *_lists(breakdown, [*triple, "criterion", "value", "weight", "points"]),
        most.tolist(),
        strict=True,
    ):
        parts.setdefault(tuple(key), []).append(
            [criterion, round(value, 3), weight, points, round(top, 2)]
        )
    rows = []
    for mentee, mentee_name, mentor, mentor_name, kind, score, reasons in zip(
        *_lists(proposal.matches, MATCH_COLUMNS), strict=True
    ):
        earlier = before.get((mentee, kind))
        rows.append(
            {
                "run_id": run_id,
                "mentee_email": mentee,
                "mentee_name": mentee_name,
                "mentee_department": department.get(mentee, ""),
                "mentor_email": mentor,
                "mentor_name": mentor_name,
                "mentor_department": department.get(mentor, ""),
                "mentor_type": kind,
                "score": float(score),
                "reasons": reasons,
                "breakdown": parts.get((mentee, mentor, kind), []),
                "manual": False,
                "change": _change(before, earlier, mentor),
            }
        )
    return rows


def _lists(frame: pd.DataFrame, columns: Sequence[str]) -> list[list[Any]]:
    """``columns`` of ``frame``, each as a list of plain Python values.

    >>> _lists(pd.DataFrame({"a": ["x", "y"], "b": [1.5, 2.0]}), ["b", "a"])
    [[1.5, 2.0], ['x', 'y']]
    """
    return [frame[column].tolist() for column in columns]


def _change(before: dict[Any, str], earlier: str | None, mentor: str) -> str:
    """How a pair differs from the previous run; nothing on a first run.

    >>> _change({}, None, "a@x.org"), _change({1: "b"}, None, "a@x.org")
    ('', 'added')
    >>> _change({1: "b"}, "b@x.org", "a@x.org"), _change({1: "b"}, "a@x.org", "a@x.org")
    ('changed', '')
    """
    if not before or earlier == mentor:
        return ""
    return "added" if earlier is None else "changed"


def _previous_pairs(run: MatchRun) -> Sequence[Row[Any]]:
    """The previous run's pairs: e-mails, names and type (as columns, not ORM objects: a
    third of the time at 10,000 pairs)."""
    if run.previous_id is None:
        return []
    pair = ProposedMatch
    columns = (pair.mentee_email, pair.mentee_name, pair.mentor_email, pair.mentor_name)
    query = select(*columns, pair.mentor_type).where(pair.run_id == run.previous_id)
    return db.session.execute(query).all()


def _removed(previous: Sequence[Row[Any]], matches: pd.DataFrame) -> list[dict[str, Any]]:
    """Pairs of the previous run that this one no longer proposes."""
    columns = _lists(matches, ["mentee_email", "mentor_type", "mentor_email"])
    now = {(mentee, kind): mentor for mentee, kind, mentor in zip(*columns, strict=True)}
    gone = []
    for pair in previous:
        mentor = now.get((pair.mentee_email, pair.mentor_type))
        if mentor != pair.mentor_email:
            gone.append(
                {
                    "mentee_name": pair.mentee_name,
                    "mentor_name": pair.mentor_name,
                    "mentor_type": pair.mentor_type,
                    "kind": "removed" if mentor is None else "replaced",
                }
            )
    return gone


def _triple(decision: Decision) -> tuple[str, str, str]:
    return (decision.mentee_email, decision.mentor_email, decision.mentor_type.value)


def left_out_rows(
    program_id: int, people: Sequence[Participant], stale: Sequence[StaleLock]
) -> list[dict[str, Any]]:
    """What a run stores of the locks it left out (see :mod:`webapp.matching.left_out`): the pair
    with names, its status and the reasons in words."""
    name = {p.email: p.name for p in people}
    decided = decisions_for(program_id, (_triple(s.decision) for s in stale))
    rows = []
    for found in stale:
        mentee, mentor, kind = _triple(found.decision)
        rows.append(
            {
                "mentee_email": mentee,
                "mentee_name": name.get(mentee, mentee),
                "mentor_email": mentor,
                "mentor_name": name.get(mentor, mentor),
                "mentor_type": kind,
                "status": status(decided.get((mentee, mentor, kind))),
                "reasons": list(found.reasons),
            }
        )
    return rows


def refresh_statistics() -> None:
    """Let PostgreSQL's planner see the pairs a run just stored (``ANALYZE``).

    Until autovacuum gets to it, the planner takes the thousands of new pairs for none
    and joins decisions to them through a poor index, and the review table's status filter
    slows down by orders of magnitude (figures: docs/performance.md).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ANALYZE proposed_match"))


def store(run: MatchRun, people: Sequence[Participant], proposal: Proposal) -> None:
    """Save the proposal's pairs, open requests, changes and figures on ``run``."""
    previous = _previous_pairs(run)
    before = {(p.mentee_email, p.mentor_type): p.mentor_email for p in previous}
    rows = _match_rows(run.id, people, proposal, before)
    if rows:
        db.session.execute(insert(ProposedMatch.__table__), rows)  # Core: no ORM per row
        refresh_statistics()
    department = {p.email: p.department for p in people}
    open_rows = [
        {
            "run_id": run.id,
            "mentee_email": mentee,
            "mentee_name": name,
            "mentee_department": department.get(mentee, ""),
            "mentor_type": kind,
            "reason": reason,
        }
        for mentee, name, kind, reason in zip(
            *_lists(proposal.unmatched, UNMATCHED_COLUMNS), strict=True
        )
    ]
    if open_rows:
        db.session.execute(insert(UnmatchedRequest.__table__), open_rows)
    run.removed = _removed(previous, proposal.matches)
    run.summary = run_figures(people, proposal)


#: Columns of a run's pairs and of its open requests its figures are counted from.
FIGURE_COLUMNS = {
    "matches": (
        ProposedMatch.mentee_email,
        ProposedMatch.mentor_email,
        ProposedMatch.mentor_type,
        ProposedMatch.score,
    ),
    "unmatched": (UnmatchedRequest.mentee_email, UnmatchedRequest.mentor_type),
}


def refigure(run: MatchRun, people: Sequence[Participant]) -> None:
    """Count a finished run's figures again (``run.summary``), from the pairs and open
    requests it holds now and ``people``, the run's participants still in the program
    (after an erasure: :mod:`webapp.people.privacy`). The run's timings are kept."""
    frames = {}
    for name, columns in FIGURE_COLUMNS.items():
        rows = db.session.execute(select(*columns).where(columns[0].class_.run_id == run.id))
        frames[name] = pd.DataFrame(rows.all(), columns=[c.key for c in columns])
    proposal = Proposal(
        matches=frames["matches"],
        unmatched=frames["unmatched"],
        scores=None,
        breakdown=pd.DataFrame(),
        config=config_from_mapping(run.config),
        timings=dict(run.summary.get("timings", {})),
    )
    run.summary = {**run_figures(people, proposal), **_kept_figures(run)}


def _kept_figures(run: MatchRun) -> dict[str, Any]:
    """The part of a run's summary that its figures do not give: a rematch's proof."""
    return {"rematch": run.summary["rematch"]} if "rematch" in (run.summary or {}) else {}


def match(run: MatchRun, progress: jobs.Progress) -> None:
    """The work of a run: match the program's participants and store what the core found.

    Locks the data no longer allows (:func:`matcher.stale_locks`) are left out of the
    matching and stored on the run, so that an admin can undo or keep each. Published
    pairs past their deadline are settled first, and two people who must never be paired
    again (a decline) are each other's previous partners
    (:func:`webapp.answers.with_never_pairs`).

    The work runs without the cyclic garbage collector: a warm state, the participants
    and the tables are hundreds of thousands of objects, which its collections would scan
    again and again (0.5 to 0.75 s of a 3 s re-run at 10,000 people; docs/performance.md).
    """
    with without_gc():
        _match(run, progress)


def _match(run: MatchRun, progress: jobs.Progress) -> None:
    settle_overdue(run.program_id)
    read, never = read_people(run.program_id), never_pairs(run.program_id)
    people = with_never_pairs(read.people, never)
    decisions = program_decisions(run.program_id)
    config = config_from_mapping(run.config)
    plan = rematch.plan(run, people) if run.kind == RunKind.REMATCH else None
    if plan is not None:
        decisions = rematch.without_requests(decisions, plan.unlocked)
        decisions = list(dict.fromkeys([*decisions, *plan.locks()]))
    run.input_hash = input_hash(read.digest, never, run.config, decisions)
    warm = warm_runs.load(run.program_id) if plan is None else None
    encoded = warm.cohort if warm is not None and warm.fits(people, config) else None
    stale = stale_locks(people, config, decisions, encoded)
    left = {found.decision for found in stale}
    if plan is not None:
        _refuse_stale_published(stale, plan)
        plan = plan.without(_triple(d) for d in left)
    kept = [d for d in decisions if d not in left]
    if plan is None:
        proposal = _rerun(run.program_id, people, config, kept, warm, progress)
    else:
        proposal = propose(people, config, kept, progress=progress, fill=plan.fill)
    if plan is not None:
        rematch.check_kept(proposal.matches, plan.kept)
    store(run, people, proposal)
    if plan is not None:
        run.summary = {**run.summary, "rematch": rematch.rematch_summary(proposal.matches, plan)}
    run.left_out = left_out_rows(run.program_id, people, stale)


def _rerun(
    program_id: int,
    people: Sequence[Participant],
    config: ProgramConfig,
    decisions: Sequence[Decision],
    before: WarmState | None,
    progress: jobs.Progress,
) -> Proposal:
    """The proposal of a run (not a rematch), warm from ``before``, the state of the
    program's last run (:mod:`webapp.warm_runs`), when only decisions changed since; its
    state kept for the next."""
    proposal, state = rerun(people, config, decisions, warm=before, progress=progress)
    if state is not before:
        warm_runs.save(program_id, state)
    return proposal


def _refuse_stale_published(stale: Sequence[StaleLock], plan: rematch.RematchPlan) -> None:
    """Fail a rematch whose published pair the data no longer allows: it cannot keep it."""
    published = set(plan.published)
    for found in stale:
        if _triple(found.decision) in published:
            raise MatcherError(f"the rematch cannot keep a pair: {found.describe()}")


#: A match run as a background job.
RUN = jobs.JobKind("run", MatchRun, match, "start the run again")


def execute(run_id: int) -> None:
    """Carry out a queued run here, to its end (benchmarks and tests; the app submits it)."""
    jobs.perform(RUN, run_id)
