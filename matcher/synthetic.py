"""Realistic synthetic cohorts for demos, tests and benchmarks.

:func:`generate_cohort` builds a fictional company in the canonical participant CSV
columns: departments with a home site, a manager tree whose managers are always more
senior (levels 1-9, one chief executive per organization at level 9), generations that
follow seniority, mostly English speakers with local languages, IANA time zones per site,
and goals, strengths and expertise drawn from the vocabulary of the seed articles. Every
random draw is vectorised with numpy, so 50,000 people take about a second, and the same
seed always gives the same table.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd

from matcher.schema import GOALS, MentorType

COLUMNS: tuple[str, ...] = (
    "email",
    "name",
    "role",
    "seeks",
    "offers",
    "id",
    "organization",
    "department",
    "manager_email",
    "level",
    "function",
    "target_department",
    "generation",
    "goals",
    "strengths",
    "expertise_wanted",
    "expertise",
    "capacity",
    "languages",
    "timezone",
    "location",
    "meeting_mode",
    "exclude",
    "previous_partners",
    "notes",
)
"""The canonical participant CSV columns, in the order of the design document."""

EXPERTISE: tuple[str, ...] = (
    "financial planning",
    "budgeting",
    "negotiation",
    "labor relations",
    "talent acquisition",
    "data analysis",
    "machine learning",
    "cloud infrastructure",
    "cybersecurity",
    "product management",
    "ux research",
    "pricing",
    "social media",
    "brand strategy",
    "supply chain",
    "lean operations",
    "regulatory compliance",
    "contract law",
    "public speaking",
    "agile delivery",
    "customer success",
    "key accounts",
    "quality assurance",
    "sustainability reporting",
)
"""Specific skills for expertise mentoring."""

# department, job family, indices into EXPERTISE of the department's own skills
DEPARTMENTS: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("Engineering", "engineering", (6, 7, 8, 19)),
    ("Sales", "sales", (2, 11, 21)),
    ("Marketing", "marketing", (12, 13, 18)),
    ("Finance", "finance", (0, 1, 11)),
    ("People", "human resources", (3, 4, 18)),
    ("Operations", "operations", (14, 15, 22)),
    ("Product", "product", (9, 10, 19)),
    ("Data", "analytics", (5, 6, 9)),
    ("Legal", "legal", (16, 17, 2)),
    ("Customer Success", "customer service", (20, 21, 2)),
    ("Manufacturing", "operations", (15, 22, 14)),
    ("IT", "engineering", (7, 8, 19)),
    ("Procurement", "operations", (14, 2, 1)),
    ("Research", "research", (6, 5, 10)),
    ("Strategy", "strategy", (0, 9, 23)),
    ("Communications", "marketing", (18, 12, 13)),
)
EXECUTIVE = ("Executive Office", "general management")

# location, IANA time zone, local language ("" where English is the local language)
SITES: tuple[tuple[str, str, str], ...] = (
    ("London", "Europe/London", ""),
    ("New York", "America/New_York", ""),
    ("Austin", "America/Chicago", ""),
    ("Toronto", "America/Toronto", "French"),
    ("Berlin", "Europe/Berlin", "German"),
    ("Paris", "Europe/Paris", "French"),
    ("Madrid", "Europe/Madrid", "Spanish"),
    ("São Paulo", "America/Sao_Paulo", "Portuguese"),
    ("Bangalore", "Asia/Kolkata", "Hindi"),
    ("Singapore", "Asia/Singapore", "Mandarin"),
    ("Tokyo", "Asia/Tokyo", "Japanese"),
    ("Sydney", "Australia/Sydney", ""),
)

ORGANIZATIONS: tuple[tuple[str, str], ...] = (
    ("Loomworks", "loomworks.example"),
    ("Threadline Partners", "threadline.example"),
    ("Warp & Weft Studio", "warpweft.example"),
    ("Shuttle Logistics", "shuttle.example"),
)

FIRST_NAMES: tuple[str, ...] = (
    "Ana", "Ben", "Chloé", "Dev", "Elif", "Farah", "Gabriel", "Hana", "Ivan", "Jia",
    "Kofi", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quentin", "Rosa", "Sami", "Tomás",
    "Uma", "Victor", "Wen", "Ximena", "Yusuf", "Zoë", "Amara", "Bruno", "Carmen", "Dmitri",
    "Esther", "Felix", "Grace", "Hugo", "Ines", "Jonas", "Keiko", "Liam", "Maya", "Nils",
    "Olivia", "Pablo", "Rania", "Søren", "Tara", "Ulla", "Valeria", "Will", "Yara", "Zane",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "Abbott", "Bauer", "Castro", "Dubois", "Eze", "Fischer", "García", "Haddad", "Ito",
    "Jensen", "Kaur", "López", "Mensah", "Nakamura", "Okafor", "Patel", "Quinn", "Rossi",
    "Silva", "Tanaka", "Ueda", "Varga", "Wang", "Xu", "Yilmaz", "Zhou", "Andersen", "Brown",
    "Chen", "Diallo", "Evans", "Ferreira", "Gupta", "Hughes", "Ivanova", "Jones", "Kim",
    "Lewis", "Müller", "Nguyen", "Owens", "Park", "Reyes", "Sato", "Taylor", "Usman",
    "Vogel", "Walsh", "Young", "Zimmermann",
)  # fmt: skip

# share of people at levels 1..8 (level 9 is each organization's chief executive)
LEVEL_WEIGHTS = np.array([20.0, 22, 19, 14, 10, 7, 5, 3])
# first birth year of each generation, in Generation order after boomer
GENERATION_STARTS = np.array([1965, 1981, 1997])
GENERATIONS = np.array(["boomer", "gen_x", "millennial", "gen_z"])
THIS_YEAR = 2026
PEOPLE_PER_DEPARTMENT = 40
# probability of role mentee / mentor / both for junior (1-3), middle (4-6), senior (7-9)
ROLE_PROBABILITIES = np.array([[0.70, 0.10, 0.20], [0.40, 0.30, 0.30], [0.10, 0.60, 0.30]])
ROLES = np.array(["mentee", "mentor", "both"])
MEETING_MODES = np.array(["remote", "either", "in_person"])
MEETING_MODE_PROBABILITIES = (0.40, 0.45, 0.15)
# share of people at levels 1..9 who manage others (gives spans of control around 3-8)
MANAGER_SHARE = np.array([0.0, 0.08, 0.2, 0.4, 0.6, 0.8, 0.85, 0.9, 1.0])
GROUPS_PER_ORG = len(DEPARTMENTS) + 1


def _ascii(text: str) -> str:
    """Strip accents and spaces for e-mail local parts: ``"Søren"`` -> ``"soren"``."""
    decomposed = unicodedata.normalize("NFKD", text.replace("ø", "o").replace("ß", "ss"))
    return "".join(c for c in decomposed if c.isalnum() and c.isascii()).lower()


def _pick(rng: np.random.Generator, weights: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Draw ``counts[i]`` distinct column indices per row, proportional to ``weights``.

    Uses the Gumbel top-k trick, so all rows are drawn at once. Returns an ``(n, k)``
    index array with ``-1`` beyond each row's count (k = the largest count, at least 1).
    """
    keys = np.log(np.maximum(weights, 1e-12)) + rng.gumbel(size=weights.shape)
    k = max(int(counts.max(initial=0)), 1)
    order = np.argsort(-keys, axis=1, kind="stable")[:, :k]
    return np.where(np.arange(k) < counts[:, None], order, -1)


