"""Fetch publication PDFs into a cache directory; fail fast and in plain words when offline."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import socket
import ssl
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

import httpx

from ingest.errors import DownloadError

MAX_BYTES_ENV = "ATP_MAX_DOWNLOAD_MB"
USER_AGENT = f"icmpd-atp-assistant/0.1 (publication downloader; python-httpx/{httpx.__version__})"
PDF_SIGNATURE = b"%PDF-"
PDF_END = b"%%EOF"
SNIFF_BYTES = 1024  # readers accept junk before the signature, so look this far in
STALE_TEMP_SECONDS = 3600.0  # a temp file without a writer's PID is abandoned after this

_MAX_NAME = 120
_TEMP_NAME = re.compile(r"^\.(?P<kind>[a-z]+)-(?P<pid>\d+)-.*\.part$")
_RETRY_STATUSES = frozenset({408, 429})  # and every 5xx
_UNREACHABLE_ERRNOS = {
    errno.ENETUNREACH: "network unreachable",
    errno.EHOSTUNREACH: "host unreachable",
}


@dataclass(frozen=True)
class DownloadPolicy:
    """Timeouts, retries and the size cap for one Downloader."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 3  # extra attempts after the first, only for transient failures
    backoff: float = 0.5  # seconds before the first retry, doubled each retry
    max_bytes: int = 200 * 1024 * 1024


class _Failure(Exception):
    """One attempt failed; `transient` says whether another attempt may succeed."""

    def __init__(self, reason: str, *, transient: bool = False, unreachable: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.unreachable = unreachable  # host label to give up on for the rest of the run


class Downloader:
    """Downloads PDFs atomically into `cache_dir` and reuses what is already there."""

    def __init__(
        self,
        cache_dir: Path,
        policy: DownloadPolicy = DownloadPolicy(),  # frozen, so one shared default is safe
        client: httpx.Client | None = None,
    ) -> None:
        self.cache_dir = Path(cache_dir)
        self.policy = policy
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client()
        self._timeout = httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout)
        self._unreachable: dict[str, str] = {}  # host label -> reason

    def cached_path(self, url: str) -> Path:
        """Where `url` is cached: a hash keeps names unique, the basename keeps them readable."""
        digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]
        try:
            path = urlsplit(url).path
        except ValueError:  # e.g. a malformed IPv6 host; the hash still names it
            path = ""
        base = unquote(path.rstrip("/").rsplit("/", 1)[-1])
        stem = re.sub(r"[^A-Za-z0-9._-]+", "_", base).strip("._-")
        stem = re.sub(r"\.pdf$", "", stem, flags=re.IGNORECASE) or "document"
        stem = stem[: _MAX_NAME - len(digest) - len("-.pdf")].rstrip("._-") or "document"
        return self.cache_dir / f"{digest}-{stem}.pdf"

    def fetch(self, url: str, refresh: bool = False) -> Path:
        """Return a local path to a verified PDF for `url`, downloading it if not cached.

        `refresh` downloads it again though it is cached: a publication replaced at the same
        address is otherwise never seen. The cached copy is replaced only by a whole, verified
        new one, so a failed refresh leaves it as it was.
        """
        host = _host_label(_checked_url(url))
        path = self.cached_path(url)
        if not refresh and _looks_like_pdf(path):
            return path
        if host in self._unreachable:
            raise DownloadError(url, self._unreachable[host])
        attempts = self.policy.retries + 1
        attempt = 1
        while True:
            try:
                self._download(url, path)
                return path
            except _Failure as failure:
                if failure.unreachable:
                    self._unreachable[failure.unreachable] = failure.reason
                if not failure.transient:
                    raise DownloadError(url, failure.reason) from failure
                if attempt >= attempts:
                    reason = f"{failure.reason}; gave up after {attempts} attempts"
                    raise DownloadError(url, reason) from failure
            time.sleep(self.policy.backoff * 2 ** (attempt - 1))
            attempt += 1

    def close(self) -> None:
        """Close the HTTP client if this Downloader created it."""
        if self._owns_client:
            self._client.close()

    def __enter__(self) -> Downloader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _download(self, url: str, path: Path) -> None:
        """Stream into a temp file beside `path`, then rename, so `path` is never partial."""
        tmp: Path | None = None
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = temp_file(self.cache_dir, "download")
            with os.fdopen(fd, "wb") as out:
                self._stream(url, out)
            os.replace(tmp, path)
            tmp = None
        except OSError as exc:
            reason = f"cannot write to the cache directory {self.cache_dir} ({exc.strerror or exc})"
            raise _Failure(reason) from exc
        finally:
            if tmp is not None:
                tmp.unlink(missing_ok=True)

    def _stream(self, url: str, out: BinaryIO) -> None:
        """One GET: check status and size, then copy the body while checking it is a PDF."""
        headers = {"User-Agent": USER_AGENT, "Accept": "application/pdf,*/*;q=0.8"}
        try:
            with self._client.stream(
                "GET", url, headers=headers, timeout=self._timeout, follow_redirects=True
            ) as response:
                expected = self._check_response(response)
                self._copy_body(response, out, expected)
        except httpx.HTTPError as exc:
            raise _classify(exc, self.policy) from exc

    def _check_response(self, response: httpx.Response) -> int | None:
        """Reject bad statuses and announced oversize bodies; return the announced length."""
        status = response.status_code
        if not response.is_success:
            transient = status >= 500 or status in _RETRY_STATUSES
            raise _Failure(f"HTTP {status} {response.reason_phrase}".strip(), transient=transient)
        length = response.headers.get("content-length", "")
        expected = int(length) if length.isdigit() else None
        if expected is not None and expected > self.policy.max_bytes:
            raise _Failure(
                f"file is {_size(expected)}, over the {_size(self.policy.max_bytes)} download cap;"
                f" raise {MAX_BYTES_ENV} to allow it"
            )
        return expected

    def _copy_body(self, response: httpx.Response, out: BinaryIO, expected: int | None) -> None:
        """Write the body to `out`, stopping as soon as it is too big or clearly not a PDF."""
        head = tail = b""
        written = 0
        try:
            for chunk in response.iter_bytes():
                written += len(chunk)
                if written > self.policy.max_bytes:
                    raise _Failure(
                        f"download exceeded the {_size(self.policy.max_bytes)} cap;"
                        f" raise {MAX_BYTES_ENV} to allow bigger files"
                    )
                if len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                    if len(head) >= SNIFF_BYTES and PDF_SIGNATURE not in head:
                        raise _not_a_pdf(response, head)
                out.write(chunk)
                tail = (tail + chunk)[-SNIFF_BYTES:]
        except httpx.RemoteProtocolError as exc:
            raise _truncated(response, expected) from exc
        if PDF_SIGNATURE not in head:
            raise _not_a_pdf(response, head)
        if expected is not None and response.num_bytes_downloaded < expected:
            raise _truncated(response, expected)
        if _close_delimited(response) and PDF_END not in tail:
            # Without a length or chunked framing, a dropped connection looks like the end of
            # the body; only the PDF's own end marker tells a whole file from a cut one.
            raise _truncated(response, None)


