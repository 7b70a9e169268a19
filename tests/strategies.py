"""Every hypothesis strategy of the tests, and the random instances they draw from seeds.

- :func:`participants`: small random cohorts that exercise every hard rule;
- :func:`tied_cohorts`: small cohorts whose pairs often score the same, some mentees with
  priority;
- :func:`configs`: program configurations over every objective, rule switch, threshold,
  (awkward) score weight, priority bonus, question rule (:data:`QUESTION_RULES` over
  :data:`QUESTIONS`, answered by :data:`ANSWERS`), only-picks and outside-organization rule;
- :func:`reject_decisions`: reject decisions among a cohort's people;
- :func:`rematches`: a cohort, a config, pairs of a first proposal kept as locks, and
  the open requests a rematch fills;
  :func:`random_rejected`: the rejected pairs of a seed;
- :func:`tiny_instances` and :func:`random_instance`: solver problems
  (:class:`tests.instances.Instance`), tiny enough for a brute-force oracle or larger;
- ``SEEDS``: seeds of :func:`random_instance`; ``SMALL_SEEDS``: seeds of shuffles and of
  :func:`random_rejected`;
- ``TAG_LISTS``: lists of tag lists over more words than one word of bits holds;
- ``CELL_TEXT``, ``CSVISH``: spreadsheet cells and CSV-like text for :mod:`matcher.csv_io`;
- ``INTAKE_ROW``, ``CSV_TOKENS``, ``VALID_FORM_ROWS``: any form row, text made of a
  participants file's tokens, and valid form rows for :mod:`matcher.intake`;
  ``HAZARD_ROWS``: the extra cells of a few rows, each within or over its column's limit,
  with a control character, or not a word of its column (:func:`hazard_cells`);
- :func:`hostile_csv`: hostile CSV files for the core's intake and the web app's import,
  built from :data:`NASTY_CELLS` and :func:`hostile_cells`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from hypothesis import strategies as st

from matcher import propose
from matcher.cohort import MENTOR_TYPES, Cohort
from matcher.config import DEFAULT_WEIGHTS, OBJECTIVES, ProgramConfig
from matcher.constraints import Rejected
from matcher.intake import COLUMNS
from matcher.limits import COLUMN_LIMITS
from matcher.proposal import Decision, rejected_matrices
from matcher.questions import Question, QuestionRule
from matcher.schema import Answers, Generation, MeetingMode, MentorType, Participant, Role
from matcher.solver import MAX_WEIGHT
from tests.instances import Instance, consistent_locks

TAGS = ("coaching", "delegation", "networking", "strategy", "sql")
LANGUAGES = ("english", "french", "german")
DEPARTMENTS = ("", "finance", "sales", "it")
TYPES = tuple(MentorType)
# awkward weights (thirds, tiny, zero) so that the order of additions shows in the last bit
WEIGHT = st.sampled_from((0.0, 1.0, 1 / 3, 2.7, 10.0, 15.0, 33.3, 0.001))
MAX_TINY_EDGES = 22
SEEDS = st.integers(0, 2**32 - 1)
SMALL_SEEDS = st.integers(0, 2**16)


def _subset(values: tuple, max_size: int | None = None) -> st.SearchStrategy[tuple]:
    return st.lists(st.sampled_from(values), unique=True, max_size=max_size or len(values)).map(
        lambda v: tuple(sorted(v))
    )


@st.composite
def participants(draw: st.DrawFn, min_size: int = 2, max_size: int = 10) -> list[Participant]:
    """A cohort with a manager tree (no cycles), exclusions, previous partners and people
    with priority."""
    n = draw(st.integers(min_size, max_size))
    emails = [f"p{i}@x.org" for i in range(n)]
    people = []
    for i, email in enumerate(emails):
        role = draw(st.sampled_from(tuple(Role)))
        others = emails[:i] + emails[i + 1 :]
        manager = draw(st.sampled_from(("", *emails[:i]))) if i else ""
        people.append(
            Participant(
                email=email,
                name=f"Person {i}",
                role=role,
                seeks=draw(_subset(TYPES).filter(bool)) if role != Role.MENTOR else (),
                offers=draw(_subset(TYPES).filter(bool)) if role != Role.MENTEE else (),
                department=draw(st.sampled_from(DEPARTMENTS)),
                organization=draw(st.sampled_from(("", "acme", "globex"))),
                target_department=draw(st.sampled_from(DEPARTMENTS)),
                manager_email=manager,
                level=draw(st.none() | st.integers(1, 9)),
                generation=draw(st.none() | st.sampled_from(tuple(Generation))),
                goals=draw(_subset(TAGS, 3)),
                strengths=draw(_subset(TAGS, 3)),
                expertise_wanted=draw(_subset(TAGS, 2)),
                expertise=draw(_subset(TAGS, 3)),
                capacity=draw(st.integers(0, 3)),
                languages=draw(_subset(LANGUAGES, 2)),
                utc_offset_minutes=draw(st.none() | st.sampled_from((-300, 0, 60, 330, 540))),
                location=draw(st.sampled_from(("", "paris", "berlin"))),
                meeting_mode=draw(st.sampled_from(tuple(MeetingMode))),
                exclude=draw(_subset(tuple(others), 1)) if others else (),
                previous_partners=draw(_subset(tuple(others), 1)) if others else (),
                priority=draw(st.booleans()),
                preferred_mentors=tuple(draw(st.permutations(others)))[: draw(st.integers(0, 2))],
                avoid=draw(_subset(tuple(others), 1)) if others else (),
                answers=draw(ANSWERS),
            )
        )
    return people


QUESTIONS = (
    Question("team", "single", "Which team?", choices=("red", "blue", "green")),
    Question("hobbies", "multiple", "Hobbies?", choices=("red", "blue", "green")),
    Question("wants", "tags", "What do you want?"),
    Question("has", "tags", "What do you have?"),
    Question("energy", "scale", "Energy?"),
)
"""The questions of :data:`ANSWERS`, one of each kind a rule can match on."""
ANSWERS = st.fixed_dictionaries(
    {},
    optional={
        "team": st.sampled_from(("red", "blue", "green")),
        "hobbies": _subset(("red", "blue", "green")).filter(bool),
        "wants": _subset(("go", "SQL", "c")).filter(bool),
        "has": _subset(("Go", "sql", "rust")).filter(bool),
        "energy": st.integers(1, 5),
    },
).map(Answers)
"""Answers to :data:`QUESTIONS`, any of them left out."""


def question_rule_oracle(rule: QuestionRule, e: Participant, m: Participant) -> tuple[float, bool]:
    """A question rule's value on a pair and whether its hard rule blocks, in plain Python
    (the oracle of :mod:`matcher.questions`)."""
    mine, theirs = e.answers.get(rule.question), m.answers.get(rule.mentor_key)
    if rule.rule == "scale":
        if mine is None or theirs is None:
            return 0.0, True
        return 1 - abs(mine - theirs) / 4, abs(mine - theirs) > rule.max_gap
    a = {w.casefold() for w in ((mine,) if isinstance(mine, str) else mine or ())}
    b = {w.casefold() for w in ((theirs,) if isinstance(theirs, str) else theirs or ())}
    if rule.rule == "different":
        value = float(bool(a) and bool(b) and not a & b)
    else:
        value = len(a & b) / max(len(a), 1)
    return value, value == 0


QUESTION_RULES = st.lists(
    st.builds(
        lambda rule, types, weight, gap: replace(
            rule,
            types=types,
            weight=0.0 if weight is None else weight,
            hard=weight is None,
            max_gap=gap,
        ),
        st.sampled_from(
            (
                QuestionRule("team", "same"),
                QuestionRule("team", "different"),
                QuestionRule("hobbies", "overlap"),
                QuestionRule("energy", "scale"),
                QuestionRule("wants", "wants", mentor_question="has"),
            )
        ),
        _subset(TYPES).filter(bool),
        st.none() | WEIGHT.filter(bool),
        st.integers(0, 3),
    ),
    max_size=3,
    unique_by=lambda rule: rule.question,
)
"""Up to 3 question rules over :data:`QUESTIONS`: criteria with awkward weights or hard."""


@st.composite
def tied_cohorts(draw: st.DrawFn) -> list[Participant]:
    """Up to 5 mentees and 3 mentors of few, alike attributes, so that many pairs score
    the same and mentees compete for the mentors' places; some mentees have priority."""
    people = [
        Participant(
            email=f"e{i}@x.org",
            name=f"Mentee {i}",
            role=Role.MENTEE,
            seeks=draw(_subset(TYPES[:2]).filter(bool)),
            goals=draw(_subset(TAGS[:2], 1)),
            priority=draw(st.booleans()),
        )
        for i in range(draw(st.integers(1, 5)))
    ]
    people += [
        Participant(
            email=f"m{j}@x.org",
            name=f"Mentor {j}",
            role=Role.MENTOR,
            offers=draw(_subset(TYPES[:2]).filter(bool)),
            strengths=draw(_subset(TAGS[:2], 1)),
            capacity=draw(st.integers(1, 2)),
        )
        for j in range(draw(st.integers(1, 3)))
    ]
    return people


