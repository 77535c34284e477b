#!/usr/bin/env bash
# Install (only when needed) and start the app on the embedded default (embedded Chroma,
# bundled model, extractive answerer) at http://127.0.0.1:7860. Extra arguments go to app.py.
set -euo pipefail
cd "$(dirname "$0")/.."
if why="$(python scripts/needs_install.py)"; then
  echo "Installing the app and its dependencies: ${why}" >&2
  python -m pip install -q -e .
  python scripts/needs_install.py --stamp
fi
exec python app.py "$@"
