"""A class on JupyterHub: N learners at once follow the nbgitpuller link and run lesson 05.

The hub is real: JupyterHub with classroom/jupyterhub_config.py (the class settings:
default URL, idle culler, limits), configurable-http-proxy from npm (classroom/package.json,
installed by `npm ci` into classroom/node_modules/ the first time), JupyterHub's
SimpleLocalProcessSpawner (every learner's server a local process, home in a temporary
folder) and its test-only DummyAuthenticator (any name, any password). Everything listens on
127.0.0.1 only.

Each learner, as a browser would: opens the link that `python3 course.py link` prints,
logs in, waits for the server to start, loads nbgitpuller's page and reads its event
stream while the course is cloned (from a local clone of this repository's committed
HEAD: no network), opens JupyterLab at lesson 00, then opens lesson 05 as JupyterLab does
(a session through the Jupyter Server REST API) and runs every code cell in order over
the kernel websocket. All learners run at once. Every cell must run without an error
(cells tagged `raises-exception` may raise). Each learner's kernel reports its peak
memory (VmHWM) and CPU time, and the server's memory; the test prints one summary line:

    classroom: N learners ran lesson 05 on JupyterHub: P passed; peak kernel memory per
    learner median M MB, max X MB; all done in T s

(one line in the output), and a second line with the other figures (the learners' servers'
memory and CPU time, how long logging in, starting and pulling took). N is CLASSROOM_LEARNERS
(default 10). The hub, the proxy and every learner's server and kernel are stopped at the
end, also when the test fails, and all files are written under pytest's temporary folder.
MB are MiB (2**20 bytes).

The tests that run the hub are marked `classroom` and left out of the quick tier
(`python3 course.py test --quick`); the link tests at the top are quick and stay in it.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import httpx
import pytest
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect
from jupyter_client import KernelManager
from traitlets.config import Config
from traitlets.config.loader import KVArgParseConfigLoader

from course_script import course

ROOT = Path(__file__).resolve().parents[1]
CLASSROOM = ROOT / "classroom"
CHP = CLASSROOM / "node_modules" / ".bin" / "configurable-http-proxy"
LESSON = "notebooks/05_windowing.ipynb"
LEARNERS = int(os.environ.get("CLASSROOM_LEARNERS", "10"))
PASSWORD = "any password"  # DummyAuthenticator takes any
HUB_START_S = 90
PULL_TIMEOUT_S = 600      # login, spawn and clone, with every learner at once
CELL_TIMEOUT_S = 300      # as nbval's --nbval-cell-timeout

# Runs in each learner's kernel after the lesson's last cell: the kernel's peak and current
# memory, its CPU time, and the memory of its parent, the learner's Jupyter server.
MEASURE = """\
import json as _json, os as _os, resource as _resource
def _status(pid):
    with open(f"/proc/{pid}/status") as _f:
        figures = {_l.split(":")[0]: int(_l.split()[1]) for _l in _f
                   if _l.startswith(("VmHWM:", "VmRSS:"))}  # kB
    with open(f"/proc/{pid}/stat") as _f:  # utime, stime: fields 14 and 15, in clock ticks
        _fields = _f.read().rsplit(")", 1)[1].split()
    figures["cpu_s"] = (int(_fields[11]) + int(_fields[12])) / _os.sysconf("SC_CLK_TCK")
    return figures