@st.composite
def configs(draw: st.DrawFn) -> ProgramConfig:
    """Every objective, rule switch and threshold; the default weights or awkward random
    ones (never all zero for a type)."""
    weights = {t: dict(w) for t, w in DEFAULT_WEIGHTS.items()}
    if draw(st.booleans()):
        weights = {t: {k: draw(WEIGHT) for k in w} for t, w in DEFAULT_WEIGHTS.items()}
        for t in weights:
            if sum(w for k, w in weights[t].items() if k != "picks") <= 0:
                weights[t]["timezone"] = 1.0
    return ProgramConfig(
        objective=draw(st.sampled_from(OBJECTIVES)),
        min_score=draw(st.sampled_from((0.0, 30.0, 55.5))),
        sponsor_level_gap=draw(st.integers(1, 3)),
        block_same_manager=draw(st.booleans()),
        block_boss_peers=draw(st.booleans()),
        max_timezone_gap_hours=draw(st.sampled_from((None, 2.0, 5.5, 6.0))),
        seniority_span=draw(st.integers(1, 7)),
        timezone_span_hours=draw(st.sampled_from((12.0, 7.0, 3.3))),
        priority_bonus=draw(st.sampled_from((0.0, 1.0, 0.01, 1 / 3, 10.0))),
        weights=weights,
        only_picks=draw(st.booleans()),
        avoid_penalty=draw(st.sampled_from((None, None, 5.0, 33.3))),
        outside_organization_types=draw(_subset(TYPES, 2)),
        questions=QUESTIONS,
        question_rules=tuple(draw(QUESTION_RULES)),
    )


