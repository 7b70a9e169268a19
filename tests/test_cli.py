"""The installed ``mentorloom`` console script, run in a subprocess as a user would."""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from benchmarks.script import mentorloom_command
from matcher import cli
from matcher.csv_io import FORMULA_PREFIXES

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_data"
PEOPLE = SAMPLE / "participants.csv"
BROKEN = SAMPLE / "broken.csv"
PROGRAM = SAMPLE / "program.toml"
BOM = "\ufeff"
MATCH_COLUMNS = [
    "mentee_email", "mentee_name", "mentor_email", "mentor_name", "mentor_type", "score", "reasons",
]  # fmt: skip
UNMATCHED_COLUMNS = ["mentee_email", "mentee_name", "mentor_type", "reason"]
SCORE_COLUMNS = ["mentee_email", "mentor_email", "mentor_type", "score"]
STEPS = ["read", "rules", "scores", "solve", "explain", "write"]


def run(*args: object, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run the console script; output is decoded as UTF-8 text."""
    return subprocess.run(
        [*mentorloom_command(), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
        check=False,
    )


def read_output(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    assert raw.startswith(BOM.encode()), f"{path.name} has no UTF-8 BOM"
    return pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def sample_match(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("match")
    result = run("match", PEOPLE, "--config", PROGRAM, "--out-dir", out, "--scores")
    assert result.returncode == 0, result.stderr
    return out, result.stdout


def test_help_lists_every_command_and_the_exit_codes() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("validate", "match", "explain", "sample", "config"):
        assert command in result.stdout
    assert "0 ok, 2 bad input" in result.stdout


def test_python_dash_m_runs_the_same_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "matcher.cli", "config", "--defaults"],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0
    assert result.stdout == run("config", "--defaults").stdout


def test_unknown_arguments_are_bad_input() -> None:
    result = run("match")
    assert result.returncode == 2
    assert "the following arguments are required: file" in result.stderr


def test_validate_a_good_file_exits_0() -> None:
    result = run("validate", PEOPLE)
    assert result.returncode == 0, result.stdout
    assert "150 people (70 mentees, 47 mentors, 33 both) ready to match." in result.stdout


def test_validate_lists_every_problem_with_row_column_value_and_fix() -> None:
    result = run("validate", BROKEN)
    assert result.returncode == 2
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["row", "column", "value", "problem", "and", "fix"]
    found = {tuple(line.split()[:2]) for line in lines[3:] if line[:1].isdigit()}
    expected = {("4", "email"), ("5", "email"), ("6", "role"), ("7", "capacity"),
                ("7", "offers"), ("9", "level"), ("10", "seeks"), ("10", "timezone")}  # fmt: skip
    assert expected <= found
    assert "did you mean 'mentor'?" in result.stdout
    assert "8 rows need fixing before matching; 2 are fine." in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_a_file_with_a_header_and_no_people_is_bad_input(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("email,name,role,seeks,offers\n", encoding="utf-8")
    for command in (("validate", empty), ("match", empty, "--out-dir", tmp_path / "out")):
        result = run(*command)
        assert result.returncode == 2, command
        assert "no people below it" in result.stdout + result.stderr
    assert not (tmp_path / "out").exists()


def test_validate_warns_about_every_ignored_column(tmp_path: Path) -> None:
    rows = [
        "First name;Last name;E-mail;Role;Seeks;Offers;Favourite colour;Sekks",
        "Ana;Lopez;ana@x.org;mentee;developmental;;blue;",
        "Bo;Berg;bo@x.org;mentor;;developmental;red;",
    ]
    (tmp_path / "people.csv").write_text("\n".join(rows), encoding="utf-8")
    result = run("validate", tmp_path / "people.csv")
    assert result.returncode == 0, result.stdout
    columns = re.findall(r"^file +(\S+(?: \S+)*)  ", result.stdout, re.MULTILINE)
    assert sorted(columns) == ["Favourite colour", "Sekks", "name"]
    assert "did you mean 'seeks'?" in result.stdout
    assert "made of 'First name' and 'Last name'" in result.stdout
    assert "2 people (1 mentee, 1 mentor, 0 both) ready to match." in result.stdout


def test_counts_of_one_are_singular(tmp_path: Path) -> None:
    header = "email,name,role,seeks,offers,Favourite colour"
    one = tmp_path / "one.csv"
    one.write_text(f"{header}\nana@x.org,Ana,mentee,developmental,,blue\n", encoding="utf-8")
    result = run("validate", one)
    assert f"{one}: 0 errors, 1 warning\n" in result.stdout
    assert f"{one}: 1 person (1 mentee, 0 mentors, 0 both) ready to match." in result.stdout
    bad = "bo@x.org,Bo,mentr,,developmental,red"
    two = tmp_path / "two.csv"
    two.write_text(f"{one.read_text()}{bad}\n", encoding="utf-8")
    result = run("validate", two)
    assert f"{two}: 1 error, 1 warning\n" in result.stdout
    assert "1 row needs fixing before matching; 1 is fine." in result.stdout
    result = run("match", two, "--out-dir", tmp_path / "out", "--skip-invalid")
    assert "skipped 1 invalid row (3)" in result.stderr
    assert "(1 row)" in result.stdout
    result = run("sample", "--people", "1", "-o", tmp_path / "sample.csv")
    assert "wrote 1 person to" in result.stdout + result.stderr


def test_validate_a_missing_file_is_bad_input_without_traceback(tmp_path: Path) -> None:
    result = run("validate", tmp_path / "nope.csv")
    assert result.returncode == 2
    assert "no such file" in result.stderr and "Traceback" not in result.stderr


def test_match_writes_the_contract_columns_and_prints_the_summary(
    sample_match: tuple[Path, str],
) -> None:
    out, stdout = sample_match
    matches = read_output(out / "matches.csv")
    unmatched = read_output(out / "unmatched.csv")
    scores = read_output(out / "scores.csv")
    assert list(matches.columns) == MATCH_COLUMNS
    assert list(unmatched.columns) == UNMATCHED_COLUMNS
    assert list(scores.columns) == SCORE_COLUMNS
    assert len(matches) > 100 and (matches["reasons"] != "").all()
    assert (unmatched["reason"] != "").all()
    assert set(matches["mentor_type"]) == {"developmental", "sponsorship", "generational",
                                           "expertise"}  # fmt: skip
    pairs = set(scores[SCORE_COLUMNS[:3]].itertuples(index=False, name=None))
    assert set(matches[SCORE_COLUMNS[:3]].itertuples(index=False, name=None)) <= pairs
    for heading in ("people", "requests", "mentor places", "scores", "wall time", "supply gaps"):
        assert any(line.startswith(heading) for line in stdout.splitlines()), heading
    assert f"supply gaps    behind {len(unmatched)} open requests\n" in stdout
    steps = [line.split()[0] for line in stdout.split("wall time")[1].splitlines()[1:] if line]
    assert steps[: len(STEPS)] == STEPS and steps[len(STEPS)] == "total"
    seconds = [float(line.split()[1]) for line in stdout.split("wall time")[1].splitlines()[1:8]]
    assert sum(seconds[:-1]) == pytest.approx(seconds[-1], abs=0.04)  # parts are not added
    assert f"{out / 'matches.csv'} ({len(matches)} rows)" in stdout


def test_match_without_scores_flag_writes_no_scores(tmp_path: Path) -> None:
    result = run("match", PEOPLE, "-o", tmp_path, "--quiet")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["matches.csv", "unmatched.csv"]
    assert result.stdout == "" and result.stderr == ""


def test_match_writes_nothing_when_the_input_has_errors(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("match", BROKEN, "--out-dir", out)
    assert result.returncode == 2
    assert not out.exists()
    assert "nothing was matched or written" in result.stderr
    assert "did you mean 'sponsorship'?" in result.stderr


def test_skip_invalid_reports_every_skipped_row_and_matches_the_rest(tmp_path: Path) -> None:
    result = run("match", BROKEN, "--out-dir", tmp_path, "--skip-invalid")
    assert result.returncode == 0, result.stderr
    assert "skipped 8 invalid rows (4, 5, 6, 7, 8, 9, 10, 11)" in result.stderr
    matches = read_output(tmp_path / "matches.csv")
    assert matches[["mentee_name", "mentor_name"]].values.tolist() == [["Hana Mori", "Ivo Novak"]]


def test_skip_invalid_cannot_skip_a_missing_column(tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text("email,name,seeks\nana@x.org,Ana,developmental\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run("match", people, "--skip-invalid", "-o", out)
    assert result.returncode == 2
    assert "required column 'role' is missing" in result.stderr
    assert not out.exists()
    checked = run("validate", people)
    assert checked.returncode == 2 and "The file needs fixing before matching." in checked.stdout


def test_explain_shows_the_match_and_why_each_alternative_was_not_chosen() -> None:
    result = run("explain", PEOPLE, "--config", PROGRAM, "--mentee", "LENA.VOGEL@loomworks.example")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("Lena Vogel <lena.vogel@loomworks.example> seeks: expertise")
    matched, alternatives = text.split(
        "expertise: the match and the 5 best other candidates, and why"
    )
    assert "Omar Haddad" in matched and "embedded firmware" in matched
    cells = [re.split(r"\s{2,}", line.strip()) for line in alternatives.splitlines()]
    rows = {c[1]: "  ".join(c) for c in cells if c[0].isdigit()}
    assert "matched" in rows["Omar Haddad"]
    assert rows["Jonas Weber"].endswith(
        "blocked  in the mentee's management chain (reports to Jonas Weber)"
    )
    assert rows["Anton Meier"].endswith("blocked  same manager (Jonas Weber)")


def test_explain_an_unknown_mentee_is_bad_input() -> None:
    result = run("explain", PEOPLE, "--mentee", "nobody@loomworks.example")
    assert result.returncode == 2
    assert "no participant has the e-mail nobody@loomworks.example" in result.stderr
    mentor = run("explain", PEOPLE, "--mentee", "omar.haddad@loomworks.example")
    assert mentor.returncode == 2 and "does not seek a mentor" in mentor.stderr


def _unproposed_triple(first: pd.DataFrame, scores: pd.DataFrame) -> tuple[str, str, str]:
    """The best-scoring feasible triple the first run did not propose, between two people
    it did not pair at all."""
    taken = set(zip(first["mentee_email"], first["mentor_email"], strict=True))
    chosen = set(first[SCORE_COLUMNS[:3]].itertuples(index=False, name=None))
    ranked = scores.sort_values("score", key=lambda s: -s.astype(float), kind="stable")
    for e, m, t in ranked[SCORE_COLUMNS[:3]].itertuples(index=False, name=None):
        if (e, m, t) not in chosen and (e, m) not in taken:
            return e, m, t
    raise AssertionError("no unproposed feasible triple in the sample")


def test_decisions_rerun_keeps_locks_and_never_reproposes_rejects(
    sample_match: tuple[Path, str], tmp_path: Path
) -> None:
    out, _ = sample_match
    first = read_output(out / "matches.csv")
    lock = _unproposed_triple(first, read_output(out / "scores.csv"))
    rejects = [tuple(r) for r in first[SCORE_COLUMNS[:3]].head(10).itertuples(index=False)]
    decisions = pd.DataFrame(
        [(*lock, "Lock"), *[(*r, "REJECT") for r in rejects]],
        columns=["mentee_email", "mentor_email", "mentor_type", "decision"],
    )
    decisions.to_csv(tmp_path / "decisions.csv", index=False)
    result = run(
        "match", PEOPLE, "--config", PROGRAM, "--decisions", tmp_path / "decisions.csv",
        "-o", tmp_path / "rerun", "-q",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    second = read_output(tmp_path / "rerun" / "matches.csv")
    triples = set(second[SCORE_COLUMNS[:3]].itertuples(index=False, name=None))
    assert lock in triples
    assert not triples & set(rejects)


def test_bad_decisions_file_is_reported_by_row(tmp_path: Path) -> None:
    path = tmp_path / "decisions.csv"
    path.write_text(
        "mentee_email,mentor_email,mentor_type,decision\n"
        "lena.vogel@loomworks.example,omar.haddad@loomworks.example,expertise,approve\n",
        encoding="utf-8",
    )
    result = run("match", PEOPLE, "--decisions", path, "-o", tmp_path / "out")
    assert result.returncode == 2
    assert f"{path}: nothing was matched" in result.stderr
    assert "2    decision" in result.stderr and "write lock" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_decision_naming_a_stranger_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "decisions.csv"
    path.write_text(
        "mentee_email,mentor_email,mentor_type,decision\n"
        "lena.vogel@loomworks.example,ghost@loomworks.example,expertise,lock\n",
        encoding="utf-8",
    )
    result = run("match", PEOPLE, "--decisions", path, "-o", tmp_path / "out")
    assert result.returncode == 2
    assert "ghost@loomworks.example" in result.stderr and "Traceback" not in result.stderr


def test_written_files_neutralise_formulas(tmp_path: Path) -> None:
    people = tmp_path / "people.csv"
    people.write_text(
        "email,name,role,seeks,offers,expertise_wanted,expertise\n"
        'ana@x.org,"=HYPERLINK(""http://evil.example"")",mentee,expertise,,@sum,\n'
        "bo@x.org,+Bo,mentor,,expertise,,-5; @sum\n",
        encoding="utf-8",
    )
    result = run("match", people, "-o", tmp_path, "--scores", "-q")
    assert result.returncode == 0, result.stderr
    for name in ("matches.csv", "unmatched.csv", "scores.csv"):
        raw = (tmp_path / name).read_bytes()
        assert raw.startswith(BOM.encode("utf-8")) and b"\r\n" in raw
        for row in csv.reader(io.StringIO(raw.decode("utf-8-sig"))):
            for cell in row:
                assert not cell.startswith(FORMULA_PREFIXES), (name, cell)
    matches = read_output(tmp_path / "matches.csv")
    assert matches.loc[0, "mentee_name"] == '\'=HYPERLINK("http://evil.example")'
    assert matches.loc[0, "mentor_name"] == "'+Bo"


def test_sample_is_deterministic_and_valid(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    assert run("sample", "--people", 300, "--seed", 9, "-o", first).returncode == 0
    assert run("sample", "--people", 300, "--seed", 9, "--output", second, "-q").returncode == 0
    assert run("sample", "--people", 300, "--seed", 10, "-o", other).returncode == 0
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    to_stdout = subprocess.run(
        [*mentorloom_command(), "sample", "--people", "300", "--seed", "9"],
        capture_output=True,
        check=False,
    )
    assert to_stdout.stdout == first.read_bytes()
    assert run("validate", first).returncode == 0
    assert len(read_output(first)) == 300


def test_sample_rejects_a_bad_size() -> None:
    result = run("sample", "--people", 0)
    assert result.returncode == 2 and "people must be at least 1" in result.stderr


def test_config_defaults_comment_every_key_and_check_a_file(tmp_path: Path) -> None:
    text = run("config", "--defaults").stdout
    tomllib.loads(text)
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if "=" in line and not line.startswith("#"):
            assert "#" in line or lines[i - 1].startswith("#"), line
    assert run("config", "--check", PROGRAM).returncode == 0
    bad = tmp_path / "bad.toml"
    bad.write_text('objective = "fastest"\n', encoding="utf-8")
    result = run("match", PEOPLE, "--config", bad, "-o", tmp_path / "out")
    assert result.returncode == 2
    assert "config key 'objective'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_unwritable_output_folder_is_bad_input(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    result = run("match", PEOPLE, "-o", blocker / "out", "-q")
    assert result.returncode == 2
    assert "cannot create the folder" in result.stderr


def test_internal_errors_exit_1_with_a_traceback_only_under_debug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "generate_cohort", broken, raising=False)
    monkeypatch.setattr("matcher.synthetic.generate_cohort", broken)
    assert cli.main(["sample", "--people", "5"]) == 1
    err = capsys.readouterr().err
    assert "internal error (RuntimeError: boom)" in err and "Traceback" not in err
    assert cli.main(["--debug", "sample", "--people", "5"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_explain_top_n_heads_exactly_the_rows_it_shows() -> None:
    """``--top 3``: the match and three others, and the heading says so."""
    result = run(
        "explain", PEOPLE, "--config", PROGRAM, "--mentee", "lena.vogel@loomworks.example",
        "--top", "3",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    _, alternatives = result.stdout.split(
        "expertise: the match and the 3 best other candidates, and why\n"
    )
    rows = [line for line in alternatives.splitlines() if line[:1].isdigit()]
    assert len(rows) == 4 and sum("  matched  " in row for row in rows) == 1


def test_progress_in_a_log_file_is_one_line_per_step_with_its_time(tmp_path: Path) -> None:
    """stderr here is a pipe, not a terminal: no carriage-return frames, a line per step."""
    result = run("match", PEOPLE, "--config", PROGRAM, "-o", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr
    lines = re.findall(r"^mentorloom: (.+) (\d+\.\d\d) s$", result.stderr, re.MULTILINE)
    assert [step for step, _ in lines] == ["read", "rules and scores", "solve", "explain", "write"]
    assert result.stderr.count("\n") == len(lines)


def test_compiling_pauses_the_step_it_interrupts(capsys: pytest.CaptureFixture[str]) -> None:
    from matcher.engine import COMPILE_STEP

    lines = cli.StepLines(enabled=True)
    lines.wait("rules and scores")
    lines(COMPILE_STEP, 0, 1)
    lines(COMPILE_STEP, 1, 1)
    lines("rules and scores", 5, 10)
    lines("rules and scores", 10, 10)
    lines.close()
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("mentorloom: compiling the matching engine")
    assert err[1].startswith("mentorloom: compiled the matching engine in")
    assert [line.rsplit(" ", 2)[0] for line in err[2:]] == [
        "mentorloom: rules and scores",
        "mentorloom: solve",
    ]


def test_a_reader_that_stops_early_gets_no_internal_error(tmp_path: Path) -> None:
    """``mentorloom match ... | head -3``: the files are written, the command stops quietly."""
    with subprocess.Popen(
        [*mentorloom_command(), "match", PEOPLE, "--config", PROGRAM, "-o", tmp_path],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # the reader is gone before the summary is printed
        stderr = proc.stderr.read().decode()
        assert proc.wait(timeout=300) == cli.EXIT_BROKEN_PIPE
    assert "internal error" not in stderr and "Traceback" not in stderr
    assert (tmp_path / "matches.csv").stat().st_size > 0
