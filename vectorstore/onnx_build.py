"""Build an ONNX copy of a sentence-transformers folder, once per set of weights.

    python -m vectorstore.onnx_build [MODEL_FOLDER] [--precision fp32|int8] [--cache-dir DIR]

The copy is made here from the local weights (no model hub): PyTorch export with eager
attention (a graph onnxruntime can fuse) and onnxruntime's BERT fusions; `fp32` keeps that
graph (the same vectors as PyTorch, without importing it at run time), `int8` adds dynamic
quantization per channel with reduced range, which keeps AVX2 CPUs without VNNI from
saturating. It lives in `<cache>/<hash of the weights and the recipe>/` and is checked
against the PyTorch model before it is kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

RECIPES = {
    "int8": "export-eager/bert-fusion/int8-per-channel-reduce-range/v1",
    "fp32": "export-eager/bert-fusion/fp32/v1",
}
MODEL_FILE = "model.onnx"
META_FILE = "meta.json"
TOKENIZER_FILE = "tokenizer.json"
# Cosine of the copy's vector to the PyTorch one on a few sentences; a broken export is far
# below (near 0), int8 quantization alone stays above 0.97 for MiniLM on this corpus, and an
# fp32 copy must give the same vectors (MiniLM: 0.9999996), so its index needs no re-embedding.
MIN_COSINE = {"int8": 0.95, "fp32": 0.9999}
_CHECK = (
    "The national rapporteur reports on trafficking in human beings.",
    "Victims of forced labour were identified in agriculture and construction.",
    "What did the programme do in 2017?",
    "Training for judges and prosecutors on the definition of trafficking",
)


# The embedding backends (vectorstore.embeddings) that run an ONNX copy, and its precision.
PRECISION = {"onnx-fp32": "fp32", "onnx": "int8"}


class OnnxBuildError(RuntimeError):
    """The ONNX model cannot be built or loaded; says what to install or change."""


def weights_files(model_path: Path) -> list[Path]:
    """The files whose bytes define the vectors: weights, architecture, tokenizer, pooling."""
    names = ("*.safetensors", "*.bin", "config.json", "tokenizer.json", "vocab.txt")
    names += ("sentence_bert_config.json", "modules.json", "*/config.json")
    found = {p for pattern in names for p in model_path.glob(pattern) if p.is_file()}
    return sorted(found)


def weights_hash(model_path: Path, precision: str = "int8") -> str:
    """sha256 over the model's files and the recipe; memoised by size and mtime under a stamp."""
    files = weights_files(model_path)
    if not files:
        raise OnnxBuildError(f"no model weights in {str(model_path)!r}")
    digest = hashlib.sha256(RECIPES[precision].encode())
    for f in files:
        digest.update(f.relative_to(model_path).as_posix().encode() + b"\0")
        with f.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:20]


