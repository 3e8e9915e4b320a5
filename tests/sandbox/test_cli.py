"""``flowdesk sandbox`` as a process: one JSON line first, serves, ends with 0 on SIGTERM/SIGINT."""

from __future__ import annotations

import json
import signal
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from flowdesk import CONNECTWISE_CLIENT_ID
from tests.conftest import posix_only


class Running:
    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "flowdesk", "sandbox", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.first_line = ""
        got = threading.Event()

        def read() -> None:
            assert self.proc.stdout is not None
            self.first_line = self.proc.stdout.readline()
            got.set()

        threading.Thread(target=read, daemon=True).start()
        if not got.wait(60):
            self.proc.kill()
            raise AssertionError("flowdesk sandbox printed nothing")

    def stop(self, sig: int) -> tuple[int, str, str]:
        self.proc.send_signal(sig)
        out, err = self.proc.communicate(timeout=60)
        return self.proc.returncode, out, err


@pytest.fixture
def running(request: pytest.FixtureRequest) -> Iterator[Running]:
    r = Running(*getattr(request, "param", ()))
    try:
        yield r
    finally:
        if r.proc.poll() is None:
            r.proc.kill()
            r.proc.communicate()


@posix_only("SIGTERM/SIGINT sent to a process (Windows has no signals from outside)")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_prints_one_json_line_then_serves_until_a_signal(running: Running, sig: int) -> None:
    info = json.loads(running.first_line)
    assert list(info) == ["connectwise", "resolutionflow", "admin", "ca_file"]
    assert list(info["connectwise"]) == ["site", "company", "public_key", "private_key", "client_id"]
    assert list(info["resolutionflow"]) == ["url", "email", "password"]
    assert info["ca_file"] is None
    assert info["connectwise"]["client_id"] == CONNECTWISE_CLIENT_ID
    cw = info["connectwise"]
    with httpx.Client(verify=False) as c:
        company = c.get(f"{cw['site']}/login/companyinfo/{cw['company']}").json()
        assert company["Codebase"] == "v2025_1/"
        login = c.post(f"{info['resolutionflow']['url']}/api/v1/auth/login",
                       json={"email": info["resolutionflow"]["email"], "password": info["resolutionflow"]["password"]})  # fmt: skip
        assert login.status_code == 200
        assert c.get(info["admin"] + "ledger").status_code == 200
    code, rest, err = running.stop(sig)
    assert code == 0, err
    assert rest == ""  # exactly one line on stdout
    assert cw["private_key"] not in err


@posix_only("stopped with SIGTERM (Windows has no signals from outside)")
@pytest.mark.parametrize("running", [("--tls", "--latency-ms", "5")], indirect=True)
def test_tls_and_latency_options(running: Running) -> None:
    info = json.loads(running.first_line)
    ca_file = info["ca_file"]
    assert ca_file and Path(ca_file).is_file()
    assert info["connectwise"]["site"].startswith("https://")
    with httpx.Client(verify=ssl.create_default_context(cafile=ca_file)) as c:
        assert c.get(info["admin"] + "config").json()["latency_ms"] == 5
    code, _, err = running.stop(signal.SIGTERM)
    assert code == 0, err
    assert not Path(ca_file).exists()  # the throwaway CA is gone with the process


def test_port_in_use_is_a_clean_error() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "flowdesk", "sandbox", "--port", str(port)], capture_output=True, text=True, timeout=60
        )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "cannot listen" in proc.stderr