print("MEASURE" + _json.dumps({"kernel": _status("self"), "server": _status(_os.getppid())}))
"""




# --- The link command -----------------------------------------------------------------

@pytest.mark.parametrize("hub, repo, branch, folder", [
    ("https://hub.example.org", "https://github.com/you/course", "main", "course"),
    ("https://uni.example.edu/jupyter/", "https://gitlab.example.edu/a/dicom-course/",
     "spring-2027", "dicom-course"),
])
def test_link_is_an_nbgitpuller_link_to_lesson_00(hub, repo, branch, folder, capsys,
                                                  monkeypatch):
    monkeypatch.setattr(sys, "argv", ["course.py", "link", "--hub", hub, "--repo", repo,
                                      "--branch", branch])
    assert course.main() == 0
    (printed,) = capsys.readouterr().out.splitlines()
    parts = urllib.parse.urlsplit(printed)
    hub_parts = urllib.parse.urlsplit(hub)
    assert (parts.scheme, parts.netloc) == (hub_parts.scheme, hub_parts.netloc)
    # nbgitpuller's link format: <hub>/hub/user-redirect/git-pull?repo=…&urlpath=…&branch=…
    assert parts.path == hub_parts.path.rstrip("/") + "/hub/user-redirect/git-pull"
    query = urllib.parse.parse_qs(parts.query, strict_parsing=True)
    assert query == {"repo": [repo], "branch": [branch],
                     "urlpath": [f"lab/tree/{folder}/notebooks/00_setup.ipynb"]}
    # the folder is the one nbgitpuller clones into when no targetpath is given
    assert repo.rstrip("/").split("/")[-1] == folder
    assert not parts.fragment


def test_link_branch_defaults_to_main(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["course.py", "link", "--hub", "http://127.0.0.1:8000",
                                      "--repo", "https://github.com/you/course"])
    assert course.main() == 0
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(capsys.readouterr().out.strip()).query)
    assert query["branch"] == ["main"]


@pytest.mark.parametrize("hub", ["hub.example.org", "ftp://hub.example.org", "https://h/?x=1"])
def test_link_refuses_what_is_not_a_hub_address(hub, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["course.py", "link", "--hub", hub, "--repo", "https://x/y"])
    with pytest.raises(SystemExit) as exit_info:
        course.main()
    assert exit_info.value.code == 2
    assert "--hub must be the hub's address" in capsys.readouterr().err


def load_classroom_config() -> tuple[Config, dict]:
    """classroom/jupyterhub_config.py as a hub loads it: the config and the file's names."""
    config = CLASSROOM / "jupyterhub_config.py"
    loaded = Config()
    namespace = {"get_config": lambda: loaded, "__file__": str(config)}
    exec(compile(config.read_text(encoding="utf-8"), str(config), "exec"), namespace)
    return loaded, namespace


def test_hub_default_url_is_the_link_without_the_hub():
    """classroom/jupyterhub_config.py stands alone (a hub may load a copy of it), so it has
    its own pull_path: it must build what course.py builds."""
    loaded, namespace = load_classroom_config()
    repo, branch = "https://github.com/you/course", "main"
    assert namespace["pull_path"](repo, branch) == course.pull_path(repo, branch)
    assert loaded.Spawner.default_url == "/" + course.pull_path(
        namespace["COURSE_REPO"], namespace["COURSE_BRANCH"])


def test_a_kernel_whose_port_was_taken_restarts_on_new_ports():
    """When a class starts kernels at once, servers on one machine can pick the same free
    port, and the slower kernel stops with "Address already in use" (the classroom test
    once lost a learner so). The server then restarts the kernel with new ports, as here;
    with the learners' server settings (Spawner.args) the new start must take a port that
    is free. (With jupyter_client's default port cache it reuses the taken one, and the
    kernel dies before it answers.)"""
    loaded, _ = load_classroom_config()
    settings = KVArgParseConfigLoader(list(loaded.Spawner.args)).load_config()
    manager = KernelManager(kernel_name="python3", config=settings)
    manager.start_kernel()
    taken = manager.get_connection_info()["shell_port"]
    manager.shutdown_kernel(now=True, restart=True)  # the kernel is gone, its port free
    with socket.socket() as other_kernel:
        other_kernel.bind(("127.0.0.1", taken))      # ... and another learner's kernel takes it
        other_kernel.listen()
        manager.restart_kernel(now=True, newports=True)  # the server's restart on a first start
        client = manager.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
            assert manager.get_connection_info()["shell_port"] != taken
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=True)


# --- A real hub -------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def proxy_command(tmp: Path) -> Path:
    """configurable-http-proxy from classroom/package-lock.json, installed once with npm."""
    if CHP.exists():
        return CHP
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("the classroom test needs configurable-http-proxy from npm: install "
                    "Node.js and npm (Debian/Ubuntu: apt-get install npm)")
    # npm's cache goes to a temporary folder, not ~/.npm
    result = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--cache", str(tmp / "npm")],
                            cwd=CLASSROOM, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and CHP.exists(), result.stdout + result.stderr
    return CHP


