"""A newcomer's first runs: a fresh virtualenv, ``pip install``, then the first and second
``mentorloom match`` of the sample and of a bigger cohort, and the demo's first "Run
matching" in the web app.

Nothing is warmed up: the new virtualenv has numba's cache beside the installed code
(``site-packages/matcher/__pycache__``), empty until something compiles. Steps, in order:

1. ``pip install SOURCE[web]`` into a new virtualenv (from the configured package index;
   what the package needs of SOURCE is copied first, so that nothing is written there);
2. the web demo as ``scripts/demo.sh`` sets it up (``flask db upgrade``, ``load-demo``),
   served by ``flask run``: an admin logs in and presses "Run matching"; the time from
   that POST until the run page says done, for the server's first run and its second;
3. ``mentorloom match`` of ``sample_data/participants.csv`` (150 people), twice;
4. ``mentorloom match`` of a ``mentorloom sample`` cohort (``--people``, 5,000 by default),
   twice: the first compiles the engine and says so (its line on stderr is kept);
5. ``mentorloom compile`` once everything is compiled.

Wall time of each command (the machine may be shared: CPU time of the process is given
too)::

    .venv/bin/python -m benchmarks.first_run                   # this checkout
    .venv/bin/python -m benchmarks.first_run --source /work/main --label "before"
    .venv/bin/python -m benchmarks.first_run --write           # into docs/performance.md

With ``--write`` the table replaces its block (``--label``, default "after") in the
section "First run after pip install" of ``docs/performance.md``, after the line that
``benchmarks/run.py`` keeps.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests

from benchmarks.doc_blocks import write_block

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "performance.md"
HEADING = "## First run after pip install"
SAMPLE = ROOT / "sample_data" / "participants.csv"
PROGRAM = ROOT / "sample_data" / "program.toml"
EMAIL, PASSWORD = "bench@example.org", "first-run-bench-password"


@dataclass(frozen=True)
class Timed:
    """One command: what it was, its wall and CPU seconds, and a note."""

    what: str
    wall: float
    cpu: float | None = None
    note: str = ""


def run(command: list[str], env: dict[str, str], what: str, cwd: Path) -> tuple[Timed, str]:
    """Run ``command`` in ``cwd``; its timing and its stderr (it must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if what:
        print(f"{what}: {wall:.2f} s (CPU {cpu:.2f} s)", flush=True)
    return Timed(what, wall, cpu), done.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)[1]


def web_runs(bin_dir: Path, env: dict[str, str], folder: Path) -> list[Timed]:
    """The demo of scripts/demo.sh, served by ``flask run``; the first and second run.

    Every command runs in ``folder``: ``flask --app webapp`` imports from the current
    folder first, which must not be a checkout (its code, not the installed one, would
    run)."""
    env = {
        **env,
        "MENTORLOOM_INSTANCE_PATH": str(folder / "instance"),
        "MENTORLOOM_MIGRATIONS_DIR": str(folder / "source" / "migrations"),  # as in the image
    }
    flask = [str(bin_dir / "flask"), "--app", "webapp"]
    for command in (
        ["db", "upgrade"],
        ["load-demo", str(SAMPLE), "--config", str(PROGRAM)],
        ["create-admin", EMAIL, "--password", PASSWORD],
    ):
        subprocess.run([*flask, *command], env=env, cwd=folder, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [*flask, "run", "--port", str(port)],
        env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        session = requests.Session()
        for _ in range(600):
            try:
                page = session.get(f"{base}/auth/login", timeout=5).text
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        login = {"email": EMAIL, "password": PASSWORD, "csrf_token": csrf(page)}
        session.post(f"{base}/auth/login", data=login, timeout=30)
        return [press_run(session, base, which) for which in ("first", "second")]
    finally:
        server.terminate()
        server.wait(timeout=30)


def press_run(session: requests.Session, base: str, which: str) -> Timed:
    """Press "Run matching" of program 1 and wait until its page says done."""
    runs = f"{base}/programs/1/runs/"
    token = csrf(session.get(runs, timeout=30).text)
    started = time.perf_counter()
    answer = session.post(runs, data={"csrf_token": token}, allow_redirects=False, timeout=30)
    page_url = urljoin(runs, answer.headers["Location"])
    while 'class="status done"' not in (page := session.get(page_url, timeout=30).text):
        if 'class="status failed"' in page:
            raise SystemExit(f"the {which} web run failed")
        time.sleep(0.1)
    wall = time.perf_counter() - started
    print(f"web {which} run: {wall:.2f} s", flush=True)
    return Timed(f'web demo (150 people): the new server\'s {which} "Run matching"', wall)


def copy_package(source: Path, folder: Path) -> Path:
    """What ``pip install`` reads of ``source`` and the migrations (as the Dockerfile copies
    them), in ``folder``."""
    target = folder / "source"
    target.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(source / name, target / name)
    for name in ("matcher", "webapp", "migrations"):
        shutil.copytree(source / name, target / name, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def measure(source: Path, people: int, folder: Path) -> list[Timed]:
    source = copy_package(source, folder)
    venv = folder / "venv"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "VIRTUAL_ENV"))}
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / "bin"
    env["PATH"] = f"{bin_dir}:{env.get('PATH', '/usr/bin:/bin')}"
    pip = [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", f"{source}[web]"]
    rows = [run(pip, env, "pip install (new virtualenv)", folder)[0]]
    rows += web_runs(bin_dir, env, folder)
    cli = str(bin_dir / "mentorloom")
    out = folder / "out"
    sample = [cli, "match", str(SAMPLE), "--config", str(PROGRAM), "--out-dir", str(out), "-q"]
    for which in ("first", "second"):
        what = f"`mentorloom match` of the sample (150 people), {which}"
        rows.append(run(sample, env, what, folder)[0])
    cohort = folder / f"cohort_{people}.csv"
    run([cli, "sample", "--people", str(people), "--seed", "1", "-o", str(cohort)], env, "", folder)
    big = [cli, "match", str(cohort), "--out-dir", str(out)]
    for which in ("first", "second"):
        timed, stderr = run(big, env, f"`mentorloom match` of {people:,} people, {which}", folder)
        said = re.findall(r"mentorloom: compil[^\r\n]*", stderr)
        rows.append(Timed(timed.what, timed.wall, timed.cpu, " / ".join(said) or "nothing"))
    commands = subprocess.run([cli, "--help"], env=env, capture_output=True, text=True).stdout
    if "compile" in commands:  # not before this branch
        rows.append(run([cli, "compile"], env, "`mentorloom compile`, again", folder)[0])
    return rows


def table(rows: list[Timed], label: str, source: Path) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load = os.getloadavg()[0]
    lines = [
        f"**{label}** ({source}): {stamp}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, load average {load:.1f} at the end.",
        "",
        "| step | wall s | CPU s | said on stderr |",
        "|---|---|---|---|",
    ]
    for row in rows:
        cpu = f"{row.cpu:.2f}" if row.cpu is not None else "–"
        note = re.sub(r" kept in \S+", " kept in numba's cache", row.note)
        lines.append(f"| {row.what} | {row.wall:.2f} | {cpu} | {note} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout to install")
    parser.add_argument("--people", type=int, default=5_000, help="the bigger cohort")
    parser.add_argument("--label", default="after", help="name of the table")
    parser.add_argument("--write", action="store_true", help="into docs/performance.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="first_run_") as tmp:
        rows = measure(args.source.resolve(), args.people, Path(tmp))
    text = table(rows, args.label, args.source)
    print(text)
    if args.write:
        write_block(DOC, "first_run", HEADING, args.label, text)


if __name__ == "__main__":
    main()
