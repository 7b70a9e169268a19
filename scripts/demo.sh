#!/usr/bin/env bash
# Starts the mentorloom web app on SQLite with sample_data/participants.csv loaded as a demo
# program (config sample_data/program.toml), and prints the demo admin's login. Creates .venv on first use.
# Usage: bash scripts/demo.sh [participants.csv]   (PORT=5000 by default)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[web]'

# Big cohorts (more than 20,000 mentee x mentor cells) run a compiled engine, built once
# per machine into numba's cache beside the code (matcher/__pycache__). Build it in the
# background at low priority: the demo's 150 people need none of it, and the server starts
# at once. It prints one line when done; its progress goes to .venv/compile.log.
echo "== compiling the matching engine for big cohorts in the background (once per machine)"
(nice -n 10 .venv/bin/mentorloom compile 2>.venv/compile.log &)  # not a child of the server

csv="${1:-sample_data/participants.csv}"

flask=(.venv/bin/flask --app webapp)
"${flask[@]}" db upgrade
"${flask[@]}" load-demo "$csv" --config sample_data/program.toml
echo "== open http://127.0.0.1:${PORT:-5000}/ (Ctrl+C stops the server)"
exec "${flask[@]}" run --host 127.0.0.1 --port "${PORT:-5000}"