def _stat_key(model_path: Path, precision: str) -> str:
    stats = [(str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in weights_files(model_path)]
    return hashlib.sha256(json.dumps([RECIPES[precision], stats]).encode()).hexdigest()[:20]


def cached_hash(model_path: Path, cache_dir: Path, precision: str = "int8") -> str:
    """The weights' hash, read from a stamp while the files' sizes and times are unchanged:
    hashing 90 MB costs each process start a fraction of a second."""
    stamp = cache_dir / "stamps" / _stat_key(model_path, precision)
    try:
        return stamp.read_text().strip()
    except OSError:
        pass
    value = weights_hash(model_path, precision)
    try:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(value)
    except OSError:  # a read-only cache still works, only slower
        pass
    return value


def model_dir(model_path: str | Path, cache_dir: Path, precision: str = "int8") -> Path:
    return cache_dir / cached_hash(Path(model_path), cache_dir, precision)


def ensure_model(
    model_path: str | Path,
    cache_dir: Path,
    say: Callable[[str], None] | None = None,
    precision: str = "int8",
) -> Path:
    """The folder holding model.onnx, tokenizer.json and meta.json; built if missing."""
    target = model_dir(model_path, cache_dir, precision)
    if (target / META_FILE).is_file():
        return target
    say = say or _stderr
    started = time.perf_counter()
    say(
        f"Building the {precision} ONNX embedding model from {model_path} (once per model, "
        f"about 20 s) into {target}"
    )
    build(Path(model_path), target, say, precision)
    say(f"ONNX embedding model ready in {time.perf_counter() - started:.0f} s")
    return target


def build(
    model_path: Path, target: Path, say: Callable[[str], None], precision: str = "int8"
) -> None:
    """Export, fuse, quantize (int8) and check in a temporary folder, then move it into place."""
    ort, quantization, onnx = _build_modules()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=target.parent))
    try:
        say("  1/4 loading the PyTorch model")
        st, pooling = _load_sentence_transformer(model_path)
        say("  2/4 exporting to ONNX")
        fp32 = work / "fp32.onnx"
        input_names = _export(st, pooling, fp32)
        say("  3/4 fusing attention" + (" and quantizing to int8" if precision == "int8" else ""))
        fused = _fuse(fp32, st, work / "fused.onnx", say)
        if precision == "fp32":
            os.replace(fused, work / MODEL_FILE)
        else:
            _quantize(quantization, onnx, fused, work / MODEL_FILE)
        tokenizer = st.tokenizer.backend_tokenizer
        tokenizer.save(str(work / TOKENIZER_FILE))
        meta = {
            "source": str(model_path),
            "recipe": RECIPES[precision],
            "precision": precision,
            "inputs": input_names,
            "max_seq_length": int(st.max_seq_length),
            "dimension": int(_dimension(st)),
            "do_lower_case": bool(getattr(st[0], "do_lower_case", False)),
            "pooling": pooling,
        }
        say("  4/4 checking it against the PyTorch model")
        cosine = _check(st, work, meta, ort)
        if cosine < MIN_COSINE[precision]:
            raise OnnxBuildError(
                f"the {precision} ONNX copy of {str(model_path)!r} disagrees with the PyTorch "
                f"model (cosine {cosine:.5f} < {MIN_COSINE[precision]}); use "
                "ATP_EMBED_BACKEND=torch for this model"
            )
        meta["check_cosine"] = round(cosine, 4)
        (work / META_FILE).write_text(json.dumps(meta, indent=2))
        for name in ("fp32.onnx", "fused.onnx"):
            (work / name).unlink(missing_ok=True)
        for leftover in work.glob("*.data"):
            leftover.unlink()
        work.chmod(0o755)  # mkdtemp made it private; the cache is for every process of the user
        try:
            os.replace(work, target)
        except OSError:  # another process built it at the same time: keep theirs
            if not (target / META_FILE).is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _quantize(quantization, onnx, source: Path, out: Path) -> None:
    with _quiet_warnings():
        quantization.quantize_dynamic(
            str(source),
            str(out),
            weight_type=quantization.QuantType.QInt8,
            per_channel=True,
            reduce_range=True,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )


def _build_modules():
    try:
        import onnx
        import onnxruntime as ort
        from onnxruntime import quantization
    except ImportError as exc:
        raise OnnxBuildError(
            f"ATP_EMBED_BACKEND=onnx needs onnxruntime and onnx ({exc.name} is missing): "
            "`pip install onnxruntime onnx onnxscript`, or set ATP_EMBED_BACKEND=torch"
        ) from exc
    return ort, quantization, onnx


def _load_sentence_transformer(model_path: Path):
    from sentence_transformers import SentenceTransformer

    try:
        # Eager attention exports as plain MatMul/Softmax, which the fusion below recognises.
        st = SentenceTransformer(
            str(model_path), device="cpu", model_kwargs={"attn_implementation": "eager"}
        )
    except Exception as exc:
        raise OnnxBuildError(f"cannot load {str(model_path)!r} to export it: {exc}") from exc
    pool = next((m for m in st if type(m).__name__ == "Pooling"), None)
    if pool is None:
        raise OnnxBuildError(f"{str(model_path)!r} has no Pooling module to export")
    pooling = getattr(pool, "pooling_mode", None)  # a string since sentence-transformers 6
    if pooling is None:
        pooling = "mean" if pool.pooling_mode_mean_tokens else "cls" * pool.pooling_mode_cls_token
    if pooling not in ("mean", "cls"):
        raise OnnxBuildError(
            f"{str(model_path)!r} pools by {pooling}; the ONNX backend exports mean or CLS "
            "pooling only: use ATP_EMBED_BACKEND=torch"
        )
    return st.eval(), pooling


