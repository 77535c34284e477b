"""scripts/run-app.sh installs only when needed (issue #20, item 9), and the app it starts stops
when told to."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.processes import free_port, stop
from ui.services import STOP_GRACE_S

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location(
    "needs_install", ROOT / "scripts" / "needs_install.py"
)
needs_install = importlib.util.module_from_spec(spec)
spec.loader.exec_module(needs_install)  # type: ignore[union-attr]


def project(tmp_path: Path, name: str = "icmpd-atp-assistant", version: str = "0.1.0") -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "{name}"\nversion = "{version}"\n', encoding="utf-8"
    )
    return tmp_path


def test_install_is_needed_when_missing_out_of_date_or_changed(tmp_path: Path) -> None:
    from importlib import metadata

    installed = metadata.version("icmpd-atp-assistant")
    missing = project(tmp_path / "a", name="no-such-package-here")
    assert "is not installed" in needs_install.reason(missing)
    older = project(tmp_path / "b", version=installed + ".1")
    assert "is installed; this checkout is" in needs_install.reason(older)

    root = project(tmp_path / "c", version=installed)
    assert "changed since the last install" in needs_install.reason(root)  # never stamped
    (root / needs_install.STAMP).write_text(needs_install.fingerprint(root), encoding="utf-8")
    assert needs_install.reason(root) is None
    (root / "pyproject.toml").write_text(
        (root / "pyproject.toml").read_text() + 'dependencies = ["pypdf>=5"]\n', encoding="utf-8"
    )
    assert "changed since the last install" in needs_install.reason(root)


def test_the_test_install_is_its_own_and_must_be_this_checkout(tmp_path: Path) -> None:
    """test.sh's stamp is not run-app.sh's (the test extra differs), and an editable install
    of another checkout would serve that checkout's code: both mean install."""
    from importlib import metadata

    root = project(tmp_path, version=metadata.version("icmpd-atp-assistant"))
    (root / needs_install.STAMP).write_text(needs_install.fingerprint(root), encoding="utf-8")
    assert needs_install.reason(root) is None
    source = needs_install.installed_from("icmpd-atp-assistant")
    if source is None:
        pytest.skip("the project is not installed editable here")
    assert f"is installed from {source}, not from this checkout" in needs_install.reason(
        root, "test"
    )
    assert needs_install.installed_from("no-such-package-here") is None


@pytest.mark.slow
def test_a_second_launch_serves_without_installing(tmp_path: Path) -> None:
    """A copy of the launcher beside this checkout's pyproject, stamped as a first launch
    leaves it; the test stops if an install would run, so it never installs into this Python."""
    root = tmp_path / "checkout"
    (root / "scripts").mkdir(parents=True)
    for name in ("scripts/run-app.sh", "scripts/needs_install.py", "pyproject.toml"):
        shutil.copy(ROOT / name, root / name)
    (root / "app.py").symlink_to(ROOT / "app.py")
    (root / needs_install.STAMP).write_text(needs_install.fingerprint(root), encoding="utf-8")
    if needs_install.reason(root) is not None:
        pytest.skip(f"this Python would install first: {needs_install.reason(root)}")

    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            "bash",
            str(root / "scripts" / "run-app.sh"),
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path / "data"),
        ],
        cwd=ROOT,  # app.py imports this checkout's packages
        env={
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "GRADIO_ANALYTICS_ENABLED": "False",
            "HOME": str(tmp_path),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        while time.perf_counter() - started < 120:
            try:
                if (
                    httpx.get(f"http://127.0.0.1:{port}/", timeout=2, trust_env=False).status_code
                    == 200
                ):
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            pytest.fail("the app did not serve within 120 s")
        served = time.perf_counter() - started
        # A client that keeps its connection open (as a browser tab does) after an answer.
        from gradio_client import Client

        client = Client(f"http://127.0.0.1:{port}", verbose=False, download_files=False)
        assert "2002" in str(client.predict(question="When did it start?", api_name="/ask"))
        process.terminate()
        begun = time.perf_counter()
        try:
            process.wait(timeout=STOP_GRACE_S + 10)
        except subprocess.TimeoutExpired:
            pytest.fail("the app was still serving 15 s after SIGTERM, held by an open client")
        stopped = time.perf_counter() - begun
    finally:
        stop(process)
    output = process.stdout.read().decode(errors="replace") if process.stdout else ""
    assert "Installing" not in output, output
    print(f"\nsecond launch served in {served:.1f} s; stopped {stopped:.1f} s after SIGTERM")