def reject_decisions(people: list[Participant]) -> st.SearchStrategy[list[Decision]]:
    """Up to 4 reject decisions between any two of ``people`` (themselves included)."""
    email = st.sampled_from([p.email for p in people])
    rows = st.lists(st.tuples(email, email, st.sampled_from(MentorType)), max_size=4)
    return rows.map(lambda found: [Decision(e, m, t, "reject") for e, m, t in found])


@st.composite
def rematches(
    draw: st.DrawFn,
) -> tuple[list[Participant], ProgramConfig, list[Decision], list[tuple[str, MentorType]]]:
    """A small cohort and config, some pairs of its first proposal as locks (the pairs a
    rematch keeps), and some of the requests those leave open (the ones it fills)."""
    people = draw(participants(min_size=3, max_size=8))
    config = draw(configs())
    first = propose(people, config).matches.to_dict("records")
    kept = draw(st.lists(st.sampled_from(first), unique_by=id)) if first else []
    locks = [
        Decision(r["mentee_email"], r["mentor_email"], MentorType(r["mentor_type"]), "lock")
        for r in kept
    ]
    fixed = {(d.mentee_email, d.mentor_type) for d in locks}
    open_ = [(p.email, t) for p in people if p.is_mentee for t in p.seeks]
    fill = draw(st.lists(st.sampled_from([r for r in open_ if r not in fixed] or [None])))
    return people, config, locks, sorted({r for r in fill if r is not None})


