"""Downloader against a real HTTP server on 127.0.0.1: retries, caps, caching, offline."""

from __future__ import annotations

import io
import re
import socket
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pypdf import PdfWriter

from ingest.download import Downloader, DownloadPolicy
from ingest.errors import DownloadError
from tests.http_site import Reply, Site
from tests.processes import free_port

FAST = DownloadPolicy(connect_timeout=1.0, read_timeout=1.0, retries=2, backoff=0.01)


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy from the developer's environment must not stand between us and 127.0.0.1."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def site() -> Iterator[Site]:
    server = Site()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def files(directory: Path) -> list[str]:
    """Everything under `directory`, hidden temp files included."""
    return sorted(p.name for p in directory.rglob("*")) if directory.exists() else []


def test_fetch_saves_pdf_and_reuses_cache(site: Site, cache: Path, pdf: bytes) -> None:
    url = site.serve("/pub/report.pdf", Reply(pdf))
    with Downloader(cache, FAST) as downloader:
        first = downloader.fetch(url)
        second = downloader.fetch(url)
    assert first == second == downloader.cached_path(url)
    assert first.read_bytes() == pdf
    assert site.hits["/pub/report.pdf"] == 1
    assert files(cache) == [first.name]
    assert site.user_agents[0].startswith("icmpd-atp-assistant/")


def test_cache_survives_a_new_downloader(site: Site, cache: Path, pdf: bytes) -> None:
    url = site.serve("/a.pdf", Reply(pdf))
    with Downloader(cache, FAST) as downloader:
        downloader.fetch(url)
    with Downloader(cache, FAST) as downloader:
        assert downloader.fetch(url).read_bytes() == pdf
    assert site.hits["/a.pdf"] == 1


def test_refresh_downloads_a_cached_url_again(site: Site, cache: Path, pdf: bytes) -> None:
    newer = pdf.replace(b"%%EOF", b"% revised\n%%EOF")
    url = site.serve("/a.pdf", Reply(pdf), Reply(newer))
    with Downloader(cache, FAST) as downloader:
        downloader.fetch(url)
        assert downloader.fetch(url).read_bytes() == pdf  # cached: the server is not asked
        assert site.hits["/a.pdf"] == 1
        assert downloader.fetch(url, refresh=True).read_bytes() == newer
    assert site.hits["/a.pdf"] == 2
    assert files(cache) == [downloader.cached_path(url).name]


def test_failed_refresh_keeps_the_cached_copy(site: Site, cache: Path, pdf: bytes) -> None:
    url = site.serve("/a.pdf", Reply(pdf), Reply(b"<html>gone</html>", 404, "text/html"))
    with Downloader(cache, FAST) as downloader:
        path = downloader.fetch(url)
        with pytest.raises(DownloadError, match="HTTP 404"):
            downloader.fetch(url, refresh=True)
    assert path.read_bytes() == pdf
    assert files(cache) == [path.name]


def test_invalid_cached_file_is_downloaded_again(site: Site, cache: Path, pdf: bytes) -> None:
    url = site.serve("/a.pdf", Reply(pdf))
    downloader = Downloader(cache, FAST)
    cache.mkdir()
    downloader.cached_path(url).write_bytes(b"<html>error</html>")
    assert downloader.fetch(url).read_bytes() == pdf
    assert site.hits["/a.pdf"] == 1
    downloader.close()


def test_slow_server_is_retried_then_reported(site: Site, cache: Path, pdf: bytes) -> None:
    url = site.serve("/slow.pdf", Reply(pdf, delay=3.0))
    policy = DownloadPolicy(connect_timeout=1.0, read_timeout=0.3, retries=1, backoff=0.01)
    start = time.monotonic()
    with Downloader(cache, policy) as downloader, pytest.raises(DownloadError) as caught:
        downloader.fetch(url)
    assert time.monotonic() - start < 2.0
    host = url.split("/")[2]
    assert caught.value.reason == (
        f"{host} sent no data for 0.3 s (read timeout); gave up after 2 attempts"
    )
    assert site.hits["/slow.pdf"] == 2
    assert files(cache) == []


@pytest.mark.parametrize(("status", "phrase"), [(404, "Not Found"), (403, "Forbidden")])
def test_client_errors_are_not_retried(site: Site, cache: Path, status: int, phrase: str) -> None:
    url = site.serve("/gone.pdf", Reply(status=status))
    with Downloader(cache, FAST) as downloader, pytest.raises(DownloadError) as caught:
        downloader.fetch(url)
    assert caught.value.reason == f"HTTP {status} {phrase}"
    assert caught.value.source == url
    assert site.hits["/gone.pdf"] == 1
    assert files(cache) == []


