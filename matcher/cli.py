"""The ``mentorloom`` command line: validate, match, explain, sample, config and compile.

Exit codes: ``0`` success; ``2`` bad input (a problem in a file, a setting or an argument,
explained in words with its row, column and fix); ``1`` an internal error (a bug: the
traceback is shown only with ``--debug``). Results go to stdout or files, progress bars
and problems to stderr; ``--quiet`` keeps only the problems.

Run ``mentorloom --help`` or ``python -m matcher.cli --help``.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import pandas as pd
from tqdm import tqdm

from matcher.config import default_config_toml, load_config
from matcher.csv_io import write_csv
from matcher.errors import IntakeError, Issue, MatcherError
from matcher.intake import IntakeResult, load_participants
from matcher.questions import Question
from matcher.schema import MentorType, Participant, Role
from matcher.words import agree, plural

if TYPE_CHECKING:
    from matcher.mentee import MenteeExplanation
    from matcher.proposal import Decision

EXIT_OK, EXIT_INTERNAL_ERROR, EXIT_BAD_INPUT = 0, 1, 2
EXIT_BROKEN_PIPE = 141
"""The exit code when the output's reader stopped reading (128 + SIGPIPE, as shells say)."""
PROGRESS_DELAY_SECONDS = 0.5
"""A step's progress bar appears only once the step has run this long."""
CLOCK_SECONDS = 0.2
"""How often a step's elapsed-time counter is redrawn."""
ENGINE_STEPS: tuple[str, ...] = ("rules and scores", "solve", "explain")
"""The engine's steps in order; a step's counter starts when the one before it ends."""
VALUE_WIDTH = 40
"""Longest cell value shown in a problem table before it is cut with an ellipsis."""


class UsageError(MatcherError):
    """A problem with the command's arguments or files that the user can fix."""


class FileError(MatcherError):
    """The problems found in one input file (participants or decisions)."""

    def __init__(self, path: Path, issues: Sequence[Issue]) -> None:
        self.path = path
        self.issues = tuple(issues)
        super().__init__(f"{path}: {plural(len(self.issues), 'problem')}")


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn an :class:`IntakeError` raised while reading ``path`` into :class:`FileError`."""
    try:
        yield
    except IntakeError as exc:
        raise FileError(path, exc.issues) from None


def _cell(value: object) -> str:
    """Text of a table cell: scores with two decimals, missing values empty."""
    if isinstance(value, float):
        return "" if pd.isna(value) else f"{value:.2f}"
    return str(value)


def _table(frame: pd.DataFrame) -> str:
    """Render a frame as left-aligned text columns under a header and a rule."""
    cells = [[str(c) for c in frame.columns]]
    cells += [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    cells.insert(1, ["-" * w for w in widths])
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def format_issues(issues: Sequence[Issue]) -> str:
    """Render problems as a table: row, column, value and what to do.

    Examples
    --------
    >>> print(format_issues([Issue(3, "role", "mentr", "unknown role; write mentor")]))
    row  column  value  problem and fix
    ---  ------  -----  --------------------------
    3    role    mentr  unknown role; write mentor
    """

    def shorten(text: str) -> str:
        return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"

    frame = pd.DataFrame(
        [
            (
                str(i.row) if i.row else "file",
                i.column,
                shorten(i.value),
                i.message if i.severity == "error" else f"warning: {i.message}",
            )
            for i in issues
        ],
        columns=["row", "column", "value", "problem and fix"],
    )
    return _table(frame)


def _say(args: argparse.Namespace, text: str, stream: TextIO | None = None) -> None:
    """Print unless ``--quiet``."""
    if not args.quiet:
        print(text, file=stream or sys.stdout)


@contextmanager
def _timed(timings: dict[str, float], step: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    timings[step] = time.perf_counter() - started


class ProgressBars:
    """Progress on stderr: a tqdm bar per step the engine reports, and an elapsed-time
    counter for a step that reports nothing until it ends (reading, solving, writing).

    Used as the engine's ``progress(step, done, total)`` callback. Nothing shows for a
    step that ends within :data:`PROGRESS_DELAY_SECONDS`. When stderr is not a terminal
    (a log file, a pipe), bars would leave carriage-return frames there: each finished step
    prints one line with its time instead (see :class:`StepLines`).
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bars: dict[str, tqdm] = {}
        self.clock: tuple[tqdm, threading.Event, threading.Thread] | None = None
        self.compiling_since: float | None = None

    def _bar(self, step: str, total: int | None, **options: object) -> tqdm:
        return tqdm(
            total=total, desc=step, file=sys.stderr, leave=False, dynamic_ncols=True, **options
        )

    def wait(self, step: str) -> None:
        """Show the time spent in ``step`` until the next report (or :meth:`close`)."""
        self._stop_clock()
        if not self.enabled:
            return
        bar = self._bar(step, None, bar_format="{desc}: {elapsed}", delay=float("inf"))
        stop = threading.Event()

        def tick() -> None:
            if stop.wait(PROGRESS_DELAY_SECONDS):
                return
            while not stop.wait(CLOCK_SECONDS):
                bar.refresh()

        thread = threading.Thread(target=tick, daemon=True)
        thread.start()
        self.clock = (bar, stop, thread)

    def _stop_clock(self) -> None:
        if self.clock is not None:
            bar, stop, thread = self.clock
            stop.set()
            thread.join()
            bar.close()
            self.clock = None

    def __call__(self, step: str, done: int, total: int) -> None:
        self._stop_clock()
        if not self.enabled:
            return
        self._note_compiling(step, done, total)
        bar = self.bars.get(step)
        if bar is None:
            bar = self.bars[step] = self._bar(step, total, delay=PROGRESS_DELAY_SECONDS)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()
            if step in ENGINE_STEPS[:-1]:
                self.wait(ENGINE_STEPS[ENGINE_STEPS.index(step) + 1])

    def _note_compiling(self, step: str, done: int, total: int) -> None:
        """A line when the engine starts compiling its kernels, and one with the time it
        took when they are built."""
        from matcher.engine import COMPILE_STEP

        if step != COMPILE_STEP:
            return
        if self.compiling_since is None:
            self.compiling_since = time.perf_counter()
            tqdm.write(
                "mentorloom: compiling the matching engine for big cohorts; this happens once "
                "and takes about a minute",
                file=sys.stderr,
            )
        if done >= total:
            seconds = time.perf_counter() - self.compiling_since
            tqdm.write(f"mentorloom: compiled the matching engine in {seconds:.1f} s; {_kept()}",
                       file=sys.stderr)  # fmt: skip

    def close(self) -> None:
        """Stop the clock and remove every bar."""
        self._stop_clock()
        for bar in self.bars.values():
            bar.close()


