"""The shared records of a match: admin decisions in, a Proposal and its table columns out.

Every step of the flow imports these downward: :mod:`matcher.engine` builds a
:class:`Proposal`, :mod:`matcher.frames` fills its tables with the columns listed here,
and :mod:`matcher.decisions`, :mod:`matcher.checks` and :mod:`matcher.locks` read
:class:`Decision` records. :func:`decision_triples` and :func:`rejected_matrices` turn
decisions into the indices and matrices the rules and the solver work on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse

from matcher.cohort import MENTOR_TYPES, Cohort
from matcher.config import ProgramConfig
from matcher.constraints import Rejected
from matcher.errors import SolveError
from matcher.schema import MentorType

#: Columns of ``Proposal.matches`` and of ``matches.csv``, one row per proposed pair.
MATCH_COLUMNS = [
    "mentee_email",
    "mentee_name",
    "mentor_email",
    "mentor_name",
    "mentor_type",
    "score",
    "reasons",
]
#: Columns of ``Proposal.unmatched`` and of ``unmatched.csv``, one row per open request.
UNMATCHED_COLUMNS = ["mentee_email", "mentee_name", "mentor_type", "reason"]
SCORE_COLUMNS = ["mentee_email", "mentor_email", "mentor_type", "score"]
BREAKDOWN_COLUMNS = [
    "mentee_email",
    "mentor_email",
    "mentor_type",
    "criterion",
    "value",
    "weight",
    "points",
]


@dataclass(frozen=True)
class Decision:
    """An admin's decision on a triple: ``lock`` keeps it, ``reject`` never proposes it,
    ``never`` never proposes the two people to each other again, for any type.

    >>> Decision("ana@x.org", "bo@x.org", MentorType.SPONSORSHIP, "lock").action
    'lock'
    """

    mentee_email: str
    mentor_email: str
    mentor_type: MentorType
    action: Literal["lock", "reject", "never"]


@dataclass(frozen=True, eq=False)
class Proposal:
    """The result of :func:`matcher.engine.propose`.

    Attributes
    ----------
    matches
        One row per proposed pair: ``mentee_email, mentee_name, mentor_email, mentor_name,
        mentor_type, score, reasons``, sorted by mentee e-mail, type, mentor e-mail.
    unmatched
        One row per open request: ``mentee_email, mentee_name, mentor_type, reason``.
    scores
        Every feasible triple with its score (only when asked for), else None.
    breakdown
        Per matched pair and criterion: value in [0, 1], weight and points earned.
    timings
        Seconds spent per step: rules, scores, solve, explain; ``compile`` too when the
        run had to compile the kernels first (see :data:`matcher.engine.COMPILE_CELLS`).
    config
        The config the proposal was computed with.
    """

    matches: pd.DataFrame
    unmatched: pd.DataFrame
    scores: pd.DataFrame | None
    breakdown: pd.DataFrame
    config: ProgramConfig
    timings: dict[str, float] = field(default_factory=dict)


def decision_triples(
    cohort: Cohort, decisions: Iterable[Decision], action: str
) -> list[tuple[int, int, int]]:
    """The (mentee, mentor, type) indices of the decisions with ``action``, sorted; those
    of ``reject`` include every type of each ``never`` decision.

    >>> from matcher.cohort import encode
    >>> from matcher.schema import Participant, Role
    >>> ana = Participant("ana@x.org", "Ana", Role.MENTEE)
    >>> never = Decision("ana@x.org", "bo@x.org", MentorType.EXPERTISE, "never")
    >>> cohort = encode([ana, Participant("bo@x.org", "Bo", Role.MENTOR)])
    >>> decision_triples(cohort, [never], "reject")
    [(0, 1, 0), (0, 1, 1), (0, 1, 2), (0, 1, 3)]
    """
    out = []
    for d in decisions:
        if d.action != action and (action, d.action) != ("reject", "never"):
            continue
        missing = [e for e in (d.mentee_email, d.mentor_email) if e.lower() not in cohort.index]
        if missing:
            raise SolveError(
                f"the {action} decision on {d.mentee_email} -> {d.mentor_email} names "
                f"{', '.join(missing)}, who is not a participant; remove that decision"
            )
        kinds = (
            range(len(MENTOR_TYPES))
            if d.action == "never"
            else [MENTOR_TYPES.index(MentorType(d.mentor_type))]
        )
        mentee, mentor = cohort.index[d.mentee_email.lower()], cohort.index[d.mentor_email.lower()]
        out += [(mentee, mentor, kind) for kind in kinds]
    return sorted(set(out))


def rejected_matrices(cohort: Cohort, triples: Iterable[tuple[int, int, int]]) -> Rejected:
    """Per mentor type, a person x person 0/1 matrix of rejected (mentee, mentor) pairs.

    >>> from matcher.cohort import encode
    >>> rejected_matrices(encode([]), [])[MentorType.EXPERTISE].nnz
    0
    """
    n = len(cohort)
    by_kind: dict[int, list[tuple[int, int]]] = {k: [] for k in range(len(MENTOR_TYPES))}
    for mentee, mentor, kind in triples:
        by_kind[kind].append((mentee, mentor))
    out = {}
    for kind, pairs in by_kind.items():
        rows = [e for e, _ in pairs]
        cols = [m for _, m in pairs]
        out[MENTOR_TYPES[kind]] = sparse.csr_matrix(
            (np.ones(len(pairs)), (rows, cols)), shape=(n, n)
        )
    return out
