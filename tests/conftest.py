"""Shared test set-up.

* Qt runs offscreen (set before anything imports Qt).
* Every test gets its own ``FLOWDESK_HOME`` (config, data, cache and logs in a temp folder).
* ``require(component)``: a test that needs a real component (Secret Service, Xvfb) skips on a laptop
  without it, but fails when ``CI`` is set. On Windows the Linux components are not missing but foreign:
  ``require_linux`` skips with a reason starting "Linux:".
* Skips on Windows say why in their first word: ``wine_limit("...")`` ("Wine: ...") for what Wine cannot do
  (CI runs this suite as a Windows process under Wine: ``.ci/windows``), run on a real Windows;
  ``posix_only("...")`` ("POSIX: ...") for what only exists on Unix (mkfifo, signals, file modes);
  ``linux_only("...")`` ("Linux: ...") for Linux's own parts (Secret Service, Xvfb, desktop files).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# These machines are noisy; correctness, not speed, is what hypothesis checks here.
settings.register_profile("flowdesk", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("flowdesk")

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "resources" / "samples"
IN_CI = bool(os.environ.get("CI"))
WINDOWS = sys.platform == "win32"


def _under_wine() -> bool:
    if not WINDOWS:
        return False
    try:
        return hasattr(ctypes.WinDLL("ntdll"), "wine_get_version")  # type: ignore[attr-defined]
    except (AttributeError, OSError):
        return False


UNDER_WINE = _under_wine()
# Popen.returncode after Popen.kill(): SIGKILL on POSIX, TerminateProcess(handle, 1) on Windows
KILLED = 1 if WINDOWS else -9


def wine_limit(reason: str) -> pytest.MarkDecorator:
    """Skip under Wine only (a real Windows runs the test): ``reason`` says what Wine lacks."""
    return pytest.mark.skipif(UNDER_WINE, reason=f"Wine: {reason}")


# Shared by the tests that show an untrusted certificate being refused
WINE_TRUSTS_UNKNOWN_CA = "crypt32 trusts a certificate signed by an unknown CA, so a refusal cannot be shown (Windows refuses it)"


def posix_only(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(WINDOWS, reason=f"POSIX: {reason}")


def linux_only(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(not sys.platform.startswith("linux"), reason=f"Linux: {reason}")

pytest_plugins = ["tests.plugins.keyring", "tests.plugins.sandbox"]


def require(ok: bool, what: str) -> None:
    """Skip (laptop) or fail (CI) when a real component is missing."""
    if ok:
        return
    if WINDOWS:
        pytest.skip(f"Linux: {what} is a Linux component (this is Windows)")
    if IN_CI:
        pytest.fail(f"CI is set but {what} is missing: .ci/run must install it", pytrace=False)
    pytest.skip(f"{what} is not available here")


def require_executable(name: str) -> str:
    path = shutil.which(name)
    require(path is not None, f"the `{name}` program")
    assert path is not None
    return path


def sample_files() -> list[Path]:
    return sorted(p for p in SAMPLES.glob("*.json"))


@pytest.fixture(autouse=True)
def flowdesk_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "flowdesk-home"
    monkeypatch.setenv("FLOWDESK_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def _forget_registered_secrets():
    yield
    from flowdesk.logs import forget_secrets

    forget_secrets()


@pytest.fixture
def python_exe() -> str:
    return sys.executable
