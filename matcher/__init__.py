"""mentorloom's matching core: participants in, optimal explained matches out.

The public API is listed in ``__all__``; nothing here has side effects on import.
"""

from matcher.checks import PairAssessment, assess_pair, check_proposal, mentor_fits
from matcher.config import (
    ProgramConfig,
    config_errors,
    config_from_mapping,
    default_config_toml,
    load_config,
)
from matcher.csv_io import CONTROL_CHARACTERS, RowTable, mentions, read_rows
from matcher.decisions import load_decisions, parse_decisions
from matcher.engine import propose
from matcher.errors import ConfigError, IntakeError, Issue, MatcherError, SolveError
from matcher.intake import (
    COLUMNS,
    IntakeResult,
    ignored_columns,
    load_participants,
    parse_participants,
)
from matcher.introductions import participant_reasons
from matcher.limits import (
    COLUMN_LIMITS,
    EMAIL_MAX_CHARS,
    FILE_NAME_MAX_CHARS,
    PROGRAM_NAME_MAX_CHARS,
)
from matcher.locks import StaleLock, stale_locks
from matcher.mentee import MenteeExplanation, explain_mentee
from matcher.proposal import Decision, Proposal
from matcher.schema import Generation, MeetingMode, MentorType, Participant, Role
from matcher.summary import Summary, summarize
from matcher.synthetic import generate_cohort

__all__ = [
    "COLUMNS",
    "COLUMN_LIMITS",
    "CONTROL_CHARACTERS",
    "EMAIL_MAX_CHARS",
    "FILE_NAME_MAX_CHARS",
    "PROGRAM_NAME_MAX_CHARS",
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
    "ProgramConfig",
    "Proposal",
    "Role",
    "RowTable",
    "SolveError",
    "StaleLock",
    "Summary",
    "assess_pair",
    "check_proposal",
    "config_errors",
    "config_from_mapping",
    "default_config_toml",
    "explain_mentee",
    "generate_cohort",
    "ignored_columns",
    "load_config",
    "load_decisions",
    "load_participants",
    "mentions",
    "mentor_fits",
    "parse_decisions",
    "parse_participants",
    "participant_reasons",
    "propose",
    "read_rows",
    "stale_locks",
    "summarize",
]
