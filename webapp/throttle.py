"""Log-in throttling: a wait that grows with each wrong password, never a lock-out.

Wrong passwords are counted under three keys: the **address** (any account), the
**account** (any address) and **both** (this account from this address). Each key lets
some failures pass (:data:`FREE`); after that, the next attempt under it must wait
``2 ** (failures - free - 1)`` seconds after its last failure, at most
:data:`MAX_DELAY`. A key forgets its failures :data:`FORGET_AFTER` seconds after the last
one; a right password forgets the *both* key.

The account key slows only addresses that have failed for that account: the right
password from an address with no failure for it is checked at once, so a stranger's wrong
passwords can never lock the owner out. An attempt that comes too early is answered with
the wait and its password is not checked (so it is not counted either).

Counts live where every worker sees them: in Redis when ``REDIS_URL`` is set, else in
the database (:class:`~webapp.models.LoginFailure`). Keys are keyed hashes
(:func:`webapp.digests.keyed_digest`), so neither store holds an address or an e-mail.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from webapp.db import db
from webapp.digests import keyed_digest
from webapp.models import LoginFailure
from webapp.ratelimit import redis_client

#: Failures each key lets pass before attempts under it must wait.
FREE = {"both": 5, "address": 20, "account": 20}
#: Longest wait, and how long after its last failure a key is forgotten (seconds).
MAX_DELAY = 15 * 60
FORGET_AFTER = 60 * 60
_REDIS_PREFIX = "mentorloom:login:"


def now() -> float:
    """The current time in seconds (tests move it instead of sleeping)."""
    return time.time()


def delay(failures: int, free: int) -> int:
    """Seconds an attempt must wait after the last of ``failures`` when ``free`` pass.

    >>> [delay(n, 5) for n in (0, 5, 6, 7, 10, 30)]
    [0, 0, 1, 2, 16, 900]
    """
    if failures <= free:
        return 0
    return min(MAX_DELAY, 2 ** min(failures - free - 1, 20))


def keys(email: str, address: str) -> dict[str, str]:
    """The counting key of each kind (see :data:`FREE`) for an attempt."""
    return {
        "both": keyed_digest(f"both:{email}\n{address}"),
        "address": keyed_digest(f"address:{address}"),
        "account": keyed_digest(f"account:{email}"),
    }


def _moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def _read_database(names: list[str], at: float) -> dict[str, tuple[int, float]]:
    query = select(LoginFailure.key, LoginFailure.failures, LoginFailure.last_failed_at).where(
        LoginFailure.key.in_(names), LoginFailure.last_failed_at >= _moment(at - FORGET_AFTER)
    )
    with db.engine.connect() as connection:
        rows = connection.execute(query).all()
    return {key: (n, last.replace(tzinfo=UTC).timestamp()) for key, n, last in rows}


def _count_in_database(names: list[str], at: float) -> None:
    """Add a failure to each key in one upsert; a forgotten key starts again at one."""
    table = LoginFailure.__table__
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    moment, forgotten = _moment(at), _moment(at - FORGET_AFTER)
    upsert = (
        dialect.insert(table)
        .values([{"key": key, "failures": 1, "last_failed_at": moment} for key in names])
        .on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "failures": case(
                    (table.c.last_failed_at < forgotten, 1), else_=table.c.failures + 1
                ),
                "last_failed_at": moment,
            },
        )
    )
    with db.engine.begin() as connection:
        connection.execute(upsert)
        connection.execute(delete(table).where(table.c.last_failed_at < forgotten))


def _forget_in_database(name: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(delete(LoginFailure.__table__).where(LoginFailure.key == name))


def _read_redis(names: list[str], at: float) -> dict[str, tuple[int, float]]:
    pipe = redis_client().pipeline()
    for name in names:
        pipe.hmget(_REDIS_PREFIX + name, "failures", "last")
    found = {}
    for name, (failures, last) in zip(names, pipe.execute(), strict=True):
        if failures is not None and float(last) >= at - FORGET_AFTER:
            found[name] = (int(failures), float(last))
    return found


def _count_in_redis(names: list[str], at: float) -> None:
    pipe = redis_client().pipeline()
    for name in names:
        pipe.hincrby(_REDIS_PREFIX + name, "failures", 1)
        pipe.hset(_REDIS_PREFIX + name, "last", repr(at))
        pipe.expire(_REDIS_PREFIX + name, FORGET_AFTER)
    pipe.execute()


def _forget_in_redis(name: str) -> None:
    redis_client().delete(_REDIS_PREFIX + name)


def _in_redis() -> bool:
    return bool(current_app.config["REDIS_URL"])


def wait(email: str, address: str) -> int:
    """Whole seconds this attempt must wait before its password is checked (0: now)."""
    at = now()
    names = keys(email, address)
    read = _read_redis if _in_redis() else _read_database
    counts = read(list(names.values()), at)
    longest = 0.0
    for kind, name in names.items():
        if kind == "account" and names["both"] not in counts:
            continue  # no failure for this account from here: others' failures do not count
        failures, last = counts.get(name, (0, at))
        longest = max(longest, last + delay(failures, FREE[kind]) - at)
    # the database keeps microseconds: a float's last digits must not make a whole second
    return math.ceil(round(longest, 3))


def failed(email: str, address: str) -> None:
    """Count a wrong password for ``email`` from ``address`` under every key."""
    count = _count_in_redis if _in_redis() else _count_in_database
    count(list(keys(email, address).values()), now())


def succeeded(email: str, address: str) -> None:
    """Forget the failures of this account from this address (not those of the others)."""
    forget = _forget_in_redis if _in_redis() else _forget_in_database
    forget(keys(email, address)["both"])
