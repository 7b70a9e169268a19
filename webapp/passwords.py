"""The rules every admin password must pass, wherever it is set.

One check, :func:`password_problems`, serves ``flask create-admin``, "Change password" on
the account page and the reset form: at least :data:`MIN_LENGTH` characters, at most
:data:`~webapp.forms.PASSWORD_LIMIT`, not one of the 10,000 most common passwords
(``webapp/data/common_passwords.txt``, from SecLists, MIT licence; read from the package,
never downloaded) and not the admin's e-mail address.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from webapp.forms import PASSWORD_LIMIT

#: Fewest characters of a password.
MIN_LENGTH = 12
COMMON_PASSWORDS = Path(__file__).resolve().parent / "data" / "common_passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords, in lower case (``#`` lines are its header).

    >>> len(common_passwords()) > 9_000, "password" in common_passwords()
    (True, True)
    """
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def password_problems(password: str, email: str) -> list[str]:
    """What is wrong with ``password`` for the admin ``email``, each naming the rule
    (empty: the password is good).

    >>> password_problems("kx7-pw", "ada@example.org")
    ['Use at least 12 characters (this one has 6).']
    >>> password_problems("123456789qwe", "ada@example.org")
    ['This password is one of the 10,000 most common ones: choose another.']
    >>> password_problems("Ada@Example.org", "ada@example.org")
    ['Do not use your e-mail address as the password.']
    >>> password_problems("violet kettle harbour", "ada@example.org")
    []
    """
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Use at least {MIN_LENGTH} characters (this one has {len(password)}).")
    elif len(password) > PASSWORD_LIMIT:
        problems.append(f"Use at most {PASSWORD_LIMIT:,} characters.")
    if password.strip().lower() in common_passwords():
        problems.append("This password is one of the 10,000 most common ones: choose another.")
    if email and password.strip().lower() == email.strip().lower():
        problems.append("Do not use your e-mail address as the password.")
    return problems