def _join(vocab: np.ndarray, picks: np.ndarray) -> list[str]:
    """Join picked vocabulary entries of each row with ``"; "``."""
    return ["; ".join(vocab[row[row >= 0]]) for row in picks]


def _managers(
    group: np.ndarray, level: np.ndarray, manages: np.ndarray, u: np.ndarray
) -> np.ndarray:
    """Index of each person's manager (-1 for chief executives, level 9).

    A manager is a person with ``manages`` set in the same group (organization and
    department), one or two levels above when there is one, otherwise anyone more senior
    there; a group's most senior people report to their organization's chief executive,
    whose index is looked up through ``group // GROUPS_PER_ORG``.
    """
    # non-managers go to a bucket no one searches, so only managers are ever picked
    key = (2 * group + ~manages) * 10 + level
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    base = 20 * group
    lo = np.searchsorted(sorted_key, base + level + 1, side="left")
    near = np.searchsorted(sorted_key, base + level + 3, side="left")
    top = np.searchsorted(sorted_key, base + 10, side="left")
    hi = np.where(near > lo, near, top)
    pick = order[np.minimum(lo + np.floor(u * (hi - lo)).astype(np.int64), len(level) - 1)]
    is_ceo = level == 9
    org = group // GROUPS_PER_ORG
    ceo_of_org = np.full(org.max(initial=0) + 1, -1)
    ceo_of_org[org[is_ceo]] = np.flatnonzero(is_ceo)
    manager = np.where(hi > lo, pick, ceo_of_org[org])
    return np.where(is_ceo, -1, manager)


