"""Mentees' picks: the mentors suggested to a mentee, and how a proposal honoured the picks.

A mentee picks mentors (``preferred_mentors``, best first) from :func:`suggestions`, the
best feasible mentors per type sought. After a run, :func:`picks_report` says how many
mentees picked, how many got their 1st pick or any pick, how many mentors were asked to
take a mentee they would rather not (``avoid``; 0 while avoiding is a hard rule, as it is),
and how many *blocking pairs* remain with respect to the stated picks
(:func:`blocking_pairs`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from matcher.checks import mentor_fits
from matcher.cohort import MENTOR_TYPES, encode, pairwise
from matcher.config import ProgramConfig
from matcher.constraints import feasible, violations
from matcher.proposal import Decision
from matcher.schema import MentorType, Participant

SUGGESTION_COLUMNS = ["mentor_type", "mentor_email", "mentor_name", "score"]


def suggestions(
    participants: Sequence[Participant],
    mentee_email: str,
    config: ProgramConfig | None = None,
    decisions: Sequence[Decision] = (),
    among: Collection[str] | None = None,
) -> pd.DataFrame:
    """The best ``config.suggestions`` feasible mentors per type the mentee seeks: the
    mentors the mentee may pick from.

    Scores are computed as if the mentee had picked nobody (their own picks neither raise
    a mentor nor, under ``only_picks``, block the others); mentors a rule blocks or who
    score below ``min_score`` are left out.

    Parameters
    ----------
    participants, config, decisions
        As given to :func:`matcher.propose`.
    mentee_email
        The mentee (case-insensitive).
    among
        The e-mails of the mentors who may be suggested (e.g. those who chose to be
        shown; case-insensitive); None: every mentor. The best ``config.suggestions`` are
        taken among them, so fewer mentors are never the price of leaving others out.

    Returns
    -------
    pandas.DataFrame
        ``mentor_type, mentor_email, mentor_name, score``: per type in the order of
        :class:`MentorType`, best score first (ties by name).

    Examples
    --------
    >>> from matcher.schema import Role
    >>> ana = Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("expertise",),
    ...                   expertise_wanted=("sql", "go"))
    >>> mentors = [Participant(f"{n.lower()}@x.org", n, Role.MENTOR, offers=("expertise",),
    ...                        expertise=skills) for n, skills in
    ...            (("Cy", ("go",)), ("Bo", ("sql", "go")), ("Di", ("c",)))]
    >>> suggestions([ana, *mentors], "ana@x.org", ProgramConfig(suggestions=2)).values.tolist()
    [['expertise', 'bo@x.org', 'Bo', 72.5], ['expertise', 'cy@x.org', 'Cy', 42.5]]
    >>> suggestions([ana, *mentors], "ana@x.org", ProgramConfig(suggestions=2),
    ...             among={"CY@x.org", "di@x.org"}).mentor_name.tolist()  # Di: too low
    ['Cy']
    """  # fmt: skip
    config = config or ProgramConfig()
    email = mentee_email.strip().lower()
    people = [replace(p, preferred_mentors=()) if p.email == email else p for p in participants]
    fits = mentor_fits(people, email, config, decisions)
    fits = fits[(fits["blocked"] == "") & (fits["score"] >= config.min_score)]
    if among is not None:
        fits = fits[fits["mentor_email"].isin({e.strip().lower() for e in among})]
    order = {t.value: k for k, t in enumerate(MentorType)}
    fits = fits.assign(order=fits["mentor_type"].astype(str).map(order))
    fits = fits.sort_values(["order", "score", "mentor_name"], ascending=[True, False, True])
    best = fits.groupby("order", sort=True).head(config.suggestions)
    return best[SUGGESTION_COLUMNS].reset_index(drop=True)


def blocking_pairs(
    mentee_prefs: Mapping[str, Sequence[str]],
    capacities: Mapping[str, int],
    matching: Mapping[str, str | None],
    mentor_prefs: Mapping[str, Sequence[str]] | None = None,
) -> int:
    """How many (mentee, mentor) pairs both prefer each other to what they got.

    A mentee prefers a mentor they listed to no mentor, and to one listed lower or not
    listed. A mentor with a free place prefers any mentee they accept to the empty place;
    a full mentor prefers a mentee to the worst one they got, by ``mentor_prefs``. Without
    ``mentor_prefs`` (mentors state no order, as in a cohort) a mentor accepts everyone
    and is indifferent among them, so only a free place makes them prefer a mentee.

    Parameters
    ----------
    mentee_prefs
        Mentee -> the acceptable mentors, best first.
    capacities
        Mentor -> how many mentees they may take.
    matching
        Mentee -> their mentor (None or missing: none).
    mentor_prefs
        Mentor -> the acceptable mentees, best first.

    Examples
    --------
    >>> prefs = {"a": ["x", "y"], "b": ["x"]}
    >>> blocking_pairs(prefs, {"x": 1, "y": 1}, {"a": "y", "b": "x"}, {"x": ["a", "b"]})
    1
    >>> blocking_pairs(prefs, {"x": 1, "y": 1}, {"a": "x", "b": None}, {"x": ["a", "b"]})
    0
    """
    taken: dict[str, list[str]] = {}
    for mentee, mentor in matching.items():
        if mentor is not None:
            taken.setdefault(mentor, []).append(mentee)
    count = 0
    for mentee, listed in mentee_prefs.items():
        got = matching.get(mentee)
        better = listed if got not in listed else listed[: listed.index(got)]
        for mentor in better:
            if mentor_prefs is not None and mentee not in mentor_prefs.get(mentor, ()):
                continue
            has = taken.get(mentor, [])
            if len(has) < capacities.get(mentor, 0):
                count += 1
            elif mentor_prefs is not None and has:
                rank = {e: k for k, e in enumerate(mentor_prefs[mentor])}
                worst = max(rank.get(e, len(rank)) for e in has)
                count += rank[mentee] < worst
    return count


@dataclass(frozen=True)
class PicksReport:
    """How a proposal honoured the mentees' picks (see the module's docstring)."""

    picked: int
    """Mentees who picked at least one mentor of the program."""
    got_first: int
    """Of them, those matched with their 1st pick (in any type)."""
    got_any: int
    """Of them, those matched with at least one of their picks."""
    avoided: int
    """Matches of a mentor with a mentee on their avoid list."""
    blocking_pairs: int
    """(mentee, mentor, type) triples, feasible, where the mentee picked the mentor above
    what they got in the type and the mentor has a free place."""

    def to_text(self) -> str:
        """The report as lines of the command line's summary.

        >>> print(PicksReport(4, 2, 3, 0, 1).to_text())
        picks          4 mentees picked: 2 got their 1st pick, 3 any pick
        avoided        0 mentors asked to take someone they would rather not
        blocking pairs 1 (mentee and mentor who both prefer each other to what they got)
        """
        return "\n".join(
            [
                f"picks          {self.picked} mentees picked: {self.got_first} got their "
                f"1st pick, {self.got_any} any pick",
                f"avoided        {self.avoided} mentors asked to take someone they would "
                "rather not",
                f"blocking pairs {self.blocking_pairs} (mentee and mentor who both prefer each "
                "other to what they got)",
            ]
        )


def picks_report(
    participants: Sequence[Participant], matches: pd.DataFrame, config: ProgramConfig
) -> PicksReport:
    """Count how ``matches`` (a proposal's) honoured the picks of ``participants``.

    Examples
    --------
    >>> from matcher import propose
    >>> from matcher.schema import Role
    >>> ana = Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("expertise",),
    ...                   expertise_wanted=("sql",), preferred_mentors=("cy@x.org",))
    >>> bo = Participant("bo@x.org", "Bo", Role.MENTOR, offers=("expertise",), expertise=("sql",))
    >>> cy = Participant("cy@x.org", "Cy", Role.MENTOR, offers=("expertise",), expertise=("go",))
    >>> people = [ana, bo, cy]
    >>> picks_report(people, propose(people).matches, ProgramConfig())
    PicksReport(picked=1, got_first=0, got_any=0, avoided=0, blocking_pairs=0)
    """  # fmt: skip
    cohort = encode(participants)
    by_email = {p.email: p for p in cohort.people}
    got: dict[str, dict[str, str]] = {}
    load: dict[str, int] = {}
    avoided = 0
    for row in matches.itertuples():
        got.setdefault(row.mentee_email, {})[str(row.mentor_type)] = row.mentor_email
        load[row.mentor_email] = load.get(row.mentor_email, 0) + 1
        avoided += row.mentee_email in by_email[row.mentor_email].avoid
    pickers = [
        p for p in cohort.people if p.is_mentee and any(e in by_email for e in p.preferred_mentors)
    ]
    first = sum(
        next(e for e in p.preferred_mentors if e in by_email) in got.get(p.email, {}).values()
        for p in pickers
    )
    any_pick = sum(
        bool(set(p.preferred_mentors) & set(got.get(p.email, {}).values())) for p in pickers
    )
    free = {p.email: p.capacity - load.get(p.email, 0) for p in cohort.people if p.is_mentor}
    count = 0
    for kind, mentor_type in enumerate(MENTOR_TYPES):
        prefs: dict[str, list[str]] = {}
        for p in pickers:
            if mentor_type not in p.seeks:
                continue
            theirs = set(got.get(p.email, {}).values()) - {got.get(p.email, {}).get(mentor_type)}
            listed = [
                e
                for e in p.preferred_mentors
                if e in by_email and cohort.offers[cohort.index[e], kind] and e not in theirs
            ]
            if listed:
                mentors = np.array([cohort.index[e] for e in listed])
                pairs = pairwise(cohort, np.full(len(mentors), cohort.index[p.email]), mentors)
                ok = feasible(violations(pairs, mentor_type, config), pairs.shape)
                prefs[p.email] = [e for e, fine in zip(listed, ok, strict=True) if fine]
        for email, listed in prefs.items():  # as blocking_pairs does, places shared by types
            mine = got.get(email, {}).get(mentor_type)
            better = listed if mine not in listed else listed[: listed.index(mine)]
            count += sum(free.get(m, 0) > 0 for m in better)
    return PicksReport(len(pickers), first, any_pick, avoided, count)
