#!/usr/bin/env bash
# Install and start the app on the embedded default (embedded Chroma, bundled model,
# extractive answerer) at http://127.0.0.1:7860. Extra arguments go to app.py.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -e .
exec python app.py "$@"
