"""A throwaway JupyterLab server for the browser test.

It listens on 127.0.0.1 with a random token, and every Jupyter folder (config, data,
runtime, settings, workspaces, IPython) points into a temporary folder, so nothing from
the user's home leaks in and nothing is written there. It is always stopped, also when
the code using it fails.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# User settings written before the server starts:
# - no windowing: every cell and output stays attached to the page, so the test sees them;
# - start the notebook's kernel without asking ("Select Kernel" dialog);
# - no news or update checks (this machine cannot reach the internet anyway).
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {
        "windowingMode": "none",
        "autoStartDefaultKernel": True,
    },
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

STARTUP_TIMEOUT_S = 60


@dataclass
class LabServer:
    """Where a running server listens, and how to open a file in it."""

    base_url: str
    token: str

    def lab_url(self, path: str) -> str:
        """URL that opens `path` (relative to the server root) in a fresh JupyterLab."""
        return f"{self.base_url}/lab/tree/{path}?token={self.token}&reset"

    def shut_down_kernels(self) -> None:
        """Stop every kernel, so that lessons run one after another do not pile up."""
        for kernel in json.loads(_api(self, "kernels")):
            _api(self, f"kernels/{kernel['id']}", method="DELETE")


@contextmanager
def running_jupyterlab(root_dir: Path, jupyter_dir: Path) -> Iterator[LabServer]:
    """Run JupyterLab serving `root_dir`, with its own folders under `jupyter_dir`."""
    env = _isolated_env(jupyter_dir)
    _write_settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]))
    port = _free_port()
    token = secrets.token_hex(24)
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root_dir}",
        "--LabApp.news_url=", "--LabApp.extension_manager=readonly",
        # window.jupyterapp: lets the test read the cells' outputs as JupyterLab holds them
        "--LabApp.expose_app_in_browser=True",
    ]
    if os.geteuid() == 0:  # CI machines run as root; Jupyter refuses that unless told
        command.append("--allow-root")
    log_path = jupyter_dir / "jupyterlab.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            command, cwd=root_dir, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so it can be stopped whole
        )
    server = LabServer(f"http://127.0.0.1:{port}", token)
    try:
        _wait_until_up(server, process, log_path)
        yield server
    finally:
        _stop(server, process)


def _isolated_env(jupyter_dir: Path) -> dict[str, str]:
    folders = {
        "JUPYTER_CONFIG_DIR": "config",
        "JUPYTER_DATA_DIR": "data",
        "JUPYTER_RUNTIME_DIR": "runtime",
        "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces",
        "IPYTHONDIR": "ipython",
    }
    env = dict(os.environ)
    for variable, name in folders.items():
        folder = jupyter_dir / name
        folder.mkdir(parents=True, exist_ok=True)
        env[variable] = str(folder)
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_CONFIG_PATH", None)
    return env


def _write_settings(settings_dir: Path) -> None:
    for name, values in SETTINGS.items():
        path = settings_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _api(server: LabServer, path: str, method: str = "GET") -> bytes:
    request = urllib.request.Request(
        f"{server.base_url}/api/{path}", method=method,
        headers={"Authorization": f"token {server.token}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.read()


def _wait_until_up(server: LabServer, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            _api(server, "status")
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.25)
    log_tail = log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
    raise RuntimeError(f"JupyterLab did not start within {STARTUP_TIMEOUT_S} s:\n{log_tail}")


def _stop(server: LabServer, process: subprocess.Popen) -> None:
    """Ask the server to shut down (it stops its kernels), then end its process group."""
    if process.poll() is None:
        try:
            _api(server, "shutdown", method="POST")
            process.wait(timeout=15)
        except (urllib.error.URLError, ConnectionError, subprocess.TimeoutExpired):
            pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            break
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            continue