@pytest.mark.parametrize("status", [500, 503, 429, 408])
def test_transient_status_is_retried_until_server_recovers(
    site: Site, cache: Path, pdf: bytes, status: int
) -> None:
    url = site.serve("/flaky.pdf", Reply(status=status), Reply(status=status), Reply(pdf))
    policy = DownloadPolicy(retries=3, backoff=0.01)
    with Downloader(cache, policy) as downloader:
        path = downloader.fetch(url)
    assert path.read_bytes() == pdf
    assert site.hits["/flaky.pdf"] == 3


def test_server_error_forever_gives_up_after_backed_off_retries(site: Site, cache: Path) -> None:
    url = site.serve("/broken.pdf", Reply(status=500))
    policy = DownloadPolicy(retries=3, backoff=0.05)
    start = time.monotonic()
    with Downloader(cache, policy) as downloader, pytest.raises(DownloadError) as caught:
        downloader.fetch(url)
    assert 0.05 + 0.1 + 0.2 <= time.monotonic() - start < 2.0  # backoff doubles each retry
    assert caught.value.reason == "HTTP 500 Internal Server Error; gave up after 4 attempts"
    assert site.hits["/broken.pdf"] == 4
    assert files(cache) == []


def test_truncated_body_is_retried_and_leaves_no_file(site: Site, cache: Path) -> None:
    body = b"%PDF-1.7\n" + b"x" * 491
    url = site.serve("/cut.pdf", Reply(body, length=10_000))
    with Downloader(cache, FAST) as downloader, pytest.raises(DownloadError) as caught:
        downloader.fetch(url)
    reason = "download truncated: got 500 of 10000 bytes; gave up after 3 attempts"
    assert caught.value.reason == reason
    assert site.hits["/cut.pdf"] == 3
    assert files(cache) == []


def test_html_instead_of_pdf_is_rejected(site: Site, cache: Path) -> None:
    page = b"<!DOCTYPE html><html><body>Please log in</body></html>"
    url = site.serve("/login.pdf", Reply(page, content_type="text/html; charset=utf-8"))
    with Downloader(cache, FAST) as downloader, pytest.raises(DownloadError) as caught:
        downloader.fetch(url)
    assert caught.value.reason == "server returned HTML, not a PDF (content-type text/html)"
    assert site.hits["/login.pdf"] == 1
    assert files(cache) == []


def test_announced_oversize_is_refused(site: Site, cache: Path, pdf: bytes) -> None:
    url = site.serve("/big.pdf", Reply(pdf))
    policy = DownloadPolicy(retries=2, backoff=0.01, max_bytes=100)
    with Downloader(cache, policy) as downloader, pytest.raises(DownloadError) as caught:
        downloader.fetch(url)
    assert caught.value.reason == (
        f"file is {len(pdf)} bytes, over the 100 bytes download cap;"
        " raise ATP_MAX_DOWNLOAD_MB to allow it"
    )
    assert site.hits["/big.pdf"] == 1
    assert files(cache) == []


def test_unannounced_oversize_is_cut_off_while_streaming(site: Site, cache: Path) -> None:
    body = b"%PDF-1.7\n" + b"x" * 2_000_000
    url = site.serve("/endless.pdf", Reply(body, length=None))
    policy = DownloadPolicy(retries=2, backoff=0.01, max_bytes=64 * 1024)
    with Downloader(cache, policy) as downloader, pytest.raises(DownloadError) as caught:
        downloader.fetch(url)
    assert caught.value.reason == (
        "download exceeded the 65536 bytes cap; raise ATP_MAX_DOWNLOAD_MB to allow bigger files"
    )
    assert site.hits["/endless.pdf"] == 1
    assert files(cache) == []


def test_redirects_are_followed(site: Site, cache: Path, pdf: bytes) -> None:
    site.serve("/new/report.pdf", Reply(pdf))
    url = site.serve("/old", Reply(status=302, location="/new/report.pdf"))
    with Downloader(cache, FAST) as downloader:
        path = downloader.fetch(url)
    assert path == downloader.cached_path(url)
    assert path.read_bytes() == pdf
    assert site.hits == Counter({"/old": 1, "/new/report.pdf": 1})


