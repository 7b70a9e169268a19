"""A real OpenID Connect provider on 127.0.0.1 for the single sign-on tests.

The provider is panva's ``oidc-provider`` from the npm registry: ``scripts/test.sh``
installs the pinned version into ``.cache/oidc`` (``npm install --prefix .cache/oidc
oidc-provider@OIDC_PROVIDER_VERSION``). Without it (or without Node) the tests fail in CI
(``CI=true``) and skip elsewhere, saying how to install it. ``tests/web/oidc_provider.mjs``
starts it with the clients and accounts below; :func:`sign_in` plays the browser between
the app (Flask's test client) and the provider (``requests``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

ROOT = Path(__file__).resolve().parents[2]
OIDC_PROVIDER_VERSION = "9.13.3"
MODULES = ROOT / ".cache" / "oidc" / "node_modules"
SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
INSTALL = (
    f"npm install --prefix .cache/oidc oidc-provider@{OIDC_PROVIDER_VERSION} (scripts/test.sh does)"
)
APP_CALLBACK = "http://mentorloom.test/auth/oidc/callback"
SECRET = "a-client-secret-for-the-tests-only"
#: The app's client, one whose ID tokens live 1 second, and another application's.
CLIENTS = {"app": "mentorloom", "short": "mentorloom-short", "other": "other-app"}
ACCOUNTS = {
    "bea": {"email": "bea@example.org", "email_verified": True, "groups": ["mentoring-hr"]},
    "carl": {"email": "carl@elsewhere.example", "email_verified": True, "groups": []},
    "dora": {"email": "dora@example.org", "email_verified": False, "groups": ["mentoring-hr"]},
    "erin": {"email": "erin@example.org", "email_verified": True, "groups": ["sales"]},
}


def _client(client_id: str, redirect_uri: str) -> dict[str, object]:
    return {
        "client_id": client_id,
        "client_secret": SECRET,
        "redirect_uris": [redirect_uri],
        "grant_types": ["authorization_code"],
        "response_types": ["code"],
    }


@dataclass
class Provider:
    """The running provider: its issuer URL."""

    issuer: str

    def settings(self, client: str = "app", **overrides: object) -> dict[str, object]:
        """App settings that sign in with this provider as ``client`` (a key of CLIENTS)."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": CLIENTS[client],
            "OIDC_CLIENT_SECRET": SECRET,
            "OIDC_NAME": "Example SSO",
            "OIDC_ALLOWED_DOMAINS": "example.org",
            "OIDC_SCOPE": "openid email profile groups",
            "OIDC_ROLE_CLAIM": "groups",
            "OIDC_ROLES": {"mentoring-hr": "owner"},
            **overrides,
        }


def _require(found: bool, message: str) -> None:
    if found:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[Provider]:
    """oidc-provider on a free port of 127.0.0.1 for the whole session, stopped after."""
    node = shutil.which("node")
    _require(node is not None, "node is not installed: scripts/test.sh installs it with npm")
    package = MODULES / "oidc-provider" / "package.json"
    found = json.loads(package.read_text())["version"] if package.exists() else None
    _require(found == OIDC_PROVIDER_VERSION, f"oidc-provider {found} at {MODULES}: {INSTALL}")
    settings = {
        "clients": [
            _client(CLIENTS["app"], APP_CALLBACK),
            _client(CLIENTS["short"], APP_CALLBACK),
            _client(CLIENTS["other"], "http://other.test/callback"),
        ],
        "accounts": ACCOUNTS,
        "idTokenTtl": {CLIENTS["short"]: 1},
    }
    process = subprocess.Popen(
        [str(node), str(SCRIPT), json.dumps(settings)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "OIDC_PROVIDER_MODULES": str(MODULES)},
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("ready "):
            pytest.fail(f"oidc-provider did not start (exit code {process.poll()}): {line!r}")
        issuer = line.split()[1]
        discovery = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10)
        assert discovery.json()["issuer"] == issuer
        yield Provider(issuer)
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


def _through_provider(browser: requests.Session, url: str, account: str) -> str:
    """Follow the provider's redirects from ``url``, logging ``account`` in at its
    interaction page; the URL it sends the browser back to the client with."""
    provider = urlsplit(url).netloc
    for _ in range(10):
        if urlsplit(url).netloc != provider:
            return url
        if urlsplit(url).path.startswith("/interaction/"):
            url = f"{url}?{urlencode({'account': account})}"
        answer = browser.get(url, allow_redirects=False, timeout=10)
        assert answer.is_redirect, (url, answer.status_code, answer.text[:500])
        url = urljoin(url, answer.headers["Location"])
    raise AssertionError("the provider kept redirecting")


def start(client: FlaskClient) -> str:
    """Press "Sign in with …" on the app: the provider's URL it sends the browser to."""
    answer = client.get("/auth/oidc/login")
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return answer.location


def query_of(url: str) -> dict[str, str]:
    """The query of ``url`` as a dict of single values."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def authorize(client: FlaskClient, account: str, at: str | None = None) -> dict[str, str]:
    """Start signing in on the app (or go on from the provider's URL ``at``) and log
    ``account`` in at the provider; the query of the callback the provider sends back
    (``code``, ``state``, ``iss``)."""
    back = _through_provider(requests.Session(), at or start(client), account)
    assert back.startswith(APP_CALLBACK), back
    return query_of(back)


def callback(client: FlaskClient, query: dict[str, str]) -> TestResponse:
    """The app's answer to the provider's redirect back with ``query``."""
    return client.get(f"/auth/oidc/callback?{urlencode(query)}")


def sign_in(client: FlaskClient, account: str) -> TestResponse:
    """Sign ``account`` in on the app through the provider; the app's last answer."""
    return callback(client, authorize(client, account))


def token_for(issuer: str, client: str, account: str, nonce: str) -> dict[str, object]:
    """A token response of the provider to ``client`` (a key of CLIENTS) for ``account``,
    its ID token carrying ``nonce``: what another application receives."""
    client_id = CLIENTS[client]
    redirect_uri = "http://other.test/callback"
    verifier = generate_token(48)
    query = {
        "client_id": client_id,
        "response_type": "code",
        "scope": "openid email",
        "redirect_uri": redirect_uri,
        "state": "s",
        "nonce": nonce,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    back = _through_provider(requests.Session(), f"{issuer}/auth?{urlencode(query)}", account)
    code = parse_qs(urlsplit(back).query)["code"][0]
    answer = requests.post(
        f"{issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        },
        auth=(client_id, SECRET),
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()