def _emails(first: np.ndarray, last: np.ndarray, domain: np.ndarray) -> np.ndarray:
    """``first.last@domain`` in ASCII, numbered from the second namesake on: ``ana.kim2@...``."""
    local = pd.Series([f"{_ascii(f)}.{_ascii(s)}" for f, s in zip(first, last, strict=True)])
    repeat = local.groupby(local).cumcount().to_numpy()
    suffix = np.where(repeat > 0, (repeat + 1).astype(str), "")
    return np.char.add(np.char.add(np.char.add(local.to_numpy(str), suffix), "@"), domain)


def _types(mask: np.ndarray) -> list[str]:
    """Join the mentor types switched on in each row of an ``(n, 4)`` boolean mask."""
    names = np.array([t.value for t in MentorType])
    return ["; ".join(names[row]) for row in mask]


def _draw_types(rng: np.random.Generator, p: np.ndarray, who: np.ndarray) -> np.ndarray:
    """Draw mentor types with probabilities ``p`` (n, 4); each person in ``who`` gets at
    least one (developmental when the draw gave none), everyone else none."""
    mask = rng.random(p.shape) < p
    mask[:, 0] |= ~mask.any(axis=1)
    return mask & who[:, None]


def _languages(rng: np.random.Generator, local: np.ndarray) -> list[str]:
    """Mostly English; people at non-English sites mostly speak the local language too,
    and a few of them speak only the local language."""
    n = len(local)
    has_local = local != ""
    english = ~has_local | (rng.random(n) < 0.85)
    speaks_local = has_local & (~english | (rng.random(n) < 0.9))
    out = np.where(english, "English", "")
    out = np.where(speaks_local & english, np.char.add(out, "; "), out)
    return list(np.where(speaks_local, np.char.add(out, local), out))