def test_redirect_to_local_file_is_refused(site: Site, cache: Path) -> None:
    url = site.serve("/sneaky.pdf", Reply(status=302, location="file:///etc/passwd"))
    with Downloader(cache, FAST) as downloader, pytest.raises(DownloadError) as caught:
        downloader.fetch(url)
    assert caught.value.reason.startswith("redirected to an unsupported URL")
    assert site.hits["/sneaky.pdf"] == 1
    assert files(cache) == []


def test_refused_connection_fails_fast_and_host_is_remembered(cache: Path, pdf: bytes) -> None:
    port = free_port()
    policy = DownloadPolicy(retries=3, backoff=1.0)
    downloader = Downloader(cache, policy)
    start = time.monotonic()
    with pytest.raises(DownloadError) as first:
        downloader.fetch(f"http://127.0.0.1:{port}/one.pdf")
    assert time.monotonic() - start < 0.9  # a single retry would have slept 1 s
    assert first.value.reason == f"cannot reach 127.0.0.1:{port} (connection refused) - no network?"

    site = Site(port)  # the host answers now, yet this run must not try it again
    try:
        url = site.serve("/two.pdf", Reply(pdf))
        with pytest.raises(DownloadError) as second:
            downloader.fetch(url)
        assert second.value.reason == first.value.reason
        assert site.hits == Counter()
        downloader.close()
        with Downloader(cache, policy) as next_run:
            assert next_run.fetch(url).read_bytes() == pdf
        assert site.hits["/two.pdf"] == 1
    finally:
        site.stop()


def test_failed_name_resolution_fails_fast(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The OS resolver is replaced by one that fails: tests may not query a real DNS server."""
    lookups: list[str] = []

    def offline_getaddrinfo(host: str, *args: object, **kwargs: object) -> list[object]:
        lookups.append(host)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", offline_getaddrinfo)
    reason = "cannot reach www.icmpd.org (name resolution failed) - no network?"
    with Downloader(cache, DownloadPolicy(retries=3, backoff=1.0)) as downloader:
        for name in ("a.pdf", "b.pdf"):
            with pytest.raises(DownloadError) as caught:
                downloader.fetch(f"https://www.icmpd.org/{name}")
            assert caught.value.reason == reason
    assert lookups == ["www.icmpd.org"]


@pytest.mark.parametrize(
    ("url", "scheme"),
    [
        ("file:///etc/passwd", "'file'"),
        ("javascript:alert(1)", "'javascript'"),
        ("ftp://ftp.example.org/report.pdf", "'ftp'"),
        ("data:application/pdf;base64,JVBERi0=", "'data'"),
        ("reports/annual.pdf", "(none)"),
    ],
)
def test_only_http_and_https_are_accepted(cache: Path, url: str, scheme: str) -> None:
    with Downloader(cache, FAST) as downloader, pytest.raises(DownloadError) as caught:
        downloader.fetch(url)
    assert caught.value.reason == (
        f"unsupported URL scheme {scheme}; only http and https are allowed"
    )
    assert files(cache) == []


def test_injected_client_is_left_open(site: Site, cache: Path, pdf: bytes) -> None:
    url = site.serve("/a.pdf", Reply(pdf))
    with httpx.Client() as client:
        with Downloader(cache, FAST, client=client) as downloader:
            downloader.fetch(url)
        assert not client.is_closed
    assert site.hits["/a.pdf"] == 1


def test_cached_path_is_safe_readable_and_deterministic(tmp_path: Path) -> None:
    downloader = Downloader(tmp_path)
    hostile = "https://www.icmpd.org/file/download/123/../../etc/passwd%00?x=1#top"
    path = downloader.cached_path(hostile)
    assert path.parent == tmp_path
    assert re.fullmatch(r"[0-9a-f]{16}-passwd\.pdf", path.name)
    assert downloader.cached_path(hostile) == path

    spaced = downloader.cached_path("https://www.icmpd.org/Report%20on%20Trafficking.PDF")
    assert spaced.name.endswith("-Report_on_Trafficking.pdf")

    long_name = downloader.cached_path("https://x.org/" + "a" * 500 + ".pdf")
    assert len(long_name.name) == 120
    assert long_name.name.endswith("a.pdf")

    assert downloader.cached_path("https://x.org/").name.endswith("-document.pdf")
    assert downloader.cached_path("https://a.org/r.pdf") != downloader.cached_path(
        "https://b.org/r.pdf"
    )