@dataclass
class Hub:
    url: str                  # the public URL, through the proxy
    repo: str                 # the learners' "GitHub": a clone of this repository
    branch: str
    tmp: Path
    marker: str               # in the environment of every process this hub starts
    log: Path
    pid: int                  # the hub's process

    def hub_and_proxy_mb(self) -> float:
        """Resident memory of the hub and its proxy, now (MB)."""
        total = 0
        pids = [self.pid, int((self.tmp / "proxy.pid").read_text())]
        for pid in pids:
            status = Path(f"/proc/{pid}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
        return total / 1024

    def link(self) -> str:
        return course.hub_link(self.url, self.repo, self.branch)

    def home(self, user: str) -> Path:
        return self.tmp / "home" / user


def processes_with(marker: str) -> list[int]:
    """Processes whose environment holds the marker: the hub, the proxy, the culler, every
    learner's server and kernel (even those that outlived a crashed hub)."""
    found = []
    needle = marker.encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except OSError:  # gone, or not ours to read
            continue
    return found


def stop_everything(process: subprocess.Popen, marker: str) -> list[int]:
    """Stop the hub (it stops the servers it spawned and its proxy), then end whatever is
    left of what it started. Returns the pids that had to be killed."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
    killed = []
    for sig in (signal.SIGTERM, signal.SIGKILL):
        leftovers = processes_with(marker)
        for pid in leftovers:
            try:
                os.kill(pid, sig)
                killed.append(pid)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while processes_with(marker) and time.monotonic() < deadline:
            time.sleep(0.2)
    if process.poll() is None:
        process.kill()
        process.wait(timeout=10)
    return killed


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    if shutil.which("node") is None:
        pytest.skip("the classroom test needs Node.js for configurable-http-proxy "
                    "(Debian/Ubuntu: apt-get install nodejs npm)")
    if shutil.which("git") is None or subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True).returncode:
        pytest.skip("the classroom test pulls the course from a git clone of this repository: "
                    "it needs git and a clone, not a downloaded copy")
    tmp = tmp_path_factory.mktemp("classroom")
    chp = proxy_command(tmp)
    # The course as learners would pull it: the committed HEAD of this repository.
    upstream = tmp / "upstream" / "dicom-course"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(upstream)], check=True)
    branch = subprocess.run(["git", "-C", str(upstream), "rev-parse", "--abbrev-ref", "HEAD"],
                            capture_output=True, text=True, check=True).stdout.strip()
    marker = f"CLASSROOM_TEST_{uuid.uuid4().hex}"
    port, api_port, hub_port = free_port(), free_port(), free_port()
    config = tmp / "jupyterhub_test_config.py"
    allow_root = ["--allow-root"] if os.geteuid() == 0 else []
    config.write_text(f"""\
c = get_config()
load_subconfig({str(CLASSROOM / "jupyterhub_config.py")!r})
# What a real deployment chooses itself, here test-only and local:
c.JupyterHub.authenticator_class = "dummy"  # any name, any password
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {str(tmp / "home" / "{username}")!r}
c.Spawner.cmd = [{sys.executable!r}, "-m", "jupyterhub.singleuser"]
c.Spawner.args = c.Spawner.args + {allow_root!r}
c.Spawner.environment.update({{{marker!r}: "1", "PYTHONDONTWRITEBYTECODE": "1"}})
for service in c.JupyterHub.services:  # the idle culler
    service.setdefault("environment", {{}})[{marker!r}] = "1"
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.command = [{str(chp)!r}]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.pid_file = {str(tmp / "proxy.pid")!r}
c.JupyterHub.db_url = "sqlite:///{tmp / "jupyterhub.sqlite"}"
c.JupyterHub.cookie_secret_file = {str(tmp / "cookie_secret")!r}
""", encoding="utf-8")
    env = {**os.environ, marker: "1", "PYTHONDONTWRITEBYTECODE": "1",
           "COURSE_REPO": str(upstream), "COURSE_BRANCH": branch,
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    log = tmp / "jupyterhub.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(config)],
                                   cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    the_hub = Hub(f"http://127.0.0.1:{port}", str(upstream), branch, tmp, marker, log,
                  process.pid)
    try:
        deadline = time.monotonic() + HUB_START_S
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("JupyterHub did not start:\n" + tail(log))
            try:
                if httpx.get(f"{the_hub.url}/hub/api/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        yield the_hub
    finally:
        stop_everything(process, marker)
        # the learners' clones (about 30 MB each); the hub's log and database stay
        for folder in ("home", "upstream"):
            shutil.rmtree(tmp / folder, ignore_errors=True)
        assert processes_with(marker) == [], "processes left running"


def tail(path: Path, chars: int = 4000) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-chars:]


# --- A learner, as a browser would ------------------------------------------------------

@dataclass
class Learner:
    name: str
    hub: Hub
    client: httpx.AsyncClient = None
    server: str = ""          # the learner's server's base URL, e.g. http://…/user/name/
    xsrf: str = ""
    timings: dict = field(default_factory=dict)
    figures: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)

    async def __aenter__(self):
        self.client = httpx.AsyncClient(follow_redirects=True, timeout=120)
        return self

    async def __aexit__(self, *exc):
        await self.client.aclose()

    async def follow_link(self) -> list[dict]:
        """Open the link: log in if asked, wait for the server, let nbgitpuller pull, open
        JupyterLab. Returns nbgitpuller's events."""
        response = await self.client.get(self.hub.link())
        if urllib.parse.urlsplit(str(response.url)).path == "/hub/login":
            xsrf = re.search(r'name="_xsrf" value="([^"]+)"', response.text).group(1)
            response = await self.client.post(
                str(response.url), data={"username": self.name, "password": PASSWORD,
                                         "_xsrf": unescape(xsrf)})
        deadline = time.monotonic() + PULL_TIMEOUT_S
        while urllib.parse.urlsplit(str(response.url)).path.startswith("/hub/spawn-pending/"):
            # the "Your server is starting up" page; it sends the browser on when ready
            assert time.monotonic() < deadline, f"{self.name}: server did not start"
            await asyncio.sleep(1)
            response = await self.client.get(response.url)
        assert response.status_code == 200, (response.status_code, response.url,
                                             response.text[:500])
        page = urllib.parse.urlsplit(str(response.url))
        assert page.path == f"/user/{self.name}/git-pull", response.url
        data = {key: urllib.parse.unquote(unescape(value)) for key, value in
                re.findall(r'data-([a-z-]+)="([^"]*)"', response.text)}
        self.server = f"{self.hub.url}{data['base-url']}"
        self.xsrf = data["xsrf"]
        # nbgitpuller's page opens this event stream, and moves on when it says "finished"
        params = {"_xsrf": data["xsrf"], "repo": data["repo"], "targetpath": data["targetpath"],
                  "branch": data["branch"]}
        events = []
        async with self.client.stream("GET", f"{self.server}git-pull/api",
                                      params=params, timeout=PULL_TIMEOUT_S) as stream:
            async for line in stream.aiter_lines():
                if line.startswith("data: "):
                    events.append(json.loads(line[len("data: "):]))
                    if events[-1].get("phase") in ("finished", "error"):
                        break
        assert events and events[-1]["phase"] == "finished", (self.name, events[-3:])
        lab = await self.client.get(f"{self.server}{data['path']}")
        assert lab.status_code == 200 and "JupyterLab" in lab.text, lab.url
        assert data["path"] == "lab/tree/dicom-course/notebooks/00_setup.ipynb"
        return events

    def headers(self) -> dict:
        return {"X-XSRFToken": self.xsrf}

    async def api(self, method: str, path: str, **kwargs) -> httpx.Response:
        response = await self.client.request(method, f"{self.server}api/{path}",
                                             headers=self.headers(), **kwargs)
        response.raise_for_status()
        return response

    def cookie_header(self) -> str:
        path = urllib.parse.urlsplit(self.server).path
        return "; ".join(f"{c.name}={c.value}" for c in self.client.cookies.jar
                         if path.startswith(c.path))

    async def run_notebook(self, path: str) -> None:
        """Open the notebook as JupyterLab does (a session, then the kernel's websocket),
        run its code cells in order, then MEASURE; shut the kernel down."""
        notebook = (await self.api("GET", f"contents/{path}", params={"content": 1})).json()
        session = (await self.api("POST", "sessions", json={
            "path": path, "name": Path(path).name, "type": "notebook",
            "kernel": {"name": "python3"}})).json()
        kernel_id = session["kernel"]["id"]
        ws_url = (self.server.replace("http://", "ws://")
                  + f"api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}")
        connection = await websocket_connect(HTTPRequest(  # tornado waits 20 s by default:
            ws_url, headers={"Cookie": self.cookie_header()},  # too short with a class
            connect_timeout=120, request_timeout=120))          # starting kernels at once
        try:
            kernel = Kernel(connection)
            for index, cell in enumerate(notebook["content"]["cells"]):
                if cell["cell_type"] != "code" or not cell["source"].strip():
                    continue
                reply, _ = await kernel.execute(cell["source"])
                allowed = "raises-exception" in cell.get("metadata", {}).get("tags", [])
                if reply["status"] != "ok" and not allowed:
                    self.errors.append(f"cell {index}: {reply.get('ename')}: "
                                       f"{reply.get('evalue', '')[:200]}")
                    return
            reply, streams = await kernel.execute(MEASURE)
            assert reply["status"] == "ok", reply
            line = next(l for l in streams.splitlines() if l.startswith("MEASURE"))
            self.figures = json.loads(line[len("MEASURE"):])
        finally:
            connection.close()
            await self.api("DELETE", f"sessions/{session['id']}")  # "Shut Down Kernel"


class Kernel:
    """The kernel websocket as the Jupyter Server serves it (no subprotocol: JSON text
    messages, binary frames for messages with buffers, e.g. widget images)."""

    def __init__(self, connection):
        self.connection = connection
        self.session = uuid.uuid4().hex

    async def execute(self, code: str) -> tuple[dict, str]:
        """Run `code`; return the execute_reply content and the text it printed."""
        msg_id = uuid.uuid4().hex
        await self.connection.write_message(json.dumps({
            "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "learner",
                       "session": self.session, "date": "", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": code, "silent": False, "store_history": True,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
        }))
        reply, idle, streams = None, False, []
        while reply is None or not idle:
            raw = await asyncio.wait_for(self.connection.read_message(), CELL_TIMEOUT_S)
            if raw is None:
                raise RuntimeError("the kernel's websocket closed (did the kernel die?)")
            message = json.loads(self.unpack(raw))
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message["header"]["msg_type"]
            if message["channel"] == "shell" and kind == "execute_reply":
                reply = message["content"]
            elif kind == "status" and message["content"]["execution_state"] == "idle":
                idle = True
            elif kind == "stream":
                streams.append(message["content"]["text"])
        return reply, "".join(streams)

    @staticmethod
    def unpack(raw) -> str:
        if isinstance(raw, str):
            return raw
        # binary frame: number of buffers, their offsets, then the JSON message first
        (count,) = struct.unpack("!I", raw[:4])
        offsets = struct.unpack(f"!{count}I", raw[4:4 + 4 * count])
        end = offsets[1] if count > 1 else len(raw)
        return raw[offsets[0]:end].decode("utf-8")


def kernel_restarts(log: Path) -> int:
    """How many times the learners' servers restarted a kernel that stopped (for example
    one that lost its port to another learner's kernel)."""
    return log.read_text(encoding="utf-8", errors="replace").count("restarting kernel (")


async def teach(hub: Hub, names: list[str]) -> tuple[list[Learner], float]:
    async def one(name: str) -> Learner:
        async with Learner(name, hub) as learner:
            start = time.monotonic()
            try:
                await learner.follow_link()
                learner.timings["pull_s"] = time.monotonic() - start
                await learner.run_notebook(f"dicom-course/{LESSON}")
            except Exception as error:  # recorded, reported with the others
                learner.errors.append(f"{type(error).__name__}: {str(error)[:300]}")
            learner.timings["total_s"] = time.monotonic() - start
            return learner

    start = time.monotonic()
    learners = await asyncio.gather(*(one(name) for name in names))
    return list(learners), time.monotonic() - start


@pytest.mark.classroom  # runs the hub: left out of the quick tier (pytest.ini)
def test_a_class_runs_lesson_05_at_once(hub, capsys):
    assert LEARNERS >= 1
    names = [f"learner{i:02d}" for i in range(LEARNERS)]
    learners, seconds = asyncio.run(teach(hub, names))
    passed = [l for l in learners if not l.errors and l.figures]
    peaks = [l.figures["kernel"]["VmHWM"] / 1024 for l in passed]
    servers = [l.figures["server"]["VmRSS"] / 1024 for l in passed]
    cpu = [l.figures["kernel"]["cpu_s"] for l in passed]
    server_cpu = [l.figures["server"]["cpu_s"] for l in passed]
    server_peaks = [l.figures["server"]["VmHWM"] / 1024 for l in passed]
    pulls = [l.timings["pull_s"] for l in passed]
    totals = [l.timings["total_s"] for l in passed]
    median = statistics.median(peaks) if peaks else float("nan")
    summary = (f"classroom: {LEARNERS} learners ran lesson 05 on JupyterHub: "
               f"{len(passed)} passed; peak kernel memory per learner median {median:.0f} MB, "
               f"max {max(peaks, default=float('nan')):.0f} MB; all done in {seconds:.0f} s")
    with capsys.disabled():
        print("\n" + summary)
        if passed:
            print(f"classroom: details: server memory per learner median "
                  f"{statistics.median(servers):.0f} MB (peak {max(server_peaks):.0f} MB); "
                  f"CPU per learner: kernel median {statistics.median(cpu):.1f} s, server "
                  f"median {statistics.median(server_cpu):.1f} s; login+start+pull median "
                  f"{statistics.median(pulls):.0f} s, max {max(pulls):.0f} s; link to last cell "
                  f"median {statistics.median(totals):.0f} s, max {max(totals):.0f} s; "
                  f"hub + proxy {hub.hub_and_proxy_mb():.0f} MB; {os.cpu_count()} CPU cores; "
                  f"kernels restarted {kernel_restarts(hub.log)} times")
        for learner in learners:
            if learner.errors:
                print(f"classroom: {learner.name} FAILED: {'; '.join(learner.errors)}")
    failed = {l.name: l.errors for l in learners if l not in passed}
    assert not failed, f"{failed}\nhub log:\n{tail(hub.log)}"


@pytest.mark.classroom  # runs the hub: left out of the quick tier (pytest.ini)
def test_following_the_link_again_keeps_the_learners_edits(hub):
    """nbgitpuller merges: new commits upstream arrive, the learner's own edit stays."""
    name = "learner-edits"
    lesson = f"dicom-course/{LESSON}"

    async def scenario():
        async with Learner(name, hub) as learner:
            await learner.follow_link()
            notebook = (await learner.api("GET", f"contents/{lesson}",
                                          params={"content": 1})).json()["content"]
            index = next(i for i, c in enumerate(notebook["cells"]) if c["cell_type"] == "code")
            mine = "# my own note: try a window of 80 HU here\n"
            notebook["cells"][index]["source"] = mine + notebook["cells"][index]["source"]
            await learner.api("PUT", f"contents/{lesson}",  # JupyterLab's "Save"
                              json={"type": "notebook", "format": "json", "content": notebook})
            # The instructor publishes a fix to another file in the meantime
            upstream = Path(hub.repo)
            (upstream / "ERRATA.md").write_text("Lesson 05: a fix published during class\n")
            subprocess.run(["git", "-C", str(upstream), "add", "ERRATA.md"], check=True)
            subprocess.run(["git", "-C", str(upstream), "-c", "user.name=Instructor",
                            "-c", "user.email=instructor@example.org", "commit", "--quiet",
                            "-m", "Errata"], check=True)
            await learner.follow_link()
            after = (await learner.api("GET", f"contents/{lesson}",
                                       params={"content": 1})).json()["content"]
            assert after["cells"][index]["source"].startswith(mine)
            home = hub.home(name) / "dicom-course"
            assert (home / "ERRATA.md").read_text() == \
                "Lesson 05: a fix published during class\n"
            # The hub's front page leads to the same place (the default URL)
            front = await learner.client.get(f"{hub.url}/hub/")
            assert urllib.parse.urlsplit(str(front.url)).path == f"/user/{name}/git-pull"

    asyncio.run(scenario())
