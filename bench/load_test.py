"""Load test: many chat sessions against the running app, optionally while an upload ingests.

    python bench/load_test.py --data-dir DIR [--sessions 20] [--duration 60]
                              [--ingest-during FILE.pdf] [--json OUT.json]

Starts `app.py` on 127.0.0.1 over a copy of DIR (the original index is never touched), then
drives `--sessions` concurrent chat sessions through the Gradio client API for `--duration`
seconds. Each session is its own conversation: it asks a rotation of questions (a period
question, topic questions, a follow-up that needs the previous turn, an unanswerable one and
a long one) and records each question's latency and whether a checked answer (or a refusal)
came back. The app's memory (its process and children) is sampled every 0.5 s.

With `--ingest-during`, a separate admin session uploads the PDF through the Library's upload
endpoint a third of the way in; latencies while it ingests are compared with idle ones, and
after the app stops, `ingest list --json` must show the document in the index.

Exits 1 when a question failed or went unanswered, or the uploaded document is missing.
Timings come from a shared 2-core machine: compare the during/idle ratio, not the absolutes.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil
from gradio_client import Client, handle_file

from ingest.sources import slugify  # the upload's id, as the Library derives it

ROOT = Path(__file__).resolve().parents[1]
LONG = (
    "I coordinate a national referral mechanism and need to brief a ministry on how victims "
    "are identified, referred to assistance and protected during criminal proceedings; "
) * 8 + "what do the publications recommend for identifying and referring victims?"
# A conversation per session; "follow-up" questions need the turn before them.
CONVERSATION = (
    ("period", "What happened in 2017?"),
    ("topic", "How should frontline officers identify victims of trafficking?"),
    ("follow-up", "And what should they do after that?"),
    ("topic", "What is a transnational referral mechanism?"),
    ("unanswerable", "What was the price of a train ticket from Vienna to Sofia in 2004?"),
    ("long", LONG),
    ("topic", "How are children protected from trafficking?"),
)
ANSWER, REFUSED, ERROR, PENDING = "atp-answer", "atp-refused", "atp-error", "atp-streaming"


@dataclass
class Result:
    session: int
    kind: str
    started: float  # seconds since the load began
    seconds: float
    outcome: str  # answered, refused, error (the app's message), failed (no reply)
    detail: str = ""


@dataclass
class Upload:
    started: float = 0.0
    seconds: float = 0.0
    message: str = ""
    listed: bool = False


@dataclass
class Memory:
    samples: list[tuple[float, float]] = field(default_factory=list)  # (t, MiB)

    def peak(self) -> float:
        return max((mib for _, mib in self.samples), default=0.0)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(data_dir: Path, port: int, password: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "ATP_ADMIN_PASSWORD": password, "GRADIO_ANALYTICS_ENABLED": "False"}
    cmd = [sys.executable, str(ROOT / "app.py"), "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--data-dir", str(data_dir)]
    with log.open("w") as out:
        return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_until_up(url: str, app: subprocess.Popen, timeout: float = 300) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if app.poll() is not None:
            raise SystemExit(f"the app exited with code {app.returncode} before it served")
        try:
            with urllib.request.urlopen(url, timeout=5) as reply:
                if reply.status == 200:
                    return time.perf_counter() - started
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the app did not answer at {url} within {timeout:.0f} s")


def stop(app: subprocess.Popen) -> None:
    """By PID: terminate, then kill if it lingers."""
    if app.poll() is None:
        app.terminate()
        try:
            app.wait(20)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait(10)


def sample_memory(pid: int, memory: Memory, t0: float, done: threading.Event) -> None:
    root = psutil.Process(pid)
    while not done.is_set():
        try:
            procs = [root, *root.children(recursive=True)]
            rss = sum(p.memory_info().rss for p in procs if p.is_running())
            memory.samples.append((round(time.perf_counter() - t0, 1), rss / 2**20))
        except psutil.Error:
            pass
        done.wait(0.5)


def outcome_of(reply: object) -> tuple[str, str]:
    """The last chat message's kind: a checked answer, a refusal, or the app's error text."""
    try:
        messages, _box = reply  # type: ignore[misc]
        last = messages[-1]
        content = last["content"] if isinstance(last, dict) else str(last)
    except (TypeError, ValueError, IndexError, KeyError) as exc:
        return "failed", f"unexpected reply {type(exc).__name__}: {str(reply)[:200]}"
    if isinstance(content, list):  # a message may arrive as a list of parts
        content = " ".join(str(part.get("text", part)) for part in content)
    if ERROR in content:
        return "error", content[:300]
    if PENDING in content:
        return "failed", "the answer never finished streaming"
    if REFUSED in content:
        return "refused", ""
    if ANSWER in content:
        return "answered", ""
    return "failed", f"no answer in the reply: {content[:200]}"


def session(
    n: int, url: str, t0: float, deadline: float, results: list[Result], lock: threading.Lock
) -> None:
    client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
    turn = n  # sessions start at different points of the conversation
    while time.perf_counter() < deadline:
        kind, question = CONVERSATION[turn % len(CONVERSATION)]
        if kind == "follow-up" and turn == n:  # its first question needs the one before it
            kind, question = CONVERSATION[(turn - 1) % len(CONVERSATION)]
        turn += 1
        started = time.perf_counter()
        try:
            reply = client.predict(question=question, api_name="/ask")
            outcome, detail = outcome_of(reply)
        except Exception as exc:  # the client's error is the finding; the run goes on
            outcome, detail = "failed", f"{type(exc).__name__}: {str(exc)[:300]}"
        seconds = time.perf_counter() - started
        with lock:
            results.append(
                Result(n, kind, round(started - t0, 2), round(seconds, 3), outcome, detail)
            )


def baseline(client: Client) -> list[float]:
    """The same conversation twice from one session, before the load: what the ratios compare to."""
    seconds = []
    for _kind, question in CONVERSATION * 2:
        started = time.perf_counter()
        client.predict(question=question, api_name="/ask")
        seconds.append(time.perf_counter() - started)
    return seconds


def upload_during(url: str, pdf: Path, password: str, t0: float, at: float, upload: Upload) -> None:
    client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
    time.sleep(max(0.0, at - (time.perf_counter() - t0)))
    upload.started = time.perf_counter() - t0
    try:
        html, _files = client.predict(
            files=[handle_file(str(pdf))],
            title="",
            year=None,
            doc_type="publication",
            password=password,
            api_name="/upload",
        )
        upload.message = str(html)
    except Exception as exc:
        upload.message = f"upload failed: {type(exc).__name__}: {exc}"
    upload.seconds = time.perf_counter() - t0 - upload.started


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarise(results: list[Result], upload: Upload | None) -> dict:
    latencies = [r.seconds for r in results if r.outcome in {"answered", "refused"}]
    summary = {
        "questions": len(results),
        "answered": sum(r.outcome == "answered" for r in results),
        "refused": sum(r.outcome == "refused" for r in results),
        "errors": sum(r.outcome == "error" for r in results),
        "failed": sum(r.outcome == "failed" for r in results),
        "p50_s": round(statistics.median(latencies), 3) if latencies else None,
        "p95_s": round(percentile(latencies, 0.95), 3),
        "max_s": round(max(latencies, default=0.0), 3),
        "by_kind_p50_s": {
            kind: round(statistics.median(s), 3)
            for kind in sorted({r.kind for r in results})
            if (s := [r.seconds for r in results if r.kind == kind and r.outcome != "failed"])
        },
    }
    if upload is not None and upload.seconds:
        window = (upload.started, upload.started + upload.seconds)

        def during(r: Result) -> bool:
            return r.started < window[1] and r.started + r.seconds > window[0]

        busy = [r.seconds for r in results if during(r) and r.outcome != "failed"]
        idle = [r.seconds for r in results if not during(r) and r.outcome != "failed"]
        summary["during_ingest"] = {
            "questions": len(busy),
            "p50_s": round(statistics.median(busy), 3) if busy else None,
            "p95_s": round(percentile(busy, 0.95), 3),
            "idle_p50_s": round(statistics.median(idle), 3) if idle else None,
            "p50_ratio": round(statistics.median(busy) / statistics.median(idle), 2)
            if busy and idle
            else None,
        }
    return summary


def listed(data_dir: Path, doc_id: str) -> bool:
    """After the app stopped: is the uploaded document in the index on disk?"""
    done = subprocess.run(
        [sys.executable, "-m", "ingest", "--data-dir", str(data_dir), "list", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        return False
    return any(d["id"] == doc_id for d in json.loads(done.stdout))  # list --json: the documents


def run(args: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix="atp-load-"))
    data_dir = work / "data"
    shutil.copytree(args.data_dir, data_dir)
    port, password = free_port(), secrets.token_urlsafe(16)
    url = f"http://127.0.0.1:{port}/"
    app = start_app(data_dir, port, password, work / "app.log")
    results: list[Result] = []
    memory, upload = Memory(), (Upload() if args.ingest_during else None)
    try:
        startup = wait_until_up(url, app)
        warm = Client(url, verbose=False, analytics_enabled=False, download_files=False)
        warm.predict(question=CONVERSATION[1][1], api_name="/ask")  # loads the models
        alone = baseline(warm)
        t0 = time.perf_counter()
        deadline = t0 + args.duration
        done, lock = threading.Event(), threading.Lock()
        sampler = threading.Thread(target=sample_memory, args=(app.pid, memory, t0, done))
        sampler.start()
        threads = [
            threading.Thread(target=session, args=(n, url, t0, deadline, results, lock))
            for n in range(args.sessions)
        ]
        if upload is not None:
            at = args.duration / 3
            threads.append(
                threading.Thread(
                    target=upload_during,
                    args=(url, args.ingest_during, password, t0, at, upload),
                )
            )
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - t0
        done.set()
        sampler.join()
    finally:
        stop(app)
    if upload is not None:
        upload.listed = listed(data_dir, slugify(Path(args.ingest_during).stem))
    summary = summarise(results, upload)
    if summary["p50_s"]:
        summary["p50_vs_one_session"] = round(summary["p50_s"] / statistics.median(alone), 1)
    report = {
        "sessions": args.sessions,
        "duration_s": args.duration,
        "wall_s": round(wall, 1),
        "app_startup_s": round(startup, 1),
        "questions_per_s": round(len(results) / wall, 2),
        "one_session_p50_s": round(statistics.median(alone), 3),
        **summary,
        "peak_rss_mib": round(memory.peak(), 1),
        "idle_rss_mib": round(memory.samples[0][1], 1) if memory.samples else None,
        "upload": asdict(upload) if upload is not None else None,
        "problems": [asdict(r) for r in results if r.outcome in {"error", "failed"}][:20],
        "app_log": str(work / "app.log"),
    }
    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="an index to copy and serve")
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    parser.add_argument("--ingest-during", type=Path, help="a PDF to upload a third of the way in")
    parser.add_argument("--json", type=Path, help="also write the report here")
    parser.add_argument("--keep", action="store_true", help="keep the copied index")
    args = parser.parse_args()
    from vectorstore.generations import Generations

    if Generations(args.data_dir).current() is None:
        parser.error(f"{args.data_dir} holds no index (run `python -m ingest` first)")
    report = run(args)
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    bad = report["errors"] + report["failed"]
    upload = report["upload"]
    if bad or report["questions"] == 0 or (upload is not None and not upload["listed"]):
        print(
            f"FAILED: {bad} of {report['questions']} questions without an answer"
            + ("" if upload is None or upload["listed"] else "; the upload is not in the index"),
            file=sys.stderr,
        )
        sys.exit(1)
    print(
        f"OK: {report['questions']} questions from {args.sessions} sessions, "
        f"p50 {report['p50_s']} s, p95 {report['p95_s']} s, peak {report['peak_rss_mib']} MiB",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