def generate_cohort(people: int, *, seed: int = 0, organizations: int = 1) -> pd.DataFrame:
    """Generate a realistic synthetic cohort in the canonical participant CSV columns.

    Parameters
    ----------
    people
        Number of people (rows), at least 1.
    seed
        Seed of the random generator: the same seed gives the same table.
    organizations
        Number of organizations (1 to 4), each with its own chief executive and manager
        tree, as in a cross-company program or professional association.

    Returns
    -------
    pandas.DataFrame
        One row per person, the :data:`COLUMNS` in order, every cell text (lists joined
        with ``"; "``, empty where a column does not apply).

    Raises
    ------
    ValueError
        When ``people`` or ``organizations`` is out of range.

    Examples
    --------
    >>> cohort = generate_cohort(200, seed=7)
    >>> cohort.shape, tuple(cohort.columns) == COLUMNS
    ((200, 25), True)
    >>> cohort.equals(generate_cohort(200, seed=7))
    True
    >>> sorted(cohort["role"].unique())
    ['both', 'mentee', 'mentor']
    """
    if people < 1:
        raise ValueError(f"people must be at least 1, got {people}")
    if not 1 <= organizations <= len(ORGANIZATIONS):
        raise ValueError(f"organizations must be 1 to {len(ORGANIZATIONS)}, got {organizations}")
    rng = np.random.default_rng(seed)
    n = people
    n_orgs = min(organizations, n)
    org = rng.choice(n_orgs, n, p=rng.dirichlet(np.full(n_orgs, 5.0)))
    org[:n_orgs] = np.arange(n_orgs)
    level = rng.choice(np.arange(1, 9), n, p=LEVEL_WEIGHTS / LEVEL_WEIGHTS.sum())
    level[:n_orgs] = 9

    n_depts = int(np.clip(n // PEOPLE_PER_DEPARTMENT, 3, len(DEPARTMENTS)))
    dept = rng.choice(n_depts, n, p=rng.dirichlet(np.full(n_depts, 4.0)))
    dept[:n_orgs] = len(DEPARTMENTS)
    dept_names = np.array([d[0] for d in DEPARTMENTS] + [EXECUTIVE[0]])
    functions = np.array([d[1] for d in DEPARTMENTS] + [EXECUTIVE[1]])
    manages = rng.random(n) < MANAGER_SHARE[level - 1]
    manager = _managers(org * GROUPS_PER_ORG + dept, level, manages, rng.random(n))

    n_sites = int(np.clip(n // 25, 2, len(SITES)))
    home_site = rng.integers(0, n_sites, len(dept_names))
    site = np.where(rng.random(n) < 0.65, home_site[dept], rng.integers(0, n_sites, n))
    locations, zones, local_languages = (np.array(col) for col in zip(*SITES, strict=True))

    age = np.clip(26 + 4.5 * (level - 1) + rng.normal(0, 8, n), 21, 67)
    birth_year = np.round(THIS_YEAR - age).astype(int)
    generation = GENERATIONS[np.searchsorted(GENERATION_STARTS, birth_year, side="right")]

    first = np.array(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), n)]
    last = np.array(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), n)]
    email = _emails(first, last, np.array([domain for _, domain in ORGANIZATIONS])[org])

    band = (level >= 4).astype(int) + (level >= 7)
    cumulative = ROLE_PROBABILITIES[band].cumsum(axis=1)
    role = ROLES[(rng.random(n)[:, None] > cumulative).sum(axis=1).clip(0, 2)]
    role[:n_orgs] = "mentor"
    is_mentee = role != "mentor"
    is_mentor = role != "mentee"

    ones = np.ones(n)
    seek_p = np.column_stack(
        [0.55 * ones, np.where(level <= 6, 0.3, 0.05), 0.15 * ones, 0.3 * ones]
    )
    seeks = _draw_types(rng, seek_p, is_mentee)
    edge_generation = (generation == "gen_z") | (generation == "boomer")
    generational = np.where(edge_generation, 0.5, 0.3)
    offer_p = np.column_stack(
        [0.65 * ones, np.where(level >= 5, 0.6, 0.0), generational, 0.5 * ones]
    )
    offers = _draw_types(rng, offer_p, is_mentor)

    popularity = rng.permutation(1.0 / np.sqrt(np.arange(1, len(GOALS) + 1)))
    goal_weights = np.broadcast_to(popularity, (n, len(GOALS)))
    goals = _pick(rng, goal_weights, rng.integers(1, 4, n) * is_mentee)
    strengths = _pick(rng, goal_weights, rng.integers(2, 5, n) * is_mentor)
    skill_weights = np.ones((len(dept_names), len(EXPERTISE)))
    for d, (_, _, skills) in enumerate(DEPARTMENTS):
        skill_weights[d, list(skills)] = 12.0
    expertise = _pick(rng, skill_weights[dept], rng.integers(1, 4, n) * (is_mentor & offers[:, 3]))
    wanted = _pick(
        rng, np.ones((n, len(EXPERTISE))), rng.integers(1, 3, n) * (is_mentee & seeks[:, 3])
    )

    target = (dept + rng.integers(1, max(n_depts, 2), n)) % n_depts
    wants_move = is_mentee & (rng.random(n) < 0.35) & (dept < len(DEPARTMENTS))
    capacity = rng.choice(np.array(["1", "2", "3"]), n, p=(0.3, 0.4, 0.3))
    meeting_mode = MEETING_MODES[rng.choice(3, n, p=MEETING_MODE_PROBABILITIES)]

    others = (np.arange(n) + rng.integers(1, max(n, 2), n)) % n
    excluded = np.where((rng.random(n) < 0.02) & (others != np.arange(n)), email[others], "")
    mentors = np.flatnonzero(is_mentor)
    partner = mentors[rng.integers(0, max(len(mentors), 1), n)] if len(mentors) else others
    tried = is_mentee & (rng.random(n) < 0.05) & (partner != np.arange(n))
    goal_vocab = np.array(GOALS)
    first_goal = goal_vocab[goals[:, 0]]
    notes = np.where(
        (goals[:, 0] >= 0) & (rng.random(n) < 0.25),
        np.char.add(np.char.add("I want to get better at ", first_goal), "."),
        "",
    )

    columns = {
        "email": email,
        "name": np.char.add(np.char.add(first, " "), last),
        "role": role,
        "seeks": _types(seeks),
        "offers": _types(offers),
        "id": [f"E{i + 1:05d}" for i in range(n)],
        "organization": np.array([name for name, _ in ORGANIZATIONS])[org],
        "department": dept_names[dept],
        "manager_email": np.where(manager >= 0, email[manager], ""),
        "level": level.astype(str),
        "function": functions[dept],
        "target_department": np.where(wants_move, dept_names[target], ""),
        "generation": generation,
        "goals": _join(goal_vocab, goals),
        "strengths": _join(goal_vocab, strengths),
        "expertise_wanted": _join(np.array(EXPERTISE), wanted),
        "expertise": _join(np.array(EXPERTISE), expertise),
        "capacity": np.where(is_mentor, capacity, ""),
        "languages": _languages(rng, local_languages[site]),
        "timezone": zones[site],
        "location": locations[site],
        "meeting_mode": meeting_mode,
        "exclude": excluded,
        "previous_partners": np.where(tried, email[partner], ""),
        "notes": notes,
    }
    return pd.DataFrame({c: pd.Series(columns[c], dtype=object).astype(str) for c in COLUMNS})
