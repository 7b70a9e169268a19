"""Big import: upload a synthetic participant file to gunicorn, preview it, import it.

Writes ``--people`` rows of ``mentorloom sample`` (only the ``--columns`` given), serves
the app with gunicorn on 127.0.0.1 (jobs in a thread of a gunicorn worker, or, with
``--redis``, on the RQ queue carried out by ``flask --app webapp worker``), and goes
through the pages as an admin would: upload, the preview page until the preview job is
done, confirm, the page until the import job is done. Prints the file size, the time of
each step, and the peak memory (VmHWM) of every gunicorn process and work horse.

    PYTHONPATH=. python benchmarks/import_big.py --people 200000
    PYTHONPATH=. python benchmarks/import_big.py --people 200000 \\
        --database postgresql+psycopg://postgres@127.0.0.1:5432/EMPTY_DB --redis redis://127.0.0.1:6379/0

Loopback only; a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.load_review import EMAIL, PASSWORD, new_program
from matcher.csv_io import to_csv_bytes
from matcher.synthetic import generate_cohort
from tests.web.gunicorn_server import ROOT, admin_session, app_environment, gunicorn

MEGABYTE = 1024 * 1024


def peak_memory(pid: int) -> int:
    """The most resident memory process ``pid`` has had so far, in bytes (0 once gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    kilobytes = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))
    return int(kilobytes) * 1024


def processes(matching: Callable[[str], bool]) -> list[int]:
    """The ids of the processes whose command line ``matching`` accepts."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if matching(command):
                found.append(int(entry.name))
    return found


class Peaks:
    """Samples the peak memory of the processes a function finds, ten times a second."""

    def __init__(self, find: Callable[[], list[int]]) -> None:
        self.find, self.peaks = find, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.1):
            for pid in self.find():
                self.peaks[pid] = max(self.peaks.get(pid, 0), peak_memory(pid))

    def stop(self) -> dict[int, int]:
        """Stop sampling; the peak of every process seen."""
        self._stop.set()
        self._thread.join()
        return self.peaks


def until_settled(session: object, url: str) -> str:
    """GET ``url`` every half second until its page shows no job's progress; the page."""
    while True:
        page = session.get(url, timeout=120).text  # type: ignore[attr-defined]
        if "data-job-progress" not in page:
            return page
        time.sleep(0.5)


def import_file(admin: object, url: str, content: bytes) -> dict[str, float]:
    """Upload, follow the preview, confirm, follow the import; seconds of each step."""
    started = time.perf_counter()
    sent = admin.post(  # type: ignore[attr-defined]
        url, files={"file": ("big.csv", content)}, allow_redirects=False, timeout=120
    )
    assert sent.status_code == 302, sent.text[:500]
    uploaded = time.perf_counter()
    show = url.split("/programs/")[0] + sent.headers["Location"]
    page = until_settled(admin, show)
    previewed = time.perf_counter()
    assert "Import " in page, page[-2000:]
    admin.post(show, allow_redirects=False, timeout=120)  # type: ignore[attr-defined]
    confirmed = time.perf_counter()
    page = until_settled(admin, show)
    imported = time.perf_counter()
    assert "Imported:" in page, page[-2000:]
    return {
        "upload request": uploaded - started,
        "preview job": previewed - uploaded,
        "confirm request": confirmed - previewed,
        "import job": imported - confirmed,
    }


@contextmanager
def served(
    database: str, instance: Path, workers: int, threads: int, redis: str | None
) -> Iterator[tuple[str, tuple[Peaks, Peaks]]]:
    """gunicorn serving the app on ``database`` and, with ``redis``, an RQ worker carrying
    out its jobs (else jobs run in a thread of a gunicorn worker): the base URL, and the
    peak memory samplers of the gunicorn processes and of the worker's, stopped on leaving."""
    settings = {"REDIS_URL": redis, "MENTORLOOM_RQ_QUEUE": f"big-{uuid.uuid4().hex[:8]}"}
    settings = settings if redis else {}
    worker = None
    if redis:
        command = [sys.executable, "-m", "flask", "--app", "webapp", "worker"]
        env = app_environment(database, instance, **settings)
        worker = subprocess.Popen(command, env=env, cwd=ROOT)
    try:
        with gunicorn(database, instance, workers=workers, threads=threads, **settings) as base:
            bind = base.removeprefix("http://")
            web = Peaks(lambda: processes(lambda command: f"--bind={bind}" in command))
            horses = Peaks(lambda: processes(lambda command: "webapp worker" in command))
            try:
                yield base, (web, horses)
            finally:
                web.stop()
                horses.stop()
    finally:
        if worker:
            worker.terminate()
            worker.wait(timeout=60)


def main() -> None:
    """Write the file, serve, upload, preview, import, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument(
        "--columns", default="email,name,role,seeks,offers", help='"" for every column'
    )
    parser.add_argument("--database", help="an empty database's URL (default: new SQLite)")
    parser.add_argument("--redis", help="a Redis URL: jobs go to an RQ worker")
    parser.add_argument(
        "--again", action="store_true", help="then import it again with every name changed"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="mentorloom-import-"))
    database = args.database or f"sqlite:///{instance / 'import.sqlite3'}"
    cohort = generate_cohort(args.people, seed=1)
    chosen = cohort[args.columns.split(",")] if args.columns else cohort
    content = to_csv_bytes(chosen)
    print(f"{args.people:,} rows, {len(content) / MEGABYTE:.1f} MB ({len(content):,} bytes)")
    _, program_id = new_program(database, instance, "Big import")
    with served(database, instance, args.workers, args.threads, args.redis) as (base, peaks):
        admin = admin_session(base, EMAIL, PASSWORD)
        url = f"{base}/programs/{program_id}/import/"
        steps = {"new": import_file(admin, url, content)}
        if args.again:
            renamed = to_csv_bytes(chosen.assign(name=chosen["name"] + " Jr"))
            steps["updated"] = import_file(admin, url, renamed)
    web_peaks, horse_peaks = (p.peaks for p in peaks)
    for rows, timings in steps.items():
        for step, seconds in timings.items():
            print(f"{rows:8} {step:16} {seconds:6.1f} s")
    for name, peaks in (("gunicorn", web_peaks), ("worker", horse_peaks)):
        for pid, peak in sorted(peaks.items()):
            print(f"peak memory of {name} process {pid}: {peak / MEGABYTE:,.0f} MB")


if __name__ == "__main__":
    main()
