"""Why embedded readers open only published generations: one Chroma folder, a writer process
replacing documents as the ingest does (new version's chunks, the document record, old versions
deleted), and a reader process asking in a loop.

    python bench/chroma_two_processes.py [ROUNDS]

Reader modes: `stay` keeps its client open (the app before generations), `reopen` opens a new
client whenever the committed records moved (a generation bump in the same folder), `always`
opens one per question. Prints questions asked, errors by kind, and how the reader ended
(a negative code is the signal that killed it: -11 is a segmentation fault).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np


def _client(path: str):
    import chromadb
    from chromadb.config import Settings

    return chromadb.PersistentClient(path=path, settings=Settings(anonymized_telemetry=False))


def _collections(client):
    return (
        client.get_or_create_collection("chunks", configuration={"hnsw": {"space": "cosine"}}),
        client.get_or_create_collection("docs"),
    )


def writer(path: str, rounds: int) -> None:
    chunks, docs = _collections(_client(path))
    rng = np.random.default_rng(0)
    for r in range(rounds):
        for d in range(3):
            version = f"d{d}r{r}"
            for start in range(0, 900, 300):
                chunks.upsert(
                    ids=[f"{version}-{start + i}" for i in range(300)],
                    embeddings=rng.normal(size=(300, 384)).tolist(),
                    documents=["x"] * 300,
                    metadatas=[{"doc": f"d{d}", "version": version}] * 300,
                )
            docs.upsert(ids=[f"d{d}"], embeddings=[[1.0]], documents=[version])
            chunks.delete(where={"$and": [{"doc": f"d{d}"}, {"version": {"$ne": version}}]})


def reader(path: str, rounds: int, mode: str) -> None:
    write = subprocess.Popen([sys.executable, __file__, "writer", path, str(rounds)])
    client = _client(path)
    chunks, docs = _collections(client)
    query = np.random.default_rng(1).normal(size=384).tolist()
    seen, asked, errors = None, 0, {}
    while write.poll() is None:
        try:
            versions = sorted(docs.get()["documents"])
            if mode == "always" or (mode == "reopen" and versions != seen):
                client.close()
                client = _client(path)
                chunks, docs = _collections(client)
                seen = versions
            if versions:
                where = {"version": {"$in": versions}}
                chunks.query(query_embeddings=[query], n_results=10, where=where)
            asked += 1
        except Exception as exc:
            kind = f"{type(exc).__name__}: {str(exc)[:80]}"
            errors[kind] = errors.get(kind, 0) + 1
    print(json.dumps({"questions": asked, "errors": errors}))


def main(rounds: int) -> None:
    for mode in ("stay", "reopen", "always"):
        with tempfile.TemporaryDirectory(prefix="chroma-two-") as folder:
            path = str(Path(folder) / "db")
            run = subprocess.run(
                [sys.executable, __file__, "reader", path, str(rounds), mode],
                capture_output=True,
                text=True,
            )
            result = json.loads(run.stdout.strip().splitlines()[-1]) if run.stdout.strip() else {}
            print(json.dumps({"mode": mode, "reader_exit": run.returncode, **result}))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "writer":
        writer(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) > 1 and sys.argv[1] == "reader":
        reader(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 4)