class StepLines(ProgressBars):
    """Progress for a stderr that is not a terminal: one line per finished step, with the
    time it took (``mentorloom: solve 1.42 s``); nothing is redrawn."""

    def __init__(self, enabled: bool) -> None:
        super().__init__(enabled)
        #: The step under way and when it started.
        self.step: tuple[str, float] | None = None
        #: The step compiling interrupted, and how long it had run.
        self.paused: tuple[str, float] | None = None

    def _finish(self) -> None:
        if self.step is not None:
            name, started = self.step
            self.step = None
            if self.enabled:
                seconds = time.perf_counter() - started
                print(f"mentorloom: {name} {seconds:.2f} s", file=sys.stderr, flush=True)

    def wait(self, step: str) -> None:
        """Finish the step under way and start ``step``."""
        self._finish()
        self.step = (step, time.perf_counter())

    def __call__(self, step: str, done: int, total: int) -> None:
        from matcher.engine import COMPILE_STEP

        if step == COMPILE_STEP:  # its own two lines say when it starts and how long it took
            if self.step is not None:
                name, started = self.step
                self.paused, self.step = (name, time.perf_counter() - started), None
            if self.enabled:
                self._note_compiling(step, done, total)
            return
        if self.paused is not None:  # go on with the step compiling interrupted
            name, ran = self.paused
            self.paused = None
            if name == step:
                self.step = (step, time.perf_counter() - ran)
        if self.step is None or self.step[0] != step:
            self.wait(step)
        if done >= total:
            self._finish()
            if step in ENGINE_STEPS[:-1]:
                self.wait(ENGINE_STEPS[ENGINE_STEPS.index(step) + 1])

    def close(self) -> None:
        """Print the line of the step under way."""
        self._finish()


@contextmanager
def _progress(args: argparse.Namespace, first_step: str) -> Iterator[ProgressBars]:
    """Progress display for one command, starting with a counter for ``first_step``: bars
    on a terminal, a line per finished step elsewhere."""
    kind = ProgressBars if sys.stderr.isatty() else StepLines
    bars = kind(enabled=not args.quiet)
    bars.wait(first_step)
    try:
        yield bars
    finally:
        bars.close()


