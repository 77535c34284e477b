"""`python -m assistant ask "question"`: answers with sources, as text or JSON, one or a batch."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from assistant.backends import BackendError, get_backend
from assistant.chat import Assistant
from assistant.prompt import Turn
from assistant.reading import ReaderError
from assistant.retrieval.search import Filters
from assistant.settings import BACKEND_NAMES, AssistantSettings
from vectorstore import open_store
from vectorstore.embeddings import EmbeddingModelError
from vectorstore.errors import StoreError
from vectorstore.settings import SettingsError, StoreSettings


def build(data_dir: Path | None, backend: str | None) -> Assistant:
    """The only place the CLI constructs things: settings -> store -> backend -> assistant."""
    settings = AssistantSettings.from_env(backend=backend)
    store = open_store(StoreSettings.from_env(data_dir=data_dir))
    return Assistant(store, get_backend(settings.backend, settings), settings)


def parse_history(raw: Any) -> list[Turn]:
    turns = []
    for item in raw or []:
        if not isinstance(item, dict) or item.get("role") not in ("user", "assistant"):
            raise ValueError("history items need a role of 'user' or 'assistant' and a content")
        turns.append(Turn(item["role"], str(item.get("content", ""))))
    return turns


@click.group()
def cli() -> None:
    """Ask the ICMPD Anti-Trafficking Programme assistant."""


@cli.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--batch", type=click.File("r"), help="JSONL file of {id, question, history}.")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option("--backend", type=click.Choice(BACKEND_NAMES), default=None)
@click.option("--year-from", type=int, default=None)
@click.option("--year-to", type=int, default=None)
@click.option("--type", "types", multiple=True, help="Only this publication type (repeatable).")
@click.option("--doc", "doc_ids", multiple=True, help="Only this document id (repeatable).")
def ask(
    question: str | None,
    as_json: bool,
    batch: Any,
    data_dir: Path | None,
    backend: str | None,
    year_from: int | None,
    year_to: int | None,
    types: tuple[str, ...],
    doc_ids: tuple[str, ...],
) -> None:
    """Answer QUESTION (or every line of --batch) with page-accurate sources."""
    if (question is None) == (batch is None):
        raise click.UsageError("give a QUESTION or --batch FILE.jsonl, not both or neither")
    filters = Filters(doc_ids, types, year_from, year_to)
    try:
        assistant = build(data_dir, backend)
        if batch is not None:
            run_batch(assistant, batch, filters)
            return
        answer = assistant.ask(question or "", filters=filters)
    except (SettingsError, EmbeddingModelError, BackendError, ReaderError) as exc:
        raise click.UsageError(str(exc)) from exc
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(answer.to_json(), ensure_ascii=False) if as_json else answer.as_text())


def run_batch(assistant: Assistant, lines: Any, filters: Filters) -> None:
    """One JSON object per input line, in order; a bad line gets an error object, not a crash."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        item = None
        try:
            item = json.loads(line)
            answer = assistant.ask(
                str(item["question"]), parse_history(item.get("history")), filters
            )
            out = {"id": item.get("id"), **answer.to_json()}
        except (ValueError, KeyError, TypeError) as exc:
            # Keep the id of a line that parsed, so the error can be matched to its question.
            known = item.get("id") if isinstance(item, dict) else None
            out = {"id": known, "error": f"line {number}: {exc}"}
        click.echo(json.dumps(out, ensure_ascii=False))
        sys.stdout.flush()


def main() -> None:
    cli(prog_name="python -m assistant")
