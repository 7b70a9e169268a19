"""The vocabulary of mentorloom: mentor types, roles, generations, development goals and the
Participant record.

Tags, languages, departments, organizations, functions and locations keep their spelling
(:func:`tidy`), for people to read, and are compared normalised (:func:`normalize`), so
that ``" Data  Science"`` and ``"data science"`` agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import MISSING, dataclass, field, fields
from enum import StrEnum

AnswerValue = str | int | tuple[str, ...]
"""One answer to a program question: a choice or free text (``str``), a point of a scale
(``int``), or several choices or tags (``tuple`` of ``str``)."""


class MentorType(StrEnum):
    """The four kinds of mentor (seed "Mentor Me, Mentor You")."""

    DEVELOPMENTAL = "developmental"
    SPONSORSHIP = "sponsorship"
    GENERATIONAL = "generational"
    EXPERTISE = "expertise"


MENTOR_TYPE_HELP: dict[MentorType, str] = {
    MentorType.DEVELOPMENTAL: (
        "Helps you grow your abilities and skills: teaches, models and guides."
    ),
    MentorType.SPONSORSHIP: (
        "A senior person who opens doors and takes part in decisions about your next role."
    ),
    MentorType.GENERATIONAL: (
        "Brings another generation's perspective, including a younger mentor (reverse mentoring)."
    ),
    MentorType.EXPERTISE: (
        "Shares a specific knowledge, skill or experience; seniority does not matter."
    ),
}
"""What each mentor type means, in one sentence for the people choosing it."""


MENTOR_NOUN: dict[MentorType, str] = {
    MentorType.DEVELOPMENTAL: "developmental mentor",
    MentorType.SPONSORSHIP: "sponsor",
    MentorType.GENERATIONAL: "generational mentor",
    MentorType.EXPERTISE: "expertise mentor",
}
"""What a mentor of each type is called in a sentence."""

GOALS: tuple[str, ...] = (
    "strategic thinking",
    "networking",
    "stakeholder management",
    "career transition",
    "change management",
    "leadership presence",
    "delegation",
    "coaching",
    "giving feedback",
    "big-picture thinking",
    "building relationships",
    "influence",
    "getting promoted",
    "visibility",
    "managing up",
    "leading managers",
    "career planning",
    "decision making",
    "cross-functional collaboration",
    "work-life balance",
)
"""Development goals and mentor strengths, in the words of the seed articles: the choices
of the intake form, and the goals and strengths of synthetic cohorts."""


class Role(StrEnum):
    """Whether a person wants a mentor, offers to be one, or both."""

    MENTEE = "mentee"
    MENTOR = "mentor"
    BOTH = "both"


class Generation(StrEnum):
    """Generations, oldest first; their order defines the generation gap."""

    BOOMER = "boomer"
    GEN_X = "gen_x"
    MILLENNIAL = "millennial"
    GEN_Z = "gen_z"

    @property
    def rank(self) -> int:
        """Position from oldest (0) to youngest (3).

        >>> Generation.GEN_Z.rank - Generation.BOOMER.rank
        3
        """
        return list(Generation).index(self)

    @property
    def label(self) -> str:
        """The generation's name as people write it.

        >>> [g.label for g in Generation]
        ['Boomer', 'Gen X', 'Millennial', 'Gen Z']
        """
        return self.value.replace("_", " ").title()


class MeetingMode(StrEnum):
    """How a person can meet."""

    REMOTE = "remote"
    IN_PERSON = "in_person"
    EITHER = "either"


_SPACES = re.compile(r"\s+")


def tidy(text: str) -> str:
    """A value as written, trimmed, with inner runs of spaces collapsed.

    >>> tidy("  Data   Science ")
    'Data Science'
    """
    return _SPACES.sub(" ", text).strip()


def normalize(text: str) -> str:
    """Normalise a comparable value: trim, collapse inner spaces, case-fold.

    >>> normalize("  Data   Science ")
    'data science'
    """
    return tidy(text).casefold()


def same_text(left: str, right: str) -> bool:
    """True when two values (departments, locations, ...) are the same once normalised.

    >>> same_text("Data Science", "data  science"), same_text("", "")
    (True, True)
    """
    return normalize(left) == normalize(right)


def answer_words(answer: object) -> tuple[str, ...]:
    """An answer as the words a rule compares (a scale or empty answer has none).

    >>> answer_words("Red team"), answer_words(("a", "b")), answer_words(3)
    (('Red team',), ('a', 'b'), ())
    """
    if isinstance(answer, str):
        return (answer,) if answer else ()
    if isinstance(answer, tuple):
        return answer
    return ()


def shown_answer(answer: object) -> str:
    """An answer as people read it.

    >>> shown_answer(("a", "b")), shown_answer(4), shown_answer("")
    ('a; b', '4', '')
    """
    if isinstance(answer, tuple):
        return "; ".join(answer)
    return str(answer)


class Answers(Mapping[str, AnswerValue]):
    """A person's answers to the program's questions: question key -> answer, immutable and
    hashable (so a :class:`Participant` stays hashable). Empty answers are left out.

    >>> answers = Answers({"life_stage": ("parenting while working",), "energy": 4, "x": ""})
    >>> dict(answers), answers == Answers({"energy": 4, "life_stage": ("parenting while working",)})
    ({'energy': 4, 'life_stage': ('parenting while working',)}, True)
    """

    __slots__ = ("_items",)

    def __init__(self, values: Mapping[str, AnswerValue] | None = None) -> None:
        kept = {k: v for k, v in (values or {}).items() if v not in ("", (), None)}
        self._items: tuple[tuple[str, AnswerValue], ...] = tuple(sorted(kept.items()))

    def __getitem__(self, key: str) -> AnswerValue:
        for name, value in self._items:
            if name == key:
                return value
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Answers):
            return self._items == other._items
        return isinstance(other, Mapping) and dict(self._items) == dict(other)

    def __repr__(self) -> str:
        return f"Answers({dict(self._items)!r})"


@dataclass(frozen=True)
class Participant:
    """One validated person in a program.

    E-mails are stored lower-cased; list fields are tuples sorted by their normalised
    values, so two participants built from the same data are equal. Tags, languages,
    departments, organizations, functions and locations keep their spelling; compare them
    normalised (:func:`same_text`, :func:`normalize`). ``notes`` are the person's own
    words; ``admin_notes`` are for the program team only and never shown to the person.
    ``preferred_mentors`` are the e-mails of the mentors a mentee picked, best first (the
    one list kept in its own order); ``avoid`` the e-mails of mentees a mentor would
    rather not take; ``answers`` the person's answers to the program's questions
    (:mod:`matcher.questions`).

    >>> p = Participant(
    ...     email="ana@example.org", name="Ana", role=Role.MENTEE, seeks=(MentorType.SPONSORSHIP,)
    ... )
    >>> p.is_mentee, p.is_mentor
    (True, False)
    """

    email: str
    name: str
    role: Role
    seeks: tuple[MentorType, ...] = ()
    offers: tuple[MentorType, ...] = ()
    id: str = ""
    organization: str = ""
    department: str = ""
    manager_email: str = ""
    level: int | None = None
    function: str = ""
    target_department: str = ""
    generation: Generation | None = None
    goals: tuple[str, ...] = ()
    strengths: tuple[str, ...] = ()
    expertise_wanted: tuple[str, ...] = ()
    expertise: tuple[str, ...] = ()
    capacity: int = 1
    languages: tuple[str, ...] = ()
    timezone: str = ""
    utc_offset_minutes: int | None = None
    location: str = ""
    meeting_mode: MeetingMode = MeetingMode.EITHER
    exclude: tuple[str, ...] = ()
    previous_partners: tuple[str, ...] = ()
    notes: str = ""
    admin_notes: str = ""
    priority: bool = False
    preferred_mentors: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()
    answers: Answers = field(default_factory=Answers)
    row: int | None = field(default=None, compare=False)

    @property
    def is_mentee(self) -> bool:
        """True when the person asks for at least one mentor type."""
        return self.role in (Role.MENTEE, Role.BOTH) and bool(self.seeks)

    @property
    def is_mentor(self) -> bool:
        """True when the person offers at least one mentor type."""
        return self.role in (Role.MENTOR, Role.BOTH) and bool(self.offers)


#: Every field of :class:`Participant` in order, with its default (``None`` for the fields
#: without one): the start of a participant's attributes in :func:`participant_from_fields`.
_FIELD_DEFAULTS: dict[str, object] = {
    f.name: Answers() if f.name == "answers" else None if f.default is MISSING else f.default
    for f in fields(Participant)
}
_REQUIRED_FIELDS = frozenset(
    f.name for f in fields(Participant) if f.default is MISSING and f.default_factory is MISSING
)


def participant_from_fields(values: Mapping[str, object]) -> Participant:
    """``Participant(**values)``, built without the dataclass's ``__init__``, which sets
    each of the frozen record's fields by a call of ``object.__setattr__``: the attributes
    are the defaults updated with ``values``, in field order, as ``__init__`` sets them
    (the people without answers share one empty :class:`Answers`, which is immutable).

    ``values`` with an unknown field or without a required one go to ``Participant`` and
    raise its ``TypeError``.

    >>> values = {"email": "a@x.org", "name": "A", "role": Role.MENTOR, "capacity": 2}
    >>> person = participant_from_fields(values)
    >>> person == Participant(**values), vars(person) == vars(Participant(**values))
    (True, True)
    >>> participant_from_fields({"email": "a@x.org"})
    Traceback (most recent call last):
    ...
    TypeError: Participant.__init__() missing 2 required positional arguments: 'name' and 'role'
    """
    if not _REQUIRED_FIELDS <= values.keys() <= _FIELD_DEFAULTS.keys():
        return Participant(**values)
    person = object.__new__(Participant)
    object.__setattr__(person, "__dict__", {**_FIELD_DEFAULTS, **values})
    return person