def _load(args: argparse.Namespace, questions: tuple[Question, ...] = ()) -> IntakeResult:
    """Read the participants; with ``--skip-invalid`` report the rows left out.

    A problem with the file as a whole (e.g. a missing column) stops the command even
    with ``--skip-invalid``: there are no good rows to keep.
    """
    with _reading(args.file):
        result = load_participants(args.file, skip_invalid=args.skip_invalid, questions=questions)
    if _file_level(result):
        raise FileError(args.file, result.errors)
    if result.errors:
        rows = sorted(result.invalid_rows)
        print(
            f"{args.file}: skipped {plural(len(rows), 'invalid row')} "
            f"({', '.join(map(str, rows))}) "
            f"because of these problems:\n{format_issues(result.errors)}\n",
            file=sys.stderr,
        )
    return result


def _file_level(result: IntakeResult) -> bool:
    """True when an error concerns the whole file rather than some rows."""
    return any(issue.row not in result.invalid_rows for issue in result.errors)


def _decisions(path: Path | None) -> tuple[Decision, ...]:
    from matcher.decisions import load_decisions

    if path is None:
        return ()
    with _reading(path):
        return load_decisions(path)


def _write_all(outputs: dict[str, pd.DataFrame], out: Path) -> None:
    """Create the folder ``out`` and write each frame there under its file name."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create the folder {out}: {exc.strerror or exc}") from None
    for name, frame in outputs.items():
        _write(frame, out / name)


def _write(frame: pd.DataFrame, path: Path) -> None:
    try:
        write_csv(frame, path)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _cmd_validate(args: argparse.Namespace) -> int:
    questions = load_config(args.config).questions
    with _progress(args, "read"), _reading(args.file):
        result = load_participants(args.file, skip_invalid=True, questions=questions)
    people = len(result.participants)
    if result.issues:
        errors, warnings = len(result.errors), len(result.warnings)
        print(f"{args.file}: {plural(errors, 'error')}, {plural(warnings, 'warning')}")
        print(format_issues(result.issues))
    if _file_level(result):
        print("\nThe file needs fixing before matching.")
        return EXIT_BAD_INPUT
    if result.errors:
        bad = len(result.invalid_rows)
        print(
            f"\n{plural(bad, 'row')} {agree(bad, 'needs', 'need')} fixing before matching; "
            f"{people} {agree(people, 'is', 'are')} fine."
        )
        return EXIT_BAD_INPUT
    roles = ", ".join(
        f"{n} {r.value}" if r == Role.BOTH else plural(n, r.value)
        for r, n in _role_counts(result).items()
    )
    print(f"{args.file}: {plural(people, 'person', 'people')} ({roles}) ready to match.")
    return EXIT_OK


def _role_counts(result: IntakeResult) -> dict[Role, int]:
    return {r: sum(p.role == r for p in result.participants) for r in Role}


def _cmd_match(args: argparse.Namespace) -> int:
    from matcher.engine import propose
    from matcher.summary import summarize
    from matcher.supply import supply_text

    timings: dict[str, float] = {}
    with _progress(args, "read") as progress:
        with _timed(timings, "read"):
            config = load_config(args.config)
            decisions = _decisions(args.decisions)
            participants = _load(args, config.questions).participants
        progress.wait(ENGINE_STEPS[0])
        proposal = propose(
            participants, config, decisions, with_scores=args.scores, progress=progress
        )
        outputs = {"matches.csv": proposal.matches, "unmatched.csv": proposal.unmatched}
        if proposal.scores is not None:
            outputs["scores.csv"] = proposal.scores
        with _timed(timings, "write"):
            progress.wait("write")
            _write_all(outputs, args.out_dir)
    out = args.out_dir
    summary = summarize(participants, proposal, config).with_timings(**timings)
    _say(args, summary.to_text())
    if gaps := supply_text(participants, proposal.matches, proposal.unmatched):
        _say(args, f"\n{gaps}")
    written = ", ".join(
        f"{out / name} ({plural(len(frame), 'row')})" for name, frame in outputs.items()
    )
    _say(args, f"\nwrote {written}")
    return EXIT_OK


def _kept() -> str:
    """Where the compiled kernels are kept (see :mod:`matcher.kernels`)."""
    from matcher.kernels import cache_folder

    folder = cache_folder()
    if folder is None:
        return "not kept: numba has no writable cache folder (set NUMBA_CACHE_DIR) or is off"
    return f"kept in {folder} for later runs"


def _cmd_compile(args: argparse.Namespace) -> int:
    from matcher.kernels import ENTRIES, compile_kernels

    with _progress(args, "loading") as progress:
        seconds = compile_kernels(partial(progress, "compiling"))
    if seconds:
        _say(args, f"compiled the {len(ENTRIES)} kernels of the matching engine in "
                   f"{seconds:.1f} s; {_kept()}")  # fmt: skip
    else:
        _say(args, f"the matching engine is compiled already; {_kept()}")
    return EXIT_OK


def _cmd_explain(args: argparse.Namespace) -> int:
    from matcher.engine import propose
    from matcher.mentee import explain_mentee

    with _progress(args, "read") as progress:
        config = load_config(args.config)
        decisions = _decisions(args.decisions)
        participants = _load(args, config.questions).participants
        person = next((p for p in participants if p.email == args.mentee.strip().lower()), None)
        if person is None:
            raise UsageError(
                f"no participant has the e-mail {args.mentee} in {args.file}: check the spelling"
            )
        if not person.is_mentee:
            raise UsageError(
                f"{person.name} <{person.email}> does not seek a mentor: give a mentee's e-mail"
            )
        proposal = propose(participants, config, decisions, progress=progress)
        found = explain_mentee(
            participants, person.email, config, decisions, proposal=proposal, top=args.top
        )
    print(_explanation_text(person, found))
    return EXIT_OK


def _alternatives_heading(mentor_type: MentorType, outcomes: Sequence[str]) -> str:
    """The heading of one type's alternatives, counting the rows it heads.

    >>> _alternatives_heading(MentorType.EXPERTISE, ["blocked", "matched", "lower score"])
    'expertise: the match and the 2 best other candidates, and why'
    >>> _alternatives_heading(MentorType.SPONSORSHIP, ["blocked"])
    'sponsorship: the 1 best candidate and why'
    """
    count = sum(outcome != "matched" for outcome in outcomes)
    if "matched" in outcomes:
        others = plural(count, "best other candidate")
        return f"{mentor_type.value}: the match and the {others}, and why"
    return f"{mentor_type.value}: the {plural(count, 'best candidate')} and why"


def _explanation_text(person: Participant, found: MenteeExplanation) -> str:
    """The text ``explain`` prints: matches, open requests, alternatives per type."""
    seeks = ", ".join(t.value for t in person.seeks)
    lines = [f"{person.name} <{person.email}> seeks: {seeks}", ""]
    if len(found.matches):
        matched = found.matches[["mentor_type", "mentor_name", "mentor_email", "score", "reasons"]]
        lines += ["matched", _table(matched), ""]
    if len(found.unmatched):
        lines += ["not matched", _table(found.unmatched[["mentor_type", "reason"]]), ""]
    columns = ["rank", "mentor_name", "mentor_email", "score", "outcome", "why"]
    for mentor_type in person.seeks:
        rows = found.alternatives[found.alternatives["mentor_type"] == mentor_type.value]
        lines.append(_alternatives_heading(mentor_type, rows["outcome"].tolist()))
        lines += [_table(rows[columns]) if len(rows) else "nobody offers this type", ""]
    return "\n".join(lines).rstrip()


def _cmd_sample(args: argparse.Namespace) -> int:
    from matcher.synthetic import generate_cohort

    try:
        with _progress(args, "generate"):
            cohort = generate_cohort(args.people, seed=args.seed, organizations=args.organizations)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if str(args.output) == "-":
        write_csv(cohort, sys.stdout.buffer)
    else:
        _write(cohort, args.output)
        _say(args, f"wrote {plural(len(cohort), 'person', 'people')} to {args.output}", sys.stderr)
    return EXIT_OK


def _cmd_config(args: argparse.Namespace) -> int:
    if args.check:
        load_config(args.check)
        print(f"{args.check}: a valid program config")
    else:
        sys.stdout.write(default_config_toml())
    return EXIT_OK


def _common_options(defaults: bool) -> argparse.ArgumentParser:
    """``--quiet`` and ``--debug``, accepted before and after the subcommand."""
    common = argparse.ArgumentParser(add_help=False)
    default = False if defaults else argparse.SUPPRESS
    common.add_argument(
        "-q", "--quiet", action="store_true", default=default,
        help="no progress bars or summary; problems are still reported",
    )  # fmt: skip
    common.add_argument(
        "--debug", action="store_true", default=default,
        help="show the traceback of an internal error",
    )  # fmt: skip
    return common


def _input_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="participants CSV file")
    parser.add_argument("--config", type=Path, help="program config (TOML); defaults if omitted")
    parser.add_argument(
        "--decisions", type=Path,
        help="review decisions CSV: mentee_email, mentor_email, mentor_type, decision "
        "(lock keeps a pair, reject never proposes it again for that type, never never "
        "pairs the two again for any type)",
    )  # fmt: skip
    parser.add_argument(
        "--skip-invalid", action="store_true",
        help="leave out rows with errors (each one is reported) instead of stopping",
    )  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    """Build the ``mentorloom`` argument parser with its six subcommands.

    Examples
    --------
    >>> args = build_parser().parse_args(["match", "people.csv", "--scores", "-q"])
    >>> args.command, str(args.file), args.scores, args.quiet, str(args.out_dir)
    ('match', 'people.csv', True, True, '.')
    """
    parser = argparse.ArgumentParser(
        prog="mentorloom",
        description="Match mentees with mentors across four mentor types, and explain why.",
        epilog="exit codes: 0 ok, 2 bad input (explained), 1 internal error (use --debug)",
        parents=[_common_options(defaults=True)],
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = [_common_options(defaults=False)]

    validate = sub.add_parser(
        "validate", parents=common, help="check a participants CSV and list every problem"
    )
    validate.add_argument("file", type=Path, help="participants CSV file")
    validate.add_argument(
        "--config", type=Path, help="program config TOML: its questions' columns are checked too"
    )
    validate.set_defaults(handler=_cmd_validate)

    match = sub.add_parser(
        "match", parents=common, help="match a cohort; write matches.csv and unmatched.csv"
    )
    _input_options(match)
    match.add_argument(
        "-o", "--out-dir", type=Path, default=Path("."), help="folder for the CSV files (.)"
    )
    match.add_argument(
        "--scores", action="store_true",
        help="also write scores.csv: every feasible triple with its score, for audits",
    )  # fmt: skip
    match.set_defaults(handler=_cmd_match)

    explain = sub.add_parser(
        "explain", parents=common, help="why a mentee got their mentors, and the alternatives"
    )
    _input_options(explain)
    explain.add_argument("--mentee", required=True, help="e-mail of the mentee to explain")
    explain.add_argument(
        "--top", type=int, default=5, help="alternatives per type besides the match (5)"
    )
    explain.set_defaults(handler=_cmd_explain)

    sample = sub.add_parser("sample", parents=common, help="write a realistic synthetic cohort CSV")
    sample.add_argument("--people", type=int, default=150, help="number of people (150)")
    sample.add_argument("--seed", type=int, default=0, help="random seed (0)")
    sample.add_argument("--organizations", type=int, default=1, help="organizations, 1 to 4 (1)")
    sample.add_argument(
        "-o", "--output", type=Path, default=Path("-"), help="output CSV file (- for stdout)"
    )
    sample.set_defaults(handler=_cmd_sample)

    config = sub.add_parser("config", parents=common, help="print or check a program config")
    what = config.add_mutually_exclusive_group(required=True)
    what.add_argument(
        "--defaults", action="store_true", help="print the default program.toml with comments"
    )
    what.add_argument("--check", type=Path, metavar="FILE", help="check a program.toml")
    config.set_defaults(handler=_cmd_config)

    compile_ = sub.add_parser(
        "compile", parents=common,
        help="compile the matching engine for big cohorts now, into numba's cache "
        "(else their first run does)",
    )  # fmt: skip
    compile_.set_defaults(handler=_cmd_compile)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code.

    Examples
    --------
    >>> main(["config", "--defaults"]) == 0  # doctest: +ELLIPSIS
    # mentorloom program config: ...
    True
    """
    args = build_parser().parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except FileError as exc:
        print(f"mentorloom: {exc.path}: nothing was matched or written because of these "
              f"problems:\n{format_issues(exc.issues)}", file=sys.stderr)  # fmt: skip
        return EXIT_BAD_INPUT
    except MatcherError as exc:
        print(f"mentorloom: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("mentorloom: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader stopped early (``| head``): stop quietly, as cat does
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        print(
            f"mentorloom: internal error ({type(exc).__name__}: {exc}). This is a bug: please "
            "report it; run again with --debug to see the traceback.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
