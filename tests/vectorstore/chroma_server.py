"""A real `chroma run` process on 127.0.0.1 for tests; started and stopped by its PID only."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.processes import HOST, free_port, stop

READY_TIMEOUT = 60.0


def chroma_executable() -> str:
    """The `chroma` script installed beside this interpreter (not a pyenv shim that re-execs)."""
    beside = Path(sys.executable).parent / "chroma"
    found = str(beside) if beside.is_file() else shutil.which("chroma")
    if not found:
        raise RuntimeError("the `chroma` executable of the chromadb package is not installed")
    return found


class ChromaServer:
    """`chroma run --path DIR --host 127.0.0.1 --port PORT`, restartable on the same port/path."""

    def __init__(self, path: Path, port: int | None = None) -> None:
        self.path = path
        self.port = port or free_port()
        self.host = HOST
        self.process: subprocess.Popen[bytes] | None = None
        self.log = path.parent / f"{path.name}-server.log"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> ChromaServer:
        self.path.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    chroma_executable(),
                    "run",
                    "--path",
                    str(self.path),
                    "--host",
                    self.host,
                    "--port",
                    str(self.port),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self._wait_until_ready()
        return self

    def is_alive(self) -> bool:
        try:
            with httpx.Client(trust_env=False, timeout=1.0) as client:
                return client.get(f"{self.url}/api/v2/heartbeat").status_code == 200
        except httpx.HTTPError:
            return False

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"chroma server exited with {self.process.returncode}:\n{self._log_tail()}"
                )
            if self.is_alive():
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"chroma server not ready after {READY_TIMEOUT:g} s:\n{self._log_tail()}"
        )

    def stop(self) -> None:
        """Stop our own process by its PID: SIGTERM, then SIGKILL if it lingers."""
        process, self.process = self.process, None
        stop(process, timeout=15)

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return "(no log)"
