"""Warm re-runs against runs from scratch, side by side: engine seconds after 1 and 20 decisions.

For each size, a ``mentorloom sample`` cohort (seed 1) is matched once with
:func:`matcher.rerun`, which leaves its :class:`matcher.WarmState`; the decisions are
rejections of proposed pairs spread over the first proposal (what an admin rejects on
the review page). Then, for 1 and for 20 of them, the run from scratch
(``propose(people, config, decisions)``) and the warm re-run (``rerun(..., warm=state)``)
take turns, ``--repeats`` times each (cold, warm, cold, warm, ...), and the table gives
their medians, the ratio warm / cold of the medians, and whether every warm proposal's
tables were byte for byte those of the run from scratch. The state's size in memory
and pickled (as :mod:`webapp.warm_runs` keeps it), and the seconds to pickle and load it,
are measured too::

    .venv/bin/python -m benchmarks.rerun --sizes 10000 50000 --repeats 3

The machine's other load moves absolute seconds: quote the ratios.
"""

from __future__ import annotations

import argparse
import gc
import pickle
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.run import sample
from matcher import (
    Decision,
    MentorType,
    Proposal,
    load_participants,
    propose,
    rerun,
    to_csv_bytes,
)
from matcher.kernels import compile_kernels

COUNTS = (1, 20)


def tables(proposal: Proposal) -> list[bytes]:
    return [to_csv_bytes(t) for t in (proposal.matches, proposal.unmatched, proposal.breakdown)]


def rejections(proposal: Proposal, count: int) -> list[Decision]:
    """Rejections of ``count`` proposed pairs spread evenly over the proposal."""
    rows = proposal.matches.iloc[:: max(1, len(proposal.matches) // count)].head(count)
    return [
        Decision(r.mentee_email, r.mentor_email, MentorType(r.mentor_type), "reject")
        for r in rows.itertuples()
    ]


def timed(run):
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def measure(people: int, folder: Path, repeats: int) -> list[str]:
    """Table rows of one size: per count of decisions, cold and warm medians."""
    participants = load_participants(sample(people, folder).read_bytes()).participants
    first_seconds, (first, state) = timed(lambda: rerun(participants))
    pickle_seconds, data = timed(lambda: pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))
    gc.disable()  # as webapp.warm_runs reads it
    load_seconds, _ = timed(lambda: pickle.loads(data))
    gc.enable()
    print(
        f"{people:,}: first run {first_seconds:.2f} s, state {state.nbytes / 2**20:.0f} MiB "
        f"in memory, {len(data) / 2**20:.0f} MiB pickled ({pickle_seconds:.2f} s to write, "
        f"{load_seconds:.2f} s to read)",
        flush=True,
    )
    rows = []
    for count in COUNTS:
        decisions = rejections(first, count)
        cold_times, warm_times, same = [], [], True
        for _ in range(repeats):
            cold_seconds, cold = timed(lambda d=decisions: propose(participants, None, d))
            warm_seconds, (warm, _) = timed(
                lambda d=decisions: rerun(participants, None, d, warm=state)
            )
            cold_times.append(cold_seconds)
            warm_times.append(warm_seconds)
            same &= tables(warm) == tables(cold)
        cold_median, warm_median = statistics.median(cold_times), statistics.median(warm_times)
        rows.append(
            f"| {people:,} | {count} | {cold_median:.2f} | {warm_median:.2f} | "
            f"{warm_median / cold_median:.2f} | {'yes' if same else 'NO'} | "
            f"{len(data) / 2**20:.0f} MiB, {load_seconds:.2f} s |"
        )
        print(rows[-1], flush=True)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    compile_kernels(None)
    header = [
        "| people | decisions | from scratch s | warm s | warm / scratch | identical "
        "| state pickled, read s |",
        "|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as folder:
        rows = [row for people in args.sizes for row in measure(people, Path(folder), args.repeats)]
    print("\n".join(header + rows))


if __name__ == "__main__":
    main()
