"""What one person reads about one of their published pairs: the other person, the type,
why the two were matched and a first agenda, in participant-safe words.

The participant's own page and the introduction e-mail are both built from
:class:`Introduction`, so they say the same thing. Only these reach a participant: names,
e-mail addresses, the type, the reasons stored on the pair when it was published
(:func:`matcher.participant_reasons`) and :func:`matcher.first_agenda`; never a level,
a generation, an admin's note, a rule name or a score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from matcher import MENTOR_NOUN, MentorType, first_agenda
from webapp.models import Participant
from webapp.pair_models import Pair

__all__ = ["Introduction", "introduction"]


@dataclass(frozen=True)
class Introduction:
    """One published pair as one of its two people sees it."""

    pair_id: int
    #: ``mentee`` or ``mentor``: the reader's side.
    side: str
    name: str
    other_name: str
    other_email: str
    mentor_type: str
    reasons: tuple[str, ...]
    agenda: tuple[str, ...]
    status: str
    deadline: datetime
    #: The reader's answer so far (``accept``, ``decline``) or None.
    answer: str | None

    @property
    def other_role(self) -> str:
        """What the other person is to the reader: "your sponsor", "your mentee".

        >>> from datetime import datetime
        >>> intro = Introduction(
        ...     1,
        ...     "mentee",
        ...     "Ana",
        ...     "Bo",
        ...     "bo@x.org",
        ...     "sponsorship",
        ...     (),
        ...     (),
        ...     "published",
        ...     datetime(2026, 1, 1),
        ...     None,
        ... )
        >>> intro.other_role
        'your sponsor'
        """
        if self.side == "mentor":
            return f"your mentee ({self.mentor_type})"
        return f"your {MENTOR_NOUN[MentorType(self.mentor_type)]}"


def introduction(pair: Pair, reader: Participant, other: Participant) -> Introduction:
    """``pair`` as ``reader`` sees it; ``other`` is the other person of the pair."""
    side = pair.side_of(reader.email)
    return Introduction(
        pair_id=pair.id,
        side=side,
        name=reader.name,
        other_name=other.name,
        other_email=other.email,
        mentor_type=pair.mentor_type,
        reasons=tuple(pair.reasons or ()),
        agenda=first_agenda(pair.mentor_type),
        status=pair.status,
        deadline=pair.deadline,
        answer=pair.answer_of(side),
    )
