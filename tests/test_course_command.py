"""`python3 course.py lab` serves lesson 00, also as root (containers, cloud VMs), and
`python3 course.py test [--quick]` runs the whole suite or its quick tier (pytest.ini's
markers say what the quick tier leaves out).

The server test runs the very command line course.py builds (`course.lab_command`), with
this test's Python, on 127.0.0.1, a free port, a random token and Jupyter folders of its
own, and asks it for lesson 00 as a browser would.
"""

from __future__ import annotations

import configparser
import inspect
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from course_script import course

ROOT = Path(__file__).resolve().parents[1]
LESSON_00 = "notebooks/00_setup.ipynb"
REFUSALS = ("Running as root is not recommended", "Use --allow-root to bypass")




@pytest.mark.parametrize("uid, expected", [(0, True), (1000, False)], ids=["root", "user"])
def test_allow_root_is_added_for_root_only(monkeypatch, uid, expected):
    monkeypatch.setattr(course.os, "geteuid", lambda: uid, raising=False)
    command = course.lab_command("python", ["--no-browser"])
    assert ("--allow-root" in command) is expected
    assert command[:4] == ["python", "-m", "jupyter", "lab"]
    assert command[-1] == "--no-browser"  # the learner's own arguments come last
    assert "--LabApp.default_url=/lab/tree/notebooks/00_setup.ipynb" in command


def test_main_says_when_it_adds_allow_root(monkeypatch, capsys):
    monkeypatch.setattr(course.os, "geteuid", lambda: 0, raising=False)
    monkeypatch.setattr(sys, "argv", ["course.py", "lab", "--version"])
    monkeypatch.setattr(course, "make_venv", lambda: None)
    monkeypatch.setattr(course, "install", lambda: None)
    ran = []
    monkeypatch.setattr(course.subprocess, "run",
                        lambda command, **kw: ran.append(command) or
                        subprocess.CompletedProcess(command, 0))
    assert course.main() == 0
    assert "--allow-root" in ran[0]
    assert "running as root" in capsys.readouterr().out


def test_test_passes_its_arguments_to_pytest():
    assert course.pytest_arguments([]) == []
    assert course.pytest_arguments(["notebooks/01_reading_a_file.ipynb", "-x"]) == [
        "notebooks/01_reading_a_file.ipynb", "-x"]


def test_test_quick_runs_the_quick_tier_with_the_other_arguments(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["course.py", "test", "--quick", "-x", "tests/test_lock.py"])
    monkeypatch.setattr(course, "make_venv", lambda: None)
    monkeypatch.setattr(course, "install", lambda: None)
    ran = []
    monkeypatch.setattr(course.subprocess, "run",
                        lambda command, **kw: ran.append((command, kw)) or
                        subprocess.CompletedProcess(command, 0))
    assert course.main() == 0
    [(command, kw)] = ran
    assert command[1:] == ["-m", "pytest", "-m", "not browser and not classroom and not slow",
                           "-x", "tests/test_lock.py"]
    assert kw["env"]["MALLOC_TRIM_THRESHOLD_"] == "1048576"
    assert ("python -m pytest -m 'not browser and not classroom and not slow' -x "
            "tests/test_lock.py") in capsys.readouterr().out


def registered_markers() -> set[str]:
    config = configparser.ConfigParser()
    config.read(ROOT / "pytest.ini", encoding="utf-8")
    lines = config["pytest"]["markers"].strip().splitlines()
    return {line.split(":", 1)[0].strip() for line in lines}


def test_quick_tier_leaves_out_exactly_the_registered_markers():
    assert registered_markers() == {"browser", "classroom", "slow"}
    assert course.QUICK_TIER == " and ".join(f"not {name}" for name in sorted(registered_markers()))


def test_the_browser_and_hub_tests_carry_their_markers():
    """Whatever starts Chromium or a hub is marked, so the quick tier never waits for it;
    the classroom module's quick link tests stay unmarked."""
    import test_browser
    import test_classroom

    assert "browser" in {mark.name for mark in test_browser.pytestmark}
    hub_tests = set()
    for name, function in vars(test_classroom).items():
        if not name.startswith("test_"):
            continue
        marks = getattr(function, "pytestmark", [])
        parametrized = {arg for mark in marks if mark.name == "parametrize"
                        for arg in mark.args[0].replace(" ", "").split(",")}
        fixtures = set(inspect.signature(function).parameters) - parametrized
        if "hub" in fixtures:
            hub_tests.add(name)
        assert ("classroom" in {mark.name for mark in marks}) == ("hub" in fixtures), name
    assert len(hub_tests) == 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def isolated_env(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    for variable in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
                     "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR", "IPYTHONDIR"):
        path = folder / variable.lower()
        path.mkdir(parents=True)
        env[variable] = str(path)
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    return env


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status


def test_course_lab_command_serves_lesson_00(tmp_path):
    port, token = free_port(), secrets.token_hex(16)
    command = course.lab_command(sys.executable, [
        "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
        "--LabApp.news_url=",
    ])
    log_path = tmp_path / "jupyterlab.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, env=isolated_env(tmp_path),
                                   stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        status = None
        deadline = time.monotonic() + 60
        while status is None and time.monotonic() < deadline and process.poll() is None:
            try:
                status = get(f"{base}/lab/tree/{LESSON_00}?token={token}")
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.25)
        log_text = log_path.read_text(encoding="utf-8", errors="replace")
        assert status == 200, f"JupyterLab did not serve lesson 00:\n{log_text[-3000:]}"
        assert get(f"{base}/api/contents/{LESSON_00}?content=0&token={token}") == 200
        for refusal in REFUSALS:
            assert refusal not in log_text
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
