"""`python -m assistant.eval QUESTIONS.jsonl...`: retrieval, answer, citation and refusal
figures for the assistant, beside two baselines scored on the same questions.

This is a harness at the edge, like the CLIs: it may ingest a corpus (through `ingest`) before
it measures, and it checks quotes against the PDFs themselves, not against the index.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import numpy as np

from assistant.answering.citations import MARKERS, cited_by, split_claims
from assistant.answering.headers import RunningHeaders, running_headers
from assistant.answering.junk import junk_kind
from assistant.backends import get_backend
from assistant.chat import Assistant
from assistant.eval_index import DEFAULT_CACHE, cached_index, index_key
from assistant.eval_sets import Group, group_sets, load_sets
from assistant.judging.fitting import MODELS as JUDGE_MODELS
from assistant.judging.fitting import fit_judge
from assistant.prompt import Turn
from assistant.retrieval.keyword import KeywordIndex
from assistant.retrieval.search import Filters, Retrieval
from assistant.settings import AssistantSettings
from vectorstore.index import Index
from vectorstore.records import Chunk, DocumentInfo
from vectorstore.settings import StoreSettings
from vectorstore.store import Store

K = 10
open_index = Index  # the seam tests replace to share one loaded model


@dataclass(frozen=True)
class Question:
    id: str
    category: str
    question: str
    history: tuple[Turn, ...]
    expected: tuple[dict, ...]
    key_facts: tuple[str, ...]
    answerable: bool

    def is_doc(self, ref: str) -> bool:
        return any(e.get("doc") == ref or e.get("ref") == ref for e in self.expected)

    def is_page(self, ref: str, page: int | None) -> bool:
        for e in self.expected:
            if e.get("ref") == ref:
                return True
            if e.get("doc") == ref and page in e.get("pages", []):
                return True
        return False


def load_questions(paths: Sequence[Path]) -> list[Question]:
    out = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                out.append(
                    Question(
                        id=row["id"],
                        category=row.get("category", ""),
                        question=row["question"],
                        history=tuple(
                            Turn(t["role"], t["content"]) for t in row.get("history", [])
                        ),
                        expected=tuple(row.get("expected", [])),
                        key_facts=tuple(row.get("key_facts", [])),
                        answerable=bool(row.get("answerable", True)),
                    )
                )
    return out


@dataclass
class Scores:
    """Accumulates per-question results for one system."""

    name: str
    doc_hits: dict[int, list[bool]] = field(default_factory=lambda: {1: [], 5: []})
    page_hits: dict[int, list[bool]] = field(default_factory=lambda: {1: [], 5: []})
    reciprocal_ranks: list[float] = field(default_factory=list)
    fact_recall: list[float] = field(default_factory=list)
    citations_ok: int = 0
    citations: int = 0
    refused_unanswerable: int = 0
    refused_answerable: int = 0
    unanswerable: int = 0
    answerable: int = 0
    latencies: list[float] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    answer_sentences: int = 0
    junk_sentences: int = 0

    def add_ranking(self, q: Question, ranked: Sequence[tuple[str, int | None]]) -> None:
        for k in (1, 5):
            self.doc_hits[k].append(any(q.is_doc(ref) for ref, _ in ranked[:k]))
            self.page_hits[k].append(any(q.is_page(ref, page) for ref, page in ranked[:k]))
        rr = next((1 / (i + 1) for i, (r, p) in enumerate(ranked[:K]) if q.is_page(r, p)), 0.0)
        self.reciprocal_ranks.append(rr)
        if not self.page_hits[5][-1]:
            self.misses.append(q.id)

    def add_refusal(self, q: Question, refused: bool) -> None:
        if q.answerable:
            self.answerable += 1
            self.refused_answerable += refused
        else:
            self.unanswerable += 1
            self.refused_unanswerable += refused

    def report(self) -> dict[str, Any]:
        def mean(values: Sequence[float]) -> float | None:
            return round(float(np.mean(values)), 4) if len(values) else None

        refused = self.refused_unanswerable + self.refused_answerable
        lat = sorted(self.latencies)
        return {
            "system": self.name,
            "doc_hit@1": mean(self.doc_hits[1]),
            "doc_hit@5": mean(self.doc_hits[5]),
            "page_hit@1": mean(self.page_hits[1]),
            "page_hit@5": mean(self.page_hits[5]),
            "mrr@10": mean(self.reciprocal_ranks),
            "key_fact_recall": mean(self.fact_recall),
            "citation_accuracy": round(self.citations_ok / self.citations, 4)
            if self.citations
            else None,
            "citations": self.citations,
            "refusal_precision": round(self.refused_unanswerable / refused, 4) if refused else None,
            "refusal_recall": round(self.refused_unanswerable / self.unanswerable, 4)
            if self.unanswerable
            else None,
            "false_refusal_rate": round(self.refused_answerable / self.answerable, 4)
            if self.answerable
            else None,
            "junk_share": round(self.junk_sentences / self.answer_sentences, 4)
            if self.answer_sentences
            else None,
            "latency_p50_ms": round(1000 * statistics.median(lat), 1) if lat else None,
            "latency_p95_ms": round(1000 * lat[int(0.95 * (len(lat) - 1))], 1) if lat else None,
            "page_misses@5": self.misses,
        }


def normalise(text: str) -> str:
    return " ".join(text.lower().split())


@functools.lru_cache(maxsize=1)
def _reader_key() -> str:
    """What the pages read from a PDF depend on besides its bytes."""
    import hashlib

    import pypdf

    import ingest.pdf

    code = Path(ingest.pdf.__file__).read_bytes() + pypdf.__version__.encode()
    return hashlib.sha256(code).hexdigest()[:12]


class PageChecker:
    """Independent check of quotes: re-reads the cited page from the PDF itself.

    The pages read are kept in `cache_dir` (pypdf takes ~11 s for a corpus PDF), by the PDF's
    content hash, the reader's code and pypdf's version, so any index of the same PDFs reuses
    them (the benchmark's fresh indexes too).
    """

    def __init__(self, store: Store, cache_dir: Path | None = None) -> None:
        self.store = store
        self.cache_dir = cache_dir
        self._pages: dict[tuple[str, int], str] = {}
        self._docs = {d.id: d for d in store.documents()}
        self._records: dict[str, list[str]] | None = None

    def page(self, doc_id: str, page: int) -> str:
        key = (doc_id, page)
        if key not in self._pages:
            info = self._docs[doc_id]
            for number, text in self._read(info).items():
                self._pages[(doc_id, number)] = text
        return self._pages.get(key, "")

    def _read(self, info: DocumentInfo) -> dict[int, str]:
        from ingest.pdf import read_pdf  # the harness may use ingest; the product does not

        path = None
        if self.cache_dir is not None:
            path = self.cache_dir / f"pages-{_reader_key()}-{info.content_hash[:24]}.json"
        if path is not None and path.exists():
            return {int(n): t for n, t in json.loads(path.read_text()).items()}
        pages = {p.number: p.text for p in read_pdf(Path(info.cached_path)).pages}
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.tmp")  # two runs may share the cache
            partial.write_text(json.dumps(pages))
            partial.replace(path)
        return pages

    def ok(self, source: Any) -> bool:
        if source.page is None:  # records (milestones, catalogue): the quote is in the record
            return any(source.quote in text for text in self.records().get(source.id, []))
        return source.quote in self.page(source.doc_id, source.page)

    def records(self) -> dict[str, list[str]]:
        """The records' texts by id, read once rather than a scan of every chunk per citation."""
        if self._records is None:
            self._records = {}
            for c in self.store.iter_chunks():
                if c.page is None:
                    self._records.setdefault(c.ref_id, []).append(c.text)
        return self._records


class OneRetrieval:
    """The answer's search (top_k) and the ranking's (top K, more) retrieve the same passages
    in the same order up to the cut (`Retriever.retrieve` ranks, then cuts), so each search is
    made once at the deeper cut, which costs the same, and each caller gets its top: a third
    of the evaluation's time, with the same answers and the answer's latency still measured
    with its search."""

    def __init__(self, retrieve: Callable[..., Retrieval], depth: int) -> None:
        self.retrieve = retrieve
        self.depth = depth
        self.memo: dict[str, tuple[int, Retrieval]] = {}

    def __call__(
        self, query: str, k: int, filters: Filters | None = None, context: str = ""
    ) -> Retrieval:
        key = repr((query, filters, context))
        depth, found = self.memo.get(key, (0, None))
        if found is None or depth < k:
            depth = max(k, self.depth)
            found = self.retrieve(query, depth, filters, context)
            self.memo[key] = (depth, found)
        return dataclasses.replace(found, candidates=found.candidates[:k])


def evaluate_assistant(
    assistant: Assistant, questions: Sequence[Question], checker: PageChecker
) -> tuple[Scores, list[dict]]:
    """One `checker` serves every group of a run: a checker per group re-read every cited PDF
    (~55 s of each group's time on the corpus)."""
    scores = Scores(f"assistant ({assistant.backend.name})")
    assistant.ask("warm-up question about referral mechanisms")
    headers = running_headers(assistant.retriever.keyword_index())
    details = []
    retriever = assistant.retriever
    retrieve = retriever.retrieve
    try:
        for q in questions:
            # a memo per question: it must never outlive the index state it was read from
            retriever.retrieve = OneRetrieval(retrieve, K)  # type: ignore[method-assign]
            details.append(_evaluate_one(assistant, q, checker, scores, headers))
    finally:
        del retriever.retrieve  # the class's own method again
    return scores, details


def _evaluate_one(
    assistant: Assistant,
    q: Question,
    checker: PageChecker,
    scores: Scores,
    headers: RunningHeaders,
) -> dict:
    started = time.perf_counter()
    answer = assistant.ask(q.question, q.history)
    scores.latencies.append(time.perf_counter() - started)
    found = assistant.search(q.question, q.history, k=K)
    ranked = [(c.chunk.ref_id, c.chunk.page) for c in found.retrieval.candidates] if found else []
    if q.answerable:
        scores.add_ranking(q, ranked)
        facts = [f for f in q.key_facts if normalise(f) in normalise(answer.text)]
        scores.fact_recall.append(len(facts) / len(q.key_facts) if q.key_facts else 1.0)
    scores.add_refusal(q, answer.refused)
    for source in answer.sources:
        scores.citations += 1
        scores.citations_ok += checker.ok(source)
    records = {s.n for s in answer.sources if s.page is None}
    junk = [] if answer.refused else junk_sentences(answer.text, headers, records)
    if not answer.refused:
        scores.answer_sentences += len(answer_sentences(answer.text, records))
        scores.junk_sentences += len(junk)
    return {
        "id": q.id,
        "question": q.question,
        "answer": answer.text,
        "cited": [f"{s.id}" + (f" p. {s.page}" if s.page else "") for s in answer.sources],
        "refused": answer.refused,
        "strength": round(answer.strength, 4),
        "answerable": q.answerable,
        "page_hit@5": any(q.is_page(r, p) for r, p in ranked[:5]) if q.answerable else None,
        "key_facts": scores.fact_recall[-1] if q.answerable else None,
        "why": answer.why,
        "junk": junk,
        "features": {k: round(v, 4) for k, v in found.features.items()} if found else None,
    }


def answer_sentences(text: str, records: Collection[int] = ()) -> list[str]:
    """The answer's own sentences quoted from pages: not the notes in brackets the assistant
    appends, nor what it quotes from the records (`records`: their markers), which are the
    programme's own text and hold no page furniture."""
    body = "\n\n".join(p for p in text.split("\n\n") if not p.startswith("("))
    return [c.text for c in split_claims(_without_records(body, records)) if c.text.strip()]


def _without_records(body: str, records: Collection[int]) -> str:
    """The body without each run of text whose marker cites records only."""
    if not records:
        return body
    out, pos = [], 0
    for match in MARKERS.finditer(body):
        if not set(cited_by(match)) <= set(records):
            out.append(body[pos : match.end()])
        pos = match.end()
    return "".join(out) + body[pos:]


def junk_sentences(
    text: str, headers: RunningHeaders | None = None, records: Collection[int] = ()
) -> list[str]:
    """The answer's sentences that are page furniture (see assistant.answering.junk), or open
    with a running header of the indexed documents."""
    out = []
    for s in answer_sentences(text, records):
        kind = junk_kind(s) or ("running header" if headers and headers.opens(s) else None)
        if kind:
            out.append(f"{kind}: {s}")
    return out


class NaiveBaselines:
    """The langchain tutorial's RAG (1000/200 chunks, dense top-5, no refusal) and BM25 alone
    over the same chunks, built from the same pages and records as the assistant's index."""

    def __init__(self, store: Store, cache_dir: Path) -> None:
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        self.items: list[tuple[str, int | None, str]] = []
        for info in store.documents():
            if info.pages:
                for page in range(1, info.pages + 1):
                    text = store.page_text(info.id, page) or ""
                    self.items += [(info.id, page, t) for t in splitter.split_text(text)]
        records = [c for c in store.iter_chunks() if c.page is None]
        self.items += [(c.ref_id, None, c.text) for c in records]
        self.store = store
        self.vectors = self._embed(cache_dir)
        self.keyword = KeywordIndex(
            [_fake_chunk(i, ref, page, t) for i, (ref, page, t) in enumerate(self.items)]
        )

    def _embed(self, cache_dir: Path) -> np.ndarray:
        import hashlib

        embedder = self.store.embedder
        key = "\x00".join(t for _, _, t in self.items) + embedder.model_path
        if embedder.backend != "torch":  # the vectors differ a little by backend
            key += f"\x00{embedder.backend}"
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        path = cache_dir / f"naive-{digest}.npy"
        if path.exists():
            return np.load(path)
        vectors = self.store.embedder.encode([t for _, _, t in self.items])
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp.npy")  # two runs may share the cache
        np.save(partial, vectors)
        partial.replace(path)
        return vectors

    def dense(self, query: str) -> list[tuple[str, int | None]]:
        q = self.store.embedder.encode([query])[0]
        order = np.argsort(-(self.vectors @ q))[:K]
        return [(self.items[i][0], self.items[i][1]) for i in order]

    def bm25(self, query: str) -> list[tuple[str, int | None]]:
        from assistant.text import tokens

        scores = self.keyword.scores(tokens(query))
        order = np.argsort(-scores)[:K]
        return [(self.items[i][0], self.items[i][1]) for i in order if scores[i] > 0]

    def evaluate(self, questions: Sequence[Question]) -> list[Scores]:
        out = []
        for name, search in (
            ("naive dense RAG (1000/200, top-5)", self.dense),
            ("BM25 alone", self.bm25),
        ):
            scores = Scores(name)
            for q in questions:
                started = time.perf_counter()
                # The tutorial RAG has no conversation handling: it searches the question as asked.
                ranked = search(q.question)
                scores.latencies.append(time.perf_counter() - started)
                if q.answerable:
                    scores.add_ranking(q, ranked)
                scores.add_refusal(q, False)  # neither baseline ever refuses
            out.append(scores)
        return out


def _fake_chunk(i: int, ref: str, page: int | None, text: str) -> Chunk:
    return Chunk(
        ref, ref, "publication", "", None, "", None, page, None, i, 0, len(text), text, "", ""
    )


def check_bar(results: list[dict], bar: dict[str, Any]) -> list[str]:
    ours, baselines = results[0], results[1:]
    problems = []
    for metric, minimum in bar.get("min", {}).items():
        if ours.get(metric) is None or ours[metric] < minimum:
            problems.append(f"{metric} = {ours.get(metric)} is below the bar {minimum}")
    for metric, maximum in bar.get("max", {}).items():
        if ours.get(metric) is None or ours[metric] > maximum:
            problems.append(f"{metric} = {ours.get(metric)} is above the bar {maximum}")
    for metric in bar.get("beat_baselines", []):
        for base in baselines:
            if ours[metric] <= base[metric]:
                problems.append(
                    f"{metric} = {ours[metric]} does not beat {base['system']} ({base[metric]})"
                )
    return problems


class Timer:
    """Wall and CPU seconds per phase, printed at the end so a slow step shows where it went."""

    def __init__(self) -> None:
        self.phases: list[tuple[str, float, float]] = []

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            yield
        finally:
            self.phases.append((name, time.perf_counter() - wall, time.process_time() - cpu))

    def lines(self) -> list[str]:
        rows = [
            f"  {name:<32} {wall:7.1f} s wall {cpu:7.1f} s CPU" for name, wall, cpu in self.phases
        ]
        total_wall = sum(w for _, w, _ in self.phases)
        total_cpu = sum(c for _, _, c in self.phases)
        return [
            "timing:",
            *rows,
            f"  {'total':<32} {total_wall:7.1f} s wall {total_cpu:7.1f} s CPU",
        ]


def sync_corpus(store_settings: StoreSettings, corpus: Path) -> None:
    """Sync the corpus folder, the milestones and the catalogue into the index."""
    from ingest.pipeline import Pipeline
    from ingest.settings import IngestSettings

    with open_index(store_settings).writer() as writer:
        pipeline = Pipeline(writer, IngestSettings.from_env(), store_settings.data_dir)
        report = pipeline.sync(corpus)
        pipeline.ingest_milestones()
        pipeline.ingest_catalogue_records()
    click.echo(f"index: {report.summary()}", err=True)


def index_records_only(store_settings: StoreSettings, data_dir: Path | None) -> None:
    """The timeline and catalogue records alone: what `python -m ingest` builds offline."""
    from ingest.pipeline import Pipeline
    from ingest.settings import IngestSettings

    index = open_index(store_settings)
    if any(d.pages for d in index.reader().documents()):
        raise click.UsageError(f"--records-only needs an index without PDFs: {data_dir}")
    with index.writer() as writer:
        pipeline = Pipeline(writer, IngestSettings.from_env(), store_settings.data_dir)
        pipeline.ingest_milestones()
        pipeline.ingest_catalogue_records()


@contextlib.contextmanager
def corpus_index(
    settings: StoreSettings, corpus: Path | None, data_dir: Path | None, cache: Path
) -> Iterator[StoreSettings]:
    """The settings of the index to evaluate: --data-dir as given (synced with --corpus), or,
    for --corpus alone, the machine's cached index for this corpus, code and settings."""
    if corpus is None or data_dir is not None or settings.chroma_mode != "embedded":
        if corpus is not None:
            sync_corpus(settings, corpus)
        yield settings
        return
    from ingest.settings import IngestSettings

    key = index_key(corpus, settings, IngestSettings.from_env())

    def build(folder: Path) -> None:
        sync_corpus(dataclasses.replace(settings, data_dir=folder), corpus)

    with cached_index(key, build, cache) as folder:
        yield dataclasses.replace(settings, data_dir=folder)


def evaluate(
    assistant: Assistant,
    baselines: NaiveBaselines | None,
    questions: Sequence[Question],
    checker: PageChecker,
) -> tuple[list[dict], list[dict]]:
    """Figures for the assistant, then for each baseline, and the per-question details."""
    ours, per_question = evaluate_assistant(assistant, questions, checker)
    results = [ours.report()]
    if baselines is not None:
        results += [s.report() for s in baselines.evaluate(questions)]
    return results, per_question


SHOWN = (
    "doc_hit@5",
    "page_hit@1",
    "page_hit@5",
    "mrr@10",
    "key_fact_recall",
    "citation_accuracy",
    "junk_share",  # answer sentences that are page furniture (issue 19's bar: 1 % at most)
    "refusal_recall",
    "false_refusal_rate",
    "latency_p50_ms",
)


def verdict_lines(group: Group, questions: int, results: list[dict]) -> tuple[list[str], bool]:
    """A small table of the group's figures and its verdict; False when it is below its bar."""
    names = ", ".join(s.name for s in group.sets)
    lines = [f"== {group.name}: {questions} questions ({names})"]
    lines.append(f"  {'':<20}" + "".join(f"{r['system'][:20]:>22}" for r in results))
    for metric in SHOWN:
        cells = "".join(f"{'-' if r.get(metric) is None else r[metric]!s:>22}" for r in results)
        lines.append(f"  {metric:<20}{cells}")
    if group.bar is None:
        lines.append(f"  no bar for {group.name} yet: scored, no verdict")
        return lines, True
    problems = check_bar(results, json.loads(group.bar.read_text(encoding="utf-8")))
    if questions < group.at_least:
        problems.append(f"only {questions} questions, expected at least {group.at_least}")
    if problems:
        lines += [f"  BELOW THE BAR ({group.bar.name}): {p}" for p in problems]
    else:
        lines.append(f"  meets the bar ({group.bar.name})")
    return lines, not problems


@click.command()
@click.argument("questions", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--sets",
    "sets_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Evaluate every set in this sets.toml, grouped and held to the bars in bars.toml beside it.",
)
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option(
    "--corpus",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Sync this folder (and the milestones) into the index first; without --data-dir, "
    "into a cached index under --cache-dir that later runs reuse.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_CACHE,
    envvar="ATP_EVAL_CACHE",
    show_default=True,
    help="Where corpus indexes are kept, one per hash of corpus, code and settings.",
)
@click.option(
    "--bar",
    type=click.Path(exists=True, path_type=Path),
    help="JSON of minimum figures; exit 1 below them.",
)
@click.option(
    "--records-only",
    is_flag=True,
    help="Index the timeline and catalogue records only (what `python -m ingest` builds "
    "without a network); use an empty --data-dir.",
)
@click.option("--details", type=click.Path(path_type=Path), help="Write per-question results here.")
@click.option(
    "--summary",
    type=click.Path(path_type=Path),
    help="With --sets: write all figures as JSON here.",
)
@click.option("--backend", default=None)
@click.option("--no-baselines", is_flag=True)
@click.option(
    "--training",
    is_flag=True,
    help="With --sets: score the training sets too (no bar holds them, so by default a run "
    "spends no time on them).",
)
def main(
    questions: tuple[Path, ...],
    sets_file: Path | None,
    data_dir: Path | None,
    corpus: Path | None,
    cache_dir: Path,
    bar: Path | None,
    records_only: bool,
    details: Path | None,
    summary: Path | None,
    backend: str | None,
    no_baselines: bool,
    training: bool,
) -> None:
    if bool(questions) == (sets_file is not None):
        raise click.UsageError("give QUESTIONS files or --sets FILE, not both or neither")
    if sets_file is not None and bar is not None:
        raise click.UsageError(
            "--bar is for QUESTIONS files; with --sets the bars are in bars.toml"
        )
    groups = []
    if sets_file is not None:
        groups = group_sets(load_sets(sets_file), sets_file.parent / "bars.toml")
        if not training:
            groups = [g for g in groups if g.bar is not None or not g.only("training")]
    if records_only:
        index_records_only(StoreSettings.from_env(data_dir=data_dir), data_dir)
    timer = Timer()
    with contextlib.ExitStack() as stack:
        with timer.phase("index"):
            store_settings = stack.enter_context(
                corpus_index(StoreSettings.from_env(data_dir=data_dir), corpus, data_dir, cache_dir)
            )
        with timer.phase("load model, index, baselines"):
            store = open_index(store_settings).reader()
            assistant = _assistant(store, backend)
            baselines = None
            if not no_baselines:  # its vectors are keyed by their texts: any index may reuse them
                baselines = NaiveBaselines(store, cache_dir / "naive")
            checker = PageChecker(store, cache_dir / "pages")
        if sets_file is None:
            qs = load_questions(questions)
            passed = run_files(assistant, baselines, checker, qs, bar, details)
        else:
            passed = run_groups(assistant, baselines, checker, groups, timer, details, summary)
    if not passed:
        sys.exit(1)


def run_files(
    assistant: Assistant,
    baselines: NaiveBaselines | None,
    checker: PageChecker,
    qs: list[Question],
    bar: Path | None,
    details: Path | None,
) -> bool:
    """QUESTIONS files as one group: the figures as JSON on stdout, problems on stderr."""
    results, per_question = evaluate(assistant, baselines, qs, checker)
    if details:
        details.write_text("\n".join(json.dumps(d) for d in per_question) + "\n")
    out = {"questions": len(qs), "unanswerable": sum(not q.answerable for q in qs)}
    click.echo(json.dumps({**out, "results": results}, indent=2))
    problems = check_bar(results, json.loads(bar.read_text())) if bar is not None else []
    for problem in problems:
        click.echo(f"BELOW THE BAR: {problem}", err=True)
    return not problems


def run_groups(
    assistant: Assistant,
    baselines: NaiveBaselines | None,
    checker: PageChecker,
    groups: list[Group],
    timer: Timer,
    details: Path | None,
    summary: Path | None,
) -> bool:
    """Each group scored and held to its bar; a table and a verdict per group on stdout."""
    passed, figures, all_details = True, {}, []
    for group in groups:
        qs = load_questions(group.paths)
        with timer.phase(f"{group.name} ({len(qs)} questions)"):
            # a baseline costs a dense search per question: only where a bar reads its figures
            beaten = baselines if group.bar is not None else None
            results, per_question = evaluate(assistant, beaten, qs, checker)
        lines, ok = verdict_lines(group, len(qs), results)
        click.echo("\n".join(lines))
        passed &= ok
        figures[group.name] = {
            "sets": [s.name for s in group.sets],
            "questions": len(qs),
            "results": results,
        }
        all_details += [{"group": group.name, **d} for d in per_question]
    click.echo("\n".join(timer.lines()))
    if details:
        details.write_text("\n".join(json.dumps(d) for d in all_details) + "\n")
    if summary:
        summary.write_text(json.dumps(figures, indent=2) + "\n")
    if not passed:
        click.echo("the evaluation is below a bar (see BELOW THE BAR above)", err=True)
    return passed


def sets_of(
    sets_file: Path, statuses: Sequence[str], left_out: Sequence[str] = ()
) -> dict[str, Path]:
    """The question files a fit reads: the sets of eval/sets.toml with one of the statuses, a
    kind not left out and not marked `fit = false`, by set name."""
    return {
        s.name: s.path
        for s in load_sets(sets_file)
        if s.status in statuses and s.kind not in left_out and s.fit
    }


def fitting_options(command: Callable) -> Callable:
    """The options every fit takes: the index, the sets file and the statuses fitted on."""
    for option in reversed(
        [
            click.option(
                "--data-dir", type=click.Path(file_okay=False, path_type=Path), default=None
            ),
            click.option(
                "--sets",
                "sets_file",
                type=click.Path(exists=True, path_type=Path),
                default=Path("eval/sets.toml"),
                show_default=True,
            ),
            click.option(
                "--status",
                "statuses",
                multiple=True,
                default=("training", "read"),
                show_default=True,
                help="Fit on the sets of this status (never 'blind').",
                callback=_never_blind,
            ),
        ]
    ):
        command = option(command)
    return command


def _never_blind(ctx: click.Context, param: click.Parameter, statuses: tuple[str, ...]):
    if "blind" in statuses:
        raise click.UsageError("blind sets are only scored, never fitted on", ctx)
    return statuses


def _assistant(store: Store, backend: str | None = None) -> Assistant:
    """The assistant as configured (ATP_*), on an opened index."""
    settings = AssistantSettings.from_env(backend=backend)  # None: the configured one
    return Assistant(store, get_backend(settings.backend, settings), settings)


@click.command()
@fitting_options
@click.option("--max-false-refusals", type=float, default=0.04, show_default=True)
@click.option(
    "--details",
    "details_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the features from an evaluation's --details of these sets instead of searching.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path(__file__).parent / "judging" / "weights.json",
    show_default=True,
)
@click.option(
    "--model",
    type=click.Choice(JUDGE_MODELS),
    default=JUDGE_MODELS[0],
    show_default=True,
    help="Trees with logistic terms for the checks, an L1 logistic regression or trees alone; "
    "the report has all three.",
)
def fit(
    data_dir: Path | None,
    sets_file: Path,
    statuses: tuple[str, ...],
    max_false_refusals: float,
    details_file: Path | None,
    out: Path,
    model: str,
) -> None:
    """Fit the judge's weights on the training and read sets and write them to --out."""
    from assistant.judging.features import FEATURES
    from assistant.judging.trees import inline_short_lists

    # A programme set's answerable questions are the records' to answer, not the passages'.
    paths = sets_of(sets_file, statuses, left_out=("programme",))
    questions = load_questions(list(paths.values()))
    rows, labels = [], []
    if details_file is not None:
        wanted = {q.id for q in questions}
        for line in details_file.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            if row["id"] in wanted and row.get("features"):
                rows.append(row["features"])
                labels.append(row["answerable"])
    else:
        assistant = _assistant(open_index(StoreSettings.from_env(data_dir=data_dir)).reader())
        for q in questions:
            found = assistant.search(q.question, q.history)
            if found is not None:  # nothing matched at all: refused whatever the judge says
                rows.append(found.features)
                labels.append(q.answerable)
    weights, report = fit_judge(rows, labels, FEATURES, max_false_refusals, model=model)
    out.write_text(inline_short_lists(json.dumps(weights, indent=1)) + "\n", encoding="utf-8")
    click.echo(json.dumps({"sets": sorted(paths), **report}, indent=2))


@click.command()
@fitting_options
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path(__file__).parent / "answering" / "ranking.json",
    show_default=True,
)
def fit_sentences(
    data_dir: Path | None, sets_file: Path, statuses: tuple[str, ...], out: Path
) -> None:
    """Fit the sentence ranker on the answered answerable questions of the training and read
    sets (no conversation: a follow-up's facts depend on its reading) and write it to --out."""
    from assistant.answering.choose import asked_of
    from assistant.answering.fitting import example, fit_ranker
    from assistant.answering.ranking import sentence_candidates

    assistant = _assistant(open_index(StoreSettings.from_env(data_dir=data_dir)).reader())
    examples = []
    for name, path in sets_of(sets_file, statuses, left_out=("programme",)).items():
        for q in load_questions([path]):
            if not q.answerable or q.history or not q.key_facts:
                continue
            found = assistant.search(q.question)
            if found is None or not found.verdict.answers:
                continue
            prompt = found.prompt
            examples.append(
                example(name, q.key_facts, sentence_candidates(prompt, asked_of(prompt)))
            )
    weights, report = fit_ranker(examples)
    out.write_text(json.dumps(weights, indent=1) + "\n", encoding="utf-8")
    click.echo(json.dumps(report, indent=2))


def run() -> None:
    """`python -m assistant.eval QUESTIONS...` scores; `... fit` fits the judge, `... fit-sentences`
    the sentence ranker."""
    if sys.argv[1:2] == ["fit"]:
        fit(sys.argv[2:], prog_name="python -m assistant.eval fit")
    elif sys.argv[1:2] == ["fit-sentences"]:
        fit_sentences(sys.argv[2:], prog_name="python -m assistant.eval fit-sentences")
    else:
        main()


if __name__ == "__main__":
    run()
