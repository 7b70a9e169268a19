"""Explain one mentee of a proposal kept in a store, reading only the pairs it shows.

:func:`explain_stored_mentee` gives the answer of :func:`matcher.explain_mentee` with the
whole proposal, but asks the store for the mentee's own pairs and open requests and the
pairs of the mentors the explanation names, so that explaining one mentee of a run of
10,000 pairs reads a few dozen of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from matcher.cohort import Cohort, encode
from matcher.config import ProgramConfig
from matcher.mentee import MenteeExplanation, explain_mentee
from matcher.proposal import Decision, Proposal
from matcher.schema import Participant

Read = Callable[[Sequence[str]], Proposal]
"""Reads a stored proposal: the mentee's own pairs and open requests, and every pair of
the mentors whose e-mails it is given."""


def explain_stored_mentee(
    participants: Sequence[Participant],
    mentee_email: str,
    read: Read,
    config: ProgramConfig | None = None,
    decisions: Sequence[Decision] = (),
    top: int = 5,
    cohort: Cohort | None = None,
) -> MenteeExplanation:
    """Why one mentee got the mentors they got, reading few pairs of a stored proposal.

    :func:`matcher.explain_mentee` reads other mentees' pairs only for the mentors it
    shows (whether they are full, and whom they mentor), and which mentors it shows
    depends only on the scores and the mentee's own pairs. So a first pass with the
    mentee's own pairs names those mentors, and a second with their pairs too gives the
    answer the whole proposal gives.

    Parameters
    ----------
    participants, mentee_email, config, decisions, top, cohort
        As for :func:`matcher.explain_mentee`.
    read
        Called with the e-mails of mentors (none at first), returns the stored proposal
        cut to the mentee's own pairs and open requests and those mentors' pairs.

    Returns
    -------
    MenteeExplanation
        The same as :func:`matcher.explain_mentee` with the whole proposal.

    Raises
    ------
    MatcherError
        When ``mentee_email`` is not a mentee of the program.

    Examples
    --------
    >>> from dataclasses import replace
    >>> from matcher.engine import propose
    >>> from matcher.schema import Role
    >>> people = [
    ...     Participant("ana@x.org", "Ana", Role.MENTEE, seeks=("developmental",), goals=("a",)),
    ...     Participant("bo@x.org", "Bo", Role.MENTOR, offers=("developmental",), strengths=("a",)),
    ...     Participant("cy@x.org", "Cy", Role.MENTEE, seeks=("developmental",)),
    ... ]
    >>> whole = propose(people)
    >>> pairs, open_requests = whole.matches, whole.unmatched
    >>> def read(mentors):
    ...     kept = pairs.mentee_email.eq("cy@x.org") | pairs.mentor_email.isin(mentors)
    ...     mine = open_requests.mentee_email.eq("cy@x.org")
    ...     return replace(whole, matches=pairs[kept], unmatched=open_requests[mine])
    >>> found = explain_stored_mentee(people, "cy@x.org", read)
    >>> found.alternatives[["mentor_name", "outcome", "why"]].values.tolist()
    [['Bo', 'went to another mentee', 'full (1 place): mentors Ana']]
    >>> found.alternatives.equals(explain_mentee(people, "cy@x.org", proposal=whole).alternatives)
    True
    """
    cohort = encode(participants) if cohort is None else cohort

    def explained(proposal: Proposal) -> MenteeExplanation:
        return explain_mentee(
            participants, mentee_email, config, decisions, proposal=proposal, top=top, cohort=cohort
        )

    shown = explained(read(())).alternatives["mentor_email"]
    return explained(read(sorted(set(shown))))