def random_rejected(cohort: Cohort, seed: int) -> Rejected:
    """4 random (mentee, mentor, type) triples of ``cohort`` rejected, drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    triples = rng.integers(0, [len(cohort), len(cohort), len(MENTOR_TYPES)], size=(4, 3))
    return rejected_matrices(cohort, [tuple(t) for t in triples.tolist()])


@st.composite
def tiny_instances(draw: st.DrawFn) -> Instance:
    """Up to 6 mentees x 5 mentors x 3 kinds and MAX_TINY_EDGES edges; consistent locks.

    Weights are mostly small with a few heavy ones, so ties are common and the objectives
    disagree more often than with uniform weights.
    """
    rng = np.random.default_rng(draw(SEEDS))
    n_mentees, n_mentors, n_kinds = (int(rng.integers(1, n + 1)) for n in (6, 5, 3))
    density = draw(st.sampled_from([0.3, 0.6, 0.9]))
    triples = [
        (e, m, t)
        for e in range(n_mentees)
        for m in range(n_mentors)
        for t in range(n_kinds)
        if rng.random() < density
    ]
    keep = sorted(rng.permutation(len(triples))[:MAX_TINY_EDGES])
    mentee, mentor, kind = ([int(triples[k][c]) for k in keep] for c in range(3))
    capacity = [int(c) for c in rng.choice([0, 1, 1, 1, 2, 3], size=n_mentors)]
    top = draw(st.sampled_from([3, 20, MAX_WEIGHT]))
    light = rng.integers(0, top // 3 + 1, size=len(keep))
    weight = [top if rng.random() < 0.3 else int(w) for w in light]
    locked = consistent_locks(mentee, mentor, kind, capacity, rng.random(len(keep)) < 0.1)
    return Instance(mentee, mentor, kind, weight, capacity, locked)


def random_instance(
    seed: int,
    *,
    n_mentees: int = 40,
    n_mentors: int = 20,
    n_kinds: int = 3,
    per_request: int = 5,
    popular: bool = False,
    distinct: bool = False,
    lock_rate: float = 0.03,
) -> Instance:
    """Random candidates; ``popular`` makes everyone score the same few mentors highest;
    ``distinct`` gives each mentee different mentors for different kinds."""
    rng = np.random.default_rng(seed)
    per_request = min(per_request, n_mentors // n_kinds if distinct else n_mentors)
    appeal = rng.random(n_mentors) ** 3
    rows = []
    for e in range(n_mentees):
        order = rng.permutation(n_mentors)
        for t in rng.choice(n_kinds, size=rng.integers(1, n_kinds + 1), replace=False):
            pool = order[t * per_request :] if distinct else rng.permutation(n_mentors)
            rows += [(e, int(m), int(t)) for m in pool[:per_request]]
    mentee, mentor, kind = (list(c) for c in zip(*rows, strict=True))
    noise = rng.random(len(rows))
    score = 0.8 * appeal[mentor] + 0.2 * noise if popular else noise
    weight = [round(s * 100) * 100 for s in score]  # whole points: many ties
    capacity = [int(c) for c in rng.integers(0, 4, size=n_mentors)]
    locked = consistent_locks(mentee, mentor, kind, capacity, rng.random(len(rows)) < lock_rate)
    return Instance(mentee, mentor, kind, weight, capacity, locked)


# --- the encoded cohort ---------------------------------------------------------------------

WORDS = tuple(f"w{k}" for k in range(150))
TAG_LISTS = st.lists(st.lists(st.sampled_from(WORDS), max_size=40), min_size=1, max_size=8)
#: The same few words spelt as people type them: case, inner and outer spaces, "ß".
SPELT_WORDS = st.sampled_from(
    ("SQL", "sql", " Sql ", "data  science", "Data Science", "Straße", "STRASSE", "go", "Go")
)
#: Columns of tag lists over those spellings (some people with none).
SPELT_TAG_LISTS = st.lists(st.lists(SPELT_WORDS, max_size=6), max_size=8)

# --- spreadsheets (matcher.csv_io) ----------------------------------------------------------

CELL_TEXT = st.text(alphabet=st.sampled_from(list("aZé0 ,;\t\"'\r\n=-+@|ü漢")), max_size=12)
CSVISH = st.text(alphabet=st.sampled_from(list('ab,;\t"\r\n \x00\x85\ufeff=')), max_size=80)

# --- participant rows (matcher.intake) ------------------------------------------------------

ANY_TEXT = st.text(max_size=30)
INTAKE_CELL = st.one_of(
    ANY_TEXT,
    st.sampled_from(
        [
            "",
            "a@x.org",
            "B@X.org",
            "mentee",
            "mentor",
            "both",
            "developmental; sponsorship",
            "expertise, generational",
            "gen x",
            "3",
            "-1",
            "Europe/Berlin",
            "UTC+25",
            "in person",
        ]
    ),
)
INTAKE_ROW = st.dictionaries(st.one_of(st.sampled_from(COLUMNS), ANY_TEXT), INTAKE_CELL, max_size=8)
CSV_TOKENS = st.sampled_from(
    [
        ",",
        ";",
        "\t",
        "\r\n",
        "\n",
        '"',
        " ",
        "email",
        "name",
        "role",
        "seeks",
        "offers",
        "manager_email",
        "level",
        "a@x.org",
        "b@x.org",
        "mentee",
        "mentor",
        "both",
        "developmental",
        "sponsorship",
        "NA",
        "0012",
        "\x00",
        "\x07",
        "é",
        "\ufeff",
        "=cmd",
    ]
)
FORM_EMAILS = [f"p{i}@x.org" for i in range(6)]
VALID_FORM_CELLS = {
    "email": st.sampled_from(FORM_EMAILS),
    "name": st.sampled_from(["Ann", "NA", "José Müller", "=1+1"]),
    "role": st.sampled_from(["mentee", "mentor", "both"]),
    "seeks": st.sampled_from(["developmental", "expertise; sponsorship", "Generational"]),
    "offers": st.sampled_from(["developmental", "sponsorship,expertise", "generational"]),
    "level": st.sampled_from(["", "0", "4"]),
    "manager_email": st.sampled_from(["", *FORM_EMAILS]),
    "exclude": st.sampled_from(["", "p1@x.org; p2@x.org", "p5@x.org"]),
    "goals": st.sampled_from(["", "Lead; speak", "speak, lead"]),
    "timezone": st.sampled_from(["", "UTC+1", "Asia/Tokyo"]),
}
VALID_FORM_ROWS = st.lists(st.fixed_dictionaries(VALID_FORM_CELLS), max_size=8)
#: The columns of :func:`hazard_cells`: not the e-mails and ids, which rows are checked
#: against each other by, and a column no participant has.
_CROSS_ROW = frozenset({"email", "id", "manager_email", "exclude", "previous_partners"})
HAZARD_COLUMNS = (*(c for c in COLUMNS if c not in _CROSS_ROW), "remarks")
HAZARD_LENGTH = 50  # of the column without a limit


@st.composite
def hazard_cells(draw: st.DrawFn) -> tuple[str, str]:
    """A (column, cell) of :data:`HAZARD_COLUMNS`: a cell at or over the column's limit
    (with spaces around it, or of "ß", two characters case-folded), with a control
    character, a word ("zzz"), or empty."""
    column = draw(st.sampled_from(HAZARD_COLUMNS))
    limit = COLUMN_LIMITS.get(column, HAZARD_LENGTH)
    cells = ("", "zzz", "a\x07b", "x" * limit, "x" * (limit + 1), " " + "y" * limit + " ")
    return column, draw(st.sampled_from((*cells, "ß" * (limit // 2 + 1))))


HAZARD_ROWS = st.lists(st.lists(hazard_cells(), max_size=4).map(dict), min_size=1, max_size=8)

# --- hostile CSV files (the core's intake and the web app's import) -------------------------

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1")
DELIMITERS = (",", ";", "\t", "|", ":", " ")
LINE_ENDINGS = ("\n", "\r\n", "\r")

#: Cells an attacker or a broken spreadsheet would send.
NASTY_CELLS = (
    "",
    " ",
    "NA",
    "None",
    "null",
    "N/A",
    "#N/A",
    "0007",
    "007e3",
    '=HYPERLINK("http://evil.example","x")',
    "+1+1",
    "-2",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\u202eevil\u202c",
    "a\u200bb\u200c\u200d\ufeff",
    "\x00",
    "a\x00b",
    '"',
    '""',
    'a"b',
    "mentee",
    "mentor",
    "both",
    "developmental;expertise",
    "sponsorship",
    "ana@example.org",
    "ANA@EXAMPLE.ORG",
    "bo@example.org",
    "not an e-mail",
    "3",
    "-1",
    "99999999999999999999",
    "1e309",
    "nan",
    "inf",
    "Europe/Paris",
    "UTC+14",
    "remote",
    "Gen Z",
    "a;b;;c",
    "x" * 300,
)

_HEADER = st.lists(
    st.one_of(st.sampled_from((*COLUMNS, "", "E-mail", " Name ", "ROLE")), st.text(max_size=8)),
    min_size=0,
    max_size=12,
)


def hostile_cells(max_size: int = 12, among: Sequence[str] = NASTY_CELLS) -> st.SearchStrategy[str]:
    """A cell of ``among`` or any text of up to ``max_size`` characters."""
    return st.one_of(st.sampled_from(among), st.text(max_size=max_size))


#: A valid file that :func:`hostile_csv` mutates a cell of, so that some files import.
VALID_HEADER = ["email", "name", "role", "seeks", "offers", "capacity", "id"]
VALID_ROWS = [
    ["ana@example.org", "Ana", "mentee", "developmental", "", "", "007"],
    ["bo@example.org", "Bo", "mentor", "", "developmental", "2", "0008"],
]


@st.composite
def hostile_csv(draw: st.DrawFn, *, huge: bool = False) -> bytes:
    """Draw the bytes of one hostile CSV file (``huge`` allows a cell of a megabyte).

    A file is built from a header and rows of hostile cells (formula prefixes, HTML, NUL
    bytes, right-to-left and zero-width characters, huge cells, ``NA``/``None`` names, ids
    with leading zeros), joined by a random delimiter and line ending, sometimes with
    unbalanced quotes, ragged rows or Excel's trailing empty columns, and encoded in a
    random encoding (or left as raw bytes).
    """
    if draw(st.integers(0, 19)) == 0:
        return draw(st.binary(max_size=200))
    if draw(st.booleans()):
        header, rows = list(VALID_HEADER), [list(r) for r in VALID_ROWS]
        row = draw(st.integers(0, len(rows)))
        (rows[row - 1] if row else header)[draw(st.integers(0, 6))] = draw(hostile_cells())
    else:
        header = draw(_HEADER)
        rows = draw(st.lists(st.lists(hostile_cells(), max_size=len(header) + 2), max_size=6))
    if huge and rows and rows[0]:
        rows[0][0] = "y" * draw(st.sampled_from((70_000, 1_100_000)))
    delimiter = draw(st.sampled_from(DELIMITERS))
    quote_all = draw(st.booleans())
    trailing = delimiter * draw(st.integers(0, 3))

    def line(cells: list[str]) -> str:
        if quote_all:
            cells = ['"' + c.replace('"', '""') + '"' for c in cells]
        return delimiter.join(cells) + trailing

    text = draw(st.sampled_from(LINE_ENDINGS)).join(line(r) for r in [header, *rows])
    if draw(st.integers(0, 9)) == 0:
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + '"' + text[cut:]
    encoding = draw(st.sampled_from(ENCODINGS))
    return text.encode(encoding, errors="replace")