def _checked_url(url: str) -> httpx.URL:
    """Parse `url`, accepting only http(s) with a host, so nothing else is ever opened."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise DownloadError(url, f"not a valid URL ({exc})") from exc
    if parsed.scheme not in ("http", "https"):
        shown = f"'{parsed.scheme}'" if parsed.scheme else "(none)"
        raise DownloadError(url, f"unsupported URL scheme {shown}; only http and https are allowed")
    if not parsed.host:
        raise DownloadError(url, "URL has no host name")
    return parsed


def temp_file(folder: Path, kind: str) -> tuple[int, Path]:
    """A hidden temp file in `folder` named after this process, so a later run can tell an
    abandoned one (its writer was killed) from one another process is still writing."""
    fd, name = tempfile.mkstemp(dir=folder, prefix=f".{kind}-{os.getpid()}-", suffix=".part")
    return fd, Path(name)


def remove_stale_temp_files(folder: Path) -> int:
    """Delete temp files left by killed writers (a dead PID, or no PID and an hour old)."""
    removed = 0
    for path in folder.glob("*.part") if folder.is_dir() else ():
        match = _TEMP_NAME.match(path.name)
        try:
            if match:
                stale = not _is_running(int(match["pid"]))
            else:  # written before temp names carried a PID
                stale = time.time() - path.stat().st_mtime > STALE_TEMP_SECONDS
            if stale:
                path.unlink()
                removed += 1
        except OSError:  # gone already, or not ours to delete
            continue
    return removed


def _is_running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _close_delimited(response: httpx.Response) -> bool:
    """True when only the connection closing marks the end of the body."""
    headers = response.headers
    return (
        "content-length" not in headers
        and "chunked" not in headers.get("transfer-encoding", "").lower()
    )


def _looks_like_pdf(path: Path) -> bool:
    """True if `path` is a file whose first bytes carry the PDF signature."""
    try:
        with path.open("rb") as f:
            return PDF_SIGNATURE in f.read(SNIFF_BYTES)
    except OSError:
        return False


def _host_label(url: httpx.URL) -> str:
    """Host as people write it: with the port only when it is not the default."""
    return f"{url.host}:{url.port}" if url.port else url.host


def _size(n: int) -> str:
    """Bytes in the unit the cap is configured in (MB), or plain bytes when tiny."""
    return f"{n / 1024 / 1024:.4g} MB" if n >= 1024 * 1024 else f"{n} bytes"


def _one_line(exc: BaseException) -> str:
    """The exception message squeezed to one line, or its type name when it has none."""
    return " ".join(str(exc).split()) or type(exc).__name__


def _not_a_pdf(response: httpx.Response, head: bytes) -> _Failure:
    """Explain what came back instead of a PDF; retrying would only fetch it again."""
    ctype = response.headers.get("content-type", "").split(";")[0].strip().lower() or "none"
    if "html" in ctype or head.lstrip()[:15].lower().startswith((b"<!doctype html", b"<html")):
        return _Failure(f"server returned HTML, not a PDF (content-type {ctype})")
    if not head:
        return _Failure(f"server returned an empty body, not a PDF (content-type {ctype})")
    return _Failure(f"server returned something that is not a PDF (content-type {ctype})")


def _truncated(response: httpx.Response, expected: int | None) -> _Failure:
    """The connection ended early; often a flaky link, so worth another attempt."""
    got = response.num_bytes_downloaded
    if expected is None:
        return _Failure(f"download truncated: connection closed after {got} bytes", transient=True)
    return _Failure(f"download truncated: got {got} of {expected} bytes", transient=True)


def _classify(exc: httpx.HTTPError, policy: DownloadPolicy) -> _Failure:
    """Turn an httpx error into a one-line reason and decide whether retrying can help."""
    try:
        host = _host_label(exc.request.url)
    except RuntimeError:  # errors raised outside a request carry none
        host = "the server"
    if isinstance(exc, httpx.ConnectTimeout):
        why = f"could not connect to {host} within {policy.connect_timeout:g} s (connect timeout)"
        return _Failure(why, transient=True)
    if isinstance(exc, httpx.ReadTimeout):
        why = f"{host} sent no data for {policy.read_timeout:g} s (read timeout)"
        return _Failure(why, transient=True)
    if isinstance(exc, httpx.TimeoutException):
        return _Failure(f"timed out talking to {host}", transient=True)
    if isinstance(exc, httpx.ConnectError):
        return _connect_failure(exc, host)
    if isinstance(exc, httpx.RemoteProtocolError):
        return _Failure(f"{host} closed the connection unexpectedly", transient=True)
    if isinstance(exc, httpx.UnsupportedProtocol):
        return _Failure(f"redirected to an unsupported URL ({exc.request.url})")
    if isinstance(exc, httpx.TooManyRedirects):
        return _Failure(f"too many redirects from {host}")
    if isinstance(exc, httpx.TransportError):  # reset connections, proxy hiccups
        return _Failure(f"connection to {host} broke ({_one_line(exc)})", transient=True)
    return _Failure(_one_line(exc))


def _connect_failure(exc: httpx.ConnectError, host: str) -> _Failure:
    """No name or no route is final for this run; other connect errors may pass."""
    cause: BaseException | None = exc
    seen: set[int] = set()
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        why = ""
        if isinstance(cause, socket.gaierror):
            why = "name resolution failed"
        elif isinstance(cause, ConnectionRefusedError):
            why = "connection refused"
        elif isinstance(cause, OSError) and cause.errno in _UNREACHABLE_ERRNOS:
            why = _UNREACHABLE_ERRNOS[cause.errno]
        elif isinstance(cause, ssl.SSLError):
            return _Failure(f"secure connection to {host} failed ({_one_line(cause)})")
        if why:
            return _Failure(f"cannot reach {host} ({why}) - no network?", unreachable=host)
        cause = cause.__cause__ or cause.__context__
    return _Failure(f"cannot connect to {host} ({_one_line(exc)})", transient=True)
