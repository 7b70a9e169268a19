"""mentorloom's matching core: participants in, optimal explained matches out.

The public API is listed in ``__all__``; nothing here has side effects on import. The web
app imports from here only (``tests/test_boundaries.py`` checks it).
"""

from matcher.checks import PairAssessment, assess_pair, check_proposal, mentor_fits
from matcher.cohort import Cohort, encode
from matcher.config import (
    CRITERIA_HELP,
    DEFAULT_WEIGHTS,
    OBJECTIVES,
    SETTINGS,
    ProgramConfig,
    Setting,
    config_errors,
    config_from_mapping,
    config_to_mapping,
    default_config_toml,
    load_config,
)
from matcher.csv_io import CONTROL_CHARACTERS, RowTable, mentions, read_rows, to_csv_bytes
from matcher.decisions import load_decisions, parse_decisions
from matcher.engine import propose
from matcher.errors import ConfigError, IntakeError, Issue, MatcherError, SolveError
from matcher.explain_stored import explain_stored_mentee
from matcher.gcpause import without_gc
from matcher.intake import (
    COLUMNS,
    MAX_WHOLE_NUMBER,
    PICK_COLUMNS,
    IntakeResult,
    ignored_columns,
    load_participants,
    parse_participants,
)
from matcher.introductions import first_agenda, participant_reasons
from matcher.kernels import load_cached_kernels
from matcher.limits import (
    ANSWER_LIMITS,
    BIO_MAX_CHARS,
    CHOICE_MAX_CHARS,
    COLUMN_LIMITS,
    EMAIL_MAX_CHARS,
    FILE_NAME_MAX_CHARS,
    MAX_CHOICES,
    MAX_PICKS,
    MAX_QUESTIONS,
    MAX_SUGGESTIONS,
    PROGRAM_NAME_MAX_CHARS,
    QUESTION_HELP_MAX_CHARS,
    QUESTION_KEY_MAX_CHARS,
    QUESTION_PROMPT_MAX_CHARS,
)
from matcher.locks import StaleLock, stale_locks
from matcher.mentee import MenteeExplanation, explain_mentee
from matcher.picks import PicksReport, blocking_pairs, picks_report, suggestions
from matcher.program_words import ordinal, pick_rank
from matcher.proposal import MATCH_COLUMNS, UNMATCHED_COLUMNS, Decision, Proposal
from matcher.questions import (
    ASKED_OF,
    QUESTION_KINDS,
    RULE_KINDS,
    SCALE_POINTS,
    Question,
    QuestionRule,
    parse_answer,
    question_to_mapping,
)
from matcher.schema import (
    GOALS,
    MENTOR_NOUN,
    MENTOR_TYPE_HELP,
    Answers,
    Generation,
    MeetingMode,
    MentorType,
    Participant,
    Role,
    normalize,
)
from matcher.scoring import BONUS_CRITERIA
from matcher.summary import Summary, summarize
from matcher.supply import missing_offers, supply_gaps
from matcher.synthetic import generate_cohort
from matcher.warm import WarmState, engine_digest, rerun
from matcher.words import agree, plural

__all__ = [
    "ANSWER_LIMITS",
    "ASKED_OF",
    "BIO_MAX_CHARS",
    "BONUS_CRITERIA",
    "CHOICE_MAX_CHARS",
    "COLUMNS",
    "COLUMN_LIMITS",
    "CONTROL_CHARACTERS",
    "CRITERIA_HELP",
    "DEFAULT_WEIGHTS",
    "EMAIL_MAX_CHARS",
    "FILE_NAME_MAX_CHARS",
    "GOALS",
    "MATCH_COLUMNS",
    "MAX_CHOICES",
    "MAX_PICKS",
    "MAX_QUESTIONS",
    "MAX_SUGGESTIONS",
    "MAX_WHOLE_NUMBER",
    "MENTOR_NOUN",
    "MENTOR_TYPE_HELP",
    "OBJECTIVES",
    "PICK_COLUMNS",
    "PROGRAM_NAME_MAX_CHARS",
    "QUESTION_HELP_MAX_CHARS",
    "QUESTION_KEY_MAX_CHARS",
    "QUESTION_KINDS",
    "QUESTION_PROMPT_MAX_CHARS",
    "RULE_KINDS",
    "SCALE_POINTS",
    "SETTINGS",
    "UNMATCHED_COLUMNS",
    "Answers",
    "Cohort",
    "ConfigError",
    "Decision",
    "Generation",
    "IntakeError",
    "IntakeResult",
    "Issue",
    "MatcherError",
    "MeetingMode",
    "MenteeExplanation",
    "MentorType",
    "PairAssessment",
    "Participant",
    "PicksReport",
    "ProgramConfig",
    "Proposal",
    "Question",
    "QuestionRule",
    "Role",
    "RowTable",
    "Setting",
    "SolveError",
    "StaleLock",
    "Summary",
    "WarmState",
    "agree",
    "assess_pair",
    "blocking_pairs",
    "check_proposal",
    "config_errors",
    "config_from_mapping",
    "config_to_mapping",
    "default_config_toml",
    "encode",
    "engine_digest",
    "explain_mentee",
    "explain_stored_mentee",
    "first_agenda",
    "generate_cohort",
    "ignored_columns",
    "load_cached_kernels",
    "load_config",
    "load_decisions",
    "load_participants",
    "mentions",
    "mentor_fits",
    "missing_offers",
    "normalize",
    "ordinal",
    "parse_answer",
    "parse_decisions",
    "parse_participants",
    "participant_reasons",
    "pick_rank",
    "picks_report",
    "plural",
    "propose",
    "question_to_mapping",
    "read_rows",
    "rerun",
    "stale_locks",
    "suggestions",
    "summarize",
    "supply_gaps",
    "to_csv_bytes",
    "without_gc",
]
