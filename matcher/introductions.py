"""Why a pair was matched, in words for the two people themselves.

The admin's reasons (:func:`matcher.explain.match_reasons`) speak of HR levels,
generations and the program's rules; a participant reads none of those. Here each scoring
criterion has a phrase that says what the pair gains ("Omar Haddad can open doors where
Lena Vogel wants to go", "a different generation's perspective for both of you"), built
only from what the two people told the program about their work, goals and skills: never
a level, a generation, an admin's note, a rule or a score. :func:`first_agenda` suggests
what a pair of each type talks about first. The web app's introduction e-mails and the
participant's own page say both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from matcher.cohort import encode, pairwise
from matcher.config import ProgramConfig
from matcher.explain import hours_apart, shared
from matcher.program_words import participant_phrase
from matcher.schema import MentorType, Participant, same_text
from matcher.scoring import criterion_values

Phrase = Callable[[Participant, Participant, ProgramConfig], str | None]


def _listed(words: list[str]) -> str:
    """Words joined as a reader expects.

    >>> _listed(["sql"]), _listed(["go", "sql"]), _listed(["c", "go", "sql"])
    ('sql', 'go and sql', 'c, go and sql')
    """
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _goals(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    if not (common := shared(e.goals, m.strengths)):
        return None
    return f"{m.name} can help with goals {e.name} named: {_listed(common)}"


def _expertise(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    if not (common := shared(e.expertise_wanted, m.expertise)):
        return None
    return f"{m.name} knows {_listed(common)}, which {e.name} wants to learn"


def _seniority(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    if e.level is None or m.level is None or m.level <= e.level:
        return None
    return f"{m.name} is further along the way and can share what they learned on it"


def _level_gap(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    if e.level is None or m.level is None or m.level - e.level < cfg.sponsor_level_gap:
        return None
    return f"{m.name} can open doors where {e.name} wants to go"


def _outside_department(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    if not e.department or not m.department or same_text(e.department, m.department):
        return None
    return f"{m.name} works in {m.department}: a view from outside {e.name}'s own department"


def _outside_organization(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    if not e.organization or not m.organization or same_text(e.organization, m.organization):
        return None
    return f"{m.name} is from {m.organization}: a perspective from another organization"


def _target_department(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    if not e.target_department or not same_text(e.target_department, m.department):
        return None
    return f"{m.name} works in {m.department}, where {e.name} would like to move"


def _generation(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    if e.generation is None or m.generation is None or e.generation == m.generation:
        return None
    return "a different generation's perspective for both of you"


def _timezone(e: Participant, m: Participant, cfg: ProgramConfig) -> str | None:
    if (hours := hours_apart(e, m)) is None:
        return None
    return "you share a time zone" if hours == 0 else f"your time zones are {hours:g} hours apart"


def _priority(e: Participant, m: Participant, cfg: ProgramConfig) -> None:
    """Nothing: a participant is never told the program gave them priority."""
    return None


#: Scoring criterion (see :data:`matcher.scoring.CRITERIA`) -> its words for participants.
PHRASES: dict[str, Phrase] = {
    "goals": _goals,
    "seniority": _seniority,
    "level_gap": _level_gap,
    "outside_department": _outside_department,
    "outside_organization": _outside_organization,
    "target_department": _target_department,
    "generation_gap": _generation,
    "expertise": _expertise,
    "timezone": _timezone,
    "priority": _priority,
}


def participant_reasons(
    mentee: Participant,
    mentor: Participant,
    mentor_type: MentorType | str,
    config: ProgramConfig | None = None,
    values: Mapping[str, float] | None = None,
) -> tuple[str, ...]:
    """Why two people were matched, strongest first, in words they may read.

    Parameters
    ----------
    mentee, mentor
        The two people of the pair.
    mentor_type
        The type of mentoring they were matched for.
    config
        The program's config (its weights order the reasons); the default config if None.
    values
        The pair's criterion values in [0, 1] when already known (a run's breakdown, see
        :attr:`matcher.Proposal.breakdown`); computed from the two people when None.

    Returns
    -------
    tuple of str
        One sentence per criterion the pair earned points on, in the order of the points;
        empty when none stands out. No level, generation, admin note, rule or score.

    Examples
    --------
    >>> from matcher.schema import Generation, Role
    >>> lena = Participant(
    ...     "lena@x.org",
    ...     "Lena",
    ...     Role.MENTEE,
    ...     level=2,
    ...     department="Engineering",
    ...     generation=Generation.GEN_Z,
    ...     expertise_wanted=("embedded firmware",),
    ... )
    >>> omar = Participant(
    ...     "omar@x.org",
    ...     "Omar",
    ...     Role.MENTOR,
    ...     level=8,
    ...     department="Operations",
    ...     generation=Generation.BOOMER,
    ...     expertise=("embedded firmware", "sql"),
    ... )
    >>> for reason in participant_reasons(lena, omar, "expertise"):
    ...     print(reason)
    Omar knows embedded firmware, which Lena wants to learn
    Omar works in Operations: a view from outside Lena's own department
    >>> participant_reasons(lena, omar, "generational")[0]
    "a different generation's perspective for both of you"
    """
    config = config or ProgramConfig()
    mentor_type = MentorType(mentor_type)
    if values is None:
        cohort = encode([mentee, mentor])
        pair = pairwise(cohort, [cohort.index[mentee.email]], [cohort.index[mentor.email]])
        found = criterion_values(pair, mentor_type, config)
        values = {name: float(value[0]) for name, value in found.items()}
    weights = config.type_weights(mentor_type)
    points = {name: weights.get(name, 0.0) * value for name, value in values.items()}
    ranked = sorted((name for name in points if points[name] > 0), key=lambda n: (-points[n], n))
    said = (
        (PHRASES.get(name) or participant_phrase(name, mentor_type, config))(mentee, mentor, config)
        for name in ranked
    )
    return tuple(text for text in said if text)


#: A suggested agenda for the first conversation of a pair, per type of mentoring.
AGENDAS: dict[MentorType, tuple[str, ...]] = {
    MentorType.DEVELOPMENTAL: (
        "Introduce yourselves: your work today and how you got there.",
        "The mentee names one or two abilities to grow this year.",
        "Agree how often you meet, where, and how you keep in touch between meetings.",
        "Pick a first small step for the mentee to try before the next conversation.",
    ),
    MentorType.SPONSORSHIP: (
        "Introduce yourselves and the work you are proudest of.",
        "The mentee says where they want to go next and what stands in the way.",
        "Talk about the people and opportunities that could help, and how to be seen.",
        "Agree what each of you will do before you meet again.",
    ),
    MentorType.GENERATIONAL: (
        "Introduce yourselves and how you started working.",
        "Each of you names one thing you would like to learn from the other.",
        "Swap a habit, tool or way of working the other may not know.",
        "Agree how often you meet and what you try first.",
    ),
    MentorType.EXPERTISE: (
        "Introduce yourselves and the skill the mentee wants to learn.",
        "The mentee shows where they stand: what they know and where they get stuck.",
        "The mentor suggests a first exercise, reading or piece of work to look at together.",
        "Agree how often you meet and how you share work between meetings.",
    ),
}


def first_agenda(mentor_type: MentorType | str) -> tuple[str, ...]:
    """A suggested agenda for a pair's first conversation, in words for both people.

    Parameters
    ----------
    mentor_type
        The type of mentoring the pair was matched for.

    Returns
    -------
    tuple of str
        The points to talk about, in order; no level, generation, note, rule or score.

    Examples
    --------
    >>> first_agenda("expertise")[0]
    'Introduce yourselves and the skill the mentee wants to learn.'
    >>> len(first_agenda(MentorType.SPONSORSHIP))
    4
    """
    return AGENDAS[MentorType(mentor_type)]
