"""Warm re-runs: a run that differs from an earlier one only in its decisions reuses its work.

After an admin rejects, locks or approves a few pairs, the participants and the config are
those of the last run; only the decisions changed. :func:`rerun` keeps, in a
:class:`WarmState`, what does not depend on decisions: the encoded cohort and every
request's candidates (rules and scores, the reserve pruning keeps, the statistics unmatched
reasons count), built as if nobody had been rejected; the certified flow of the run with no
decision (:class:`~matcher.repair.Settled`, on the pruned path of large cohorts); and what
its tables worked out that depends only on a triple, the cohort and the config (the words
of its pairs, :class:`~matcher.frames.Explained`, and its answers on whether a mentee's
mentors in other types are candidates of their open requests,
:class:`~matcher.frames.Checked`). A re-run with that state evaluates again only the
requests a rejection touches (:func:`~matcher.rejections.with_rejections`; a request's
candidates never depend on another's), repairs the kept flow for its decisions instead of
solving again (:mod:`matcher.repair`), and runs the rest of
:func:`matcher.engine.propose` as it is, except that its tables copy what the state holds
and work out only the rest.

Exactness: the candidates handed to the solver are those a run from scratch builds, array
for array; a run from scratch with decisions, too, first solves with none and then repairs
that flow (the same deterministic steps from the same flow); and what the tables copy is
what they would work out (it depends on nothing that differs). So the proposal is
byte-identical to ``propose(participants, config, decisions)`` and certified optimal the
same way (``tests/test_warm.py`` checks both on random, correlated and sample cohorts).

A state is reused only by the same engine (:func:`engine_digest`: the same source code),
for the same participants (the same records, in the same order) and the same config, as
their :func:`fingerprint` tells; anything else runs from scratch and returns a new state.
Losing a state costs one run from scratch, never a different answer. Its size grows with
the candidates and the pairs: :attr:`WarmState.nbytes`.
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from functools import cache
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np

from matcher.candidates import Candidates, Progress, RequestStats
from matcher.cohort import Cohort, encode
from matcher.config import ProgramConfig
from matcher.engine import propose_encoded
from matcher.frames import Checked, Explained, check_triples, explain_pairs
from matcher.proposal import Decision, Proposal
from matcher.rejections import RejectionFree
from matcher.repair import Settled
from matcher.schema import Participant

__all__ = ["WarmState", "engine_digest", "fingerprint", "rerun"]

Known = TypeVar("Known", Explained, Checked)


@cache
def engine_digest() -> str:
    """A digest of the matching core's source code (every module of :mod:`matcher`): a
    state another version of the engine left is never reused.

    >>> len(engine_digest())
    32
    """
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def fingerprint(participants: Sequence[Participant], config: ProgramConfig) -> str:
    """A digest of the engine (:func:`engine_digest`), ``config`` and ``participants`` (in
    their order): the key of a :class:`WarmState`. Equal inputs pickled alike give equal
    digests; any other difference gives another one (then a run starts from scratch).

    >>> fingerprint([], ProgramConfig()) == fingerprint((), ProgramConfig())
    True
    >>> fingerprint([], ProgramConfig()) == fingerprint([], ProgramConfig(min_score=1))
    False
    """
    data = pickle.dumps((engine_digest(), config, tuple(participants)), protocol=5)
    return hashlib.blake2b(data, digest_size=32).hexdigest()


@dataclass(frozen=True, eq=False)
class WarmState:
    """What a run leaves for a re-run with other decisions (see the module's docstring).

    ``key`` is the :func:`fingerprint` of the run's participants and config; ``candidates``
    are those of every request, built with no rejection, in the shape the run used
    (``keep``, ``compiled``: :func:`matcher.engine.run_shape`); ``settled`` holds the
    certified flow with no decision and its pricer's record (None when the run had none to
    keep: a cohort solved directly, the fairness objective); ``explained`` are the words
    of the pairs the run chose, and ``checked`` its answers on the triples its open
    requests' reasons asked about (:func:`matcher.frames.check_triples`).
    """

    key: str
    cohort: Cohort
    candidates: Candidates
    settled: Settled
    explained: Explained
    checked: Checked

    def fits(self, participants: Sequence[Participant], config: ProgramConfig) -> bool:
        """True when a run of ``participants`` under ``config`` may reuse this state.

        >>> _, state = rerun([])
        >>> state.fits([], ProgramConfig()), state.fits([], ProgramConfig(min_score=1))
        (True, False)
        """
        return self.key == fingerprint(participants, config)

    @property
    def nbytes(self) -> int:
        """Bytes held in the candidates' and the cohort's arrays, the tables' stores and the
        words of the explained pairs (their reasons and breakdown rows as Python objects):
        the bulk of the state.

        >>> rerun([])[1].nbytes < 1000
        True
        """
        found, words = self.candidates, self.explained
        arrays = [found.mentee, found.mentor, found.kind, found.score]
        arrays += [getattr(found.stats, f.name) for f in fields(RequestStats)]
        arrays += [found.unkept] if found.unkept is not None else []
        arrays += [
            a for f in fields(Cohort) if isinstance(a := getattr(self.cohort, f.name), np.ndarray)
        ]
        arrays += [words.key, self.checked.key, self.checked.ok]
        if (settled := self.settled.certified) is not None:
            arrays += [*settled.edges.columns(), settled.chosen]
            if settled.warm is not None:
                arrays += [getattr(settled.warm, f.name) for f in fields(settled.warm)]
        if (record := self.settled.record) is not None:
            arrays += [*record.cells.columns(), *record.request, *record.mentor]
        objects = [words.reasons, *words.reasons, words.parts, *words.parts]
        objects += [x for parts in words.parts for part in parts for x in (part, *part[1:])]
        return sum(a.nbytes for a in arrays) + sum(map(sys.getsizeof, objects))


def rerun(
    participants: Sequence[Participant],
    config: ProgramConfig | None = None,
    decisions: Sequence[Decision] = (),
    *,
    warm: WarmState | None = None,
    progress: Progress | None = None,
) -> tuple[Proposal, WarmState]:
    """:func:`matcher.engine.propose`, reusing an earlier run's work when only decisions
    changed.

    Parameters
    ----------
    participants, config, decisions, progress
        As for :func:`matcher.engine.propose`.
    warm
        The state an earlier :func:`rerun` returned; used only when it
        :meth:`~WarmState.fits` these participants and config, else (and when None) the run
        starts from scratch.

    Returns
    -------
    tuple
        The proposal, byte for byte that of ``propose(participants, config, decisions)``,
        and the state to pass to the next re-run.

    Raises
    ------
    SolveError
        As :func:`matcher.engine.propose`.

    Examples
    --------
    >>> from matcher.schema import MentorType, Role
    >>> people = [
    ...     Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("developmental",)),
    ...     Participant("bo@x.org", "Bo", Role.MENTOR, offers=("developmental",)),
    ...     Participant("cy@x.org", "Cy", Role.MENTOR, offers=("developmental",)),
    ... ]
    >>> first, state = rerun(people)
    >>> first.matches.mentor_name.tolist()
    ['Bo']
    >>> no_bo = [Decision("ana@x.org", "bo@x.org", MentorType.DEVELOPMENTAL, "reject")]
    >>> again, same = rerun(people, decisions=no_bo, warm=state)
    >>> again.matches.mentor_name.tolist(), same is state
    (['Cy'], True)
    """
    config = config or ProgramConfig()
    people = tuple(participants)
    key = fingerprint(people, config)
    if warm is not None and warm.key == key:
        build, cohort = RejectionFree(warm.candidates), warm.cohort
        settled = replace(warm.settled)
        explain, check = _Reuse(explain_pairs, warm.explained), _Reuse(check_triples, warm.checked)
    else:
        warm, build, cohort, settled = None, RejectionFree(None), encode(people), Settled(None)
        explain, check = _Reuse(explain_pairs, None), _Reuse(check_triples, None)
    proposal = propose_encoded(
        people,
        cohort,
        config,
        decisions,
        progress=progress,
        build=build,
        settled=settled,
        explain=explain,
        check=check,
    )
    if warm is None or (warm.settled.certified is None and settled.certified is not None):
        base, explained, checked = build.base, explain.known, check.known
        # propose_encoded builds the candidates and the tables of every run
        assert base is not None and explained is not None and checked is not None
        warm = WarmState(key, cohort, base, settled, explained, checked)
    return proposal, warm


@dataclass
class _Reuse(Generic[Known]):
    """A step of the tables, ``work`` (:func:`~matcher.frames.explain_pairs` or
    :func:`~matcher.frames.check_triples`), given what an earlier run of the same cohort
    and config worked out (``known``) to copy; when None, the first call's result becomes
    ``known``."""

    work: Callable[..., Known]
    known: Known | None

    def __call__(self, *args: Any) -> Known:
        done = self.work(*args, known=self.known)
        if self.known is None:
            self.known = done
        return done
