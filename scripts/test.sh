#!/usr/bin/env bash
# Sets up everything the test suite needs on a fresh machine, then runs it all:
# a virtualenv with the project and its test extras, Debian's chromium for browser tests,
# axe-core (npm) for their accessibility checks, oidc-provider (npm, run by Node) for the
# single sign-on tests,
# a running PostgreSQL for the database tests, a running Redis for the job-queue tests,
# openssl for the e-mail tests (aiosmtpd, their SMTP server, comes with the test extras).
# Extra arguments go to pytest, which runs the tests in one process per core (pytest-xdist).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[web,test]'

if [ ! -x /usr/bin/chromium ]; then
  echo "== installing Debian's chromium for browser tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

AXE_CORE=4.14.1  # keep in step with AXE_VERSION in tests/web/axe.py
if [ ! -f .cache/axe/node_modules/axe-core/axe.min.js ] \
  || ! grep -q "\"version\": \"$AXE_CORE\"" .cache/axe/node_modules/axe-core/package.json; then
  if ! command -v npm >/dev/null; then
    echo "== installing npm for axe-core (accessibility checks of the browser tests)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  fi
  echo "== installing axe-core $AXE_CORE from the npm registry into .cache/axe"
  npm install --prefix .cache/axe --no-save --no-audit --no-fund --silent "axe-core@$AXE_CORE"
fi

OIDC_PROVIDER=9.13.3  # keep in step with OIDC_PROVIDER_VERSION in tests/web/oidc.py
if [ ! -f .cache/oidc/node_modules/oidc-provider/package.json ] \
  || ! grep -q "\"version\": \"$OIDC_PROVIDER\"" .cache/oidc/node_modules/oidc-provider/package.json; then
  if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
    echo "== installing Node and npm for oidc-provider (the single sign-on tests)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  fi
  echo "== installing oidc-provider $OIDC_PROVIDER from the npm registry into .cache/oidc"
  npm install --prefix .cache/oidc --no-save --no-audit --no-fund --silent "oidc-provider@$OIDC_PROVIDER"
fi

if command -v pg_isready >/dev/null && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "== starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi

if ! command -v pg_dump >/dev/null || ! command -v pg_restore >/dev/null; then
  echo "== installing the PostgreSQL client for the backup tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null
fi

if ! command -v openssl >/dev/null; then
  echo "== installing openssl: the e-mail tests make a certificate for their TLS mail server"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if ! command -v redis-server >/dev/null; then
    echo "== installing Redis for the job-queue tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  fi
  echo "== starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

echo "== pytest"
# One process per core (at most 4; MENTORLOOM_TEST_PROCESSES=0 runs in this one), each
# test module whole in one process, so its module fixtures are built once.
exec .venv/bin/python -m pytest -n "${MENTORLOOM_TEST_PROCESSES:-auto}" --maxprocesses=4 \
  --dist=loadscope --durations=25 "$@"