def _dimension(st) -> int:
    getter = getattr(st, "get_embedding_dimension", None) or st.get_sentence_embedding_dimension
    return int(getter())


def _export(st, pooling: str, path: Path) -> list[str]:
    import torch

    transformer = st[0].auto_model
    input_names = [n for n in st.tokenizer.model_input_names if n != "position_ids"]

    class Encoder(torch.nn.Module):
        """Transformer plus pooling and unit length, so the graph returns what encode() does."""

        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            named = dict(zip(input_names, inputs, strict=True))
            hidden = self.transformer(**named).last_hidden_state
            if pooling == "cls":
                vector = hidden[:, 0]
            else:
                mask = named["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                vector = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(vector, p=2, dim=1)

    sample = st.tokenizer(list(_CHECK[:2]), padding=True, return_tensors="pt")
    args = tuple(sample[n] for n in input_names)
    with torch.no_grad(), _quiet_warnings():
        # The TorchScript exporter: it needs no onnxscript, and its graph is the one
        # onnxruntime's BERT fusion is written against.
        torch.onnx.export(
            Encoder().eval(),
            args,
            str(path),
            input_names=input_names,
            output_names=["sentence_embedding"],
            dynamic_axes={n: {0: "batch", 1: "sequence"} for n in input_names},
            opset_version=17,
            dynamo=False,
        )
    return input_names


def _fuse(fp32: Path, st, out: Path, say: Callable[[str], None]) -> Path:
    """onnxruntime's BERT fusions (attention, GELU, layer norms) when the graph is BERT-like;
    otherwise the plain graph is quantized as it is."""
    from onnxruntime.transformers import optimizer

    config = st[0].auto_model.config
    try:
        with _quiet_warnings():
            fused = optimizer.optimize_model(
                str(fp32),
                model_type="bert",
                num_heads=int(config.num_attention_heads),
                hidden_size=int(config.hidden_size),
            )
        fused.save_model_to_file(str(out))
    except Exception as exc:  # an architecture the fusions don't know: slower, still right
        say(f"  (attention fusion skipped: {exc})")
        return fp32
    return out


def _check(st, folder: Path, meta: dict, ort) -> float:
    import numpy as np

    from vectorstore.embeddings import OnnxSession

    session = OnnxSession(folder, meta)
    got = session.encode(list(_CHECK), batch_size=len(_CHECK))
    want = st.encode(list(_CHECK), normalize_embeddings=True, convert_to_numpy=True)
    return float(np.min(np.sum(got * want, axis=1)))


class _quiet_warnings:
    """The exporters warn about tracing details that don't apply to a fixed-graph encoder, and
    the quantizer suggests a pre-processing step (shape inference) the fusion already did."""

    def __enter__(self) -> None:
        import logging
        import warnings

        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("ignore")
        self._level = logging.getLogger().level
        logging.getLogger().setLevel(logging.ERROR)

    def __exit__(self, *exc: object) -> None:
        import logging

        logging.getLogger().setLevel(self._level)
        self._catch.__exit__(*exc)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    import argparse

    from vectorstore.settings import StoreSettings, default_cache_dir

    settings = StoreSettings.from_env()
    parser = argparse.ArgumentParser(
        prog="python -m vectorstore.onnx_build", description=__doc__.split("\n")[0]
    )
    parser.add_argument("model", nargs="?", default=settings.embedding_model)
    parser.add_argument("--cache-dir", type=Path, default=settings.model_cache)
    parser.add_argument(
        "--precision",
        choices=sorted(RECIPES),
        default=PRECISION.get(settings.embed_backend, "fp32"),
    )
    args = parser.parse_args(argv)
    try:
        print(ensure_model(args.model, args.cache_dir or default_cache_dir(), None, args.precision))
    except OnnxBuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
