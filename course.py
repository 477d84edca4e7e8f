"""Set up the course in an isolated environment, then open it or test it.

    python3 course.py lab      # set up, then open JupyterLab at lesson 00
    python3 course.py test     # set up, then run the whole test suite (python -m pytest)
    python3 course.py test --quick
                               # the same less the browser, classroom and slow tests
                               # (about 1.5 minutes on 2 cores): while working on code or
                               # a lesson; run the whole suite before a commit
    python3 course.py link --hub https://hub.example.org --repo https://github.com/you/course
                               # print the link that puts the course in each learner's
                               # home on that JupyterHub and opens lesson 00 (nbgitpuller)

Setting up means: make `.venv/` with the best Python found (3.12 preferred, 3.11 or newer
required), then install the exact pins of requirements.txt into it. Both steps are skipped
when already done, so running either command again is quick and safe. `--quick`, right
after `test`, leaves out the tests marked browser, classroom or slow (pytest.ini). Extra
arguments after `test` or `test --quick` go to pytest, e.g.
`python3 course.py test notebooks/01_reading_a_file.ipynb`.
As root (containers, cloud VMs), `lab` adds Jupyter's `--allow-root` and says so.
`link` sets nothing up: it only prints the link (`--branch`, default main, picks the branch;
the hub's single-user environment needs nbgitpuller, which the course's lock pins; see
classroom/README.md).
Uses only the standard library, so it runs before anything is installed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
REQUIREMENTS = ROOT / "requirements.txt"
STAMP = VENV / "course-requirements.sha256"   # the requirements last installed here
PREFERRED = ["python3.12", "python3.13", "python3.11", "python3", "python"]
MINIMUM = (3, 11)
# glibc hands freed memory back to the system only above a threshold that it raises each
# time a program frees a large array, so a lesson's kernel keeps tens of MB it no longer
# uses. A fixed threshold keeps it near what it really holds (lesson 05 keeps about 185 MB
# instead of about 205; benchmarks/kernel_memory.py). Binder's binder/start sets the same;
# C libraries other than glibc (macOS, Windows) ignore it.
KERNEL_MEMORY_ENV = {"MALLOC_TRIM_THRESHOLD_": "1048576"}
LESSON_00 = "notebooks/00_setup.ipynb"
# `test --quick`: everything but the tests marked (pytest.ini) as driving Chromium, running
# a JupyterHub class, or slow.
QUICK_TIER = "not browser and not classroom and not slow"


def say(message: str) -> None:
    print(f"[course] {message}", flush=True)


def python_version(command: str) -> tuple[int, int] | None:
    """The (major, minor) of a Python command, or None if it does not run."""
    try:
        out = subprocess.run([command, "-c", "import sys; print(*sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    major, minor = map(int, out.stdout.split())
    return major, minor


def find_python() -> str:
    """The first Python on PATH that is new enough, preferring the course's 3.12."""
    for command in PREFERRED:
        version = python_version(command) if shutil.which(command) else None
        if version and version >= MINIMUM:
            return command
    if sys.version_info[:2] >= MINIMUM:
        return sys.executable
    sys.exit("[course] No Python 3.11 or newer found. Install Python 3.12 and run this again.")


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def make_venv() -> None:
    if VENV.exists():
        version = python_version(str(venv_python())) if venv_python().exists() else None
        if version and version >= MINIMUM:
            return
        # Not ours to delete: it may be an environment the learner made for something else.
        found = ".".join(map(str, version)) if version else "no working Python"
        sys.exit(f"[course] {VENV.name}/ exists but holds {found}, and the course needs "
                 f"Python 3.11 or newer. Move or delete {VENV.name}/, then run this again.")
    python = find_python()
    say(f"making an isolated environment in {VENV.name}/ with {python}")
    subprocess.run([python, "-m", "venv", str(VENV)], check=True)


def install() -> None:
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        say("packages already installed from requirements.txt")
        return
    say("installing the pinned packages from requirements.txt (a few minutes the first time)")
    pip = [str(venv_python()), "-m", "pip"]
    subprocess.run(pip + ["install", "--upgrade", "pip"], check=True)
    subprocess.run(pip + ["install", "--progress-bar", "on", "-r", str(REQUIREMENTS)], check=True)
    STAMP.write_text(wanted + "\n")


def running_as_root() -> bool:
    """True for the root user (containers and cloud VMs often run as root)."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def lab_command(python: str, extra: list[str]) -> list[str]:
    """The command that serves the course in JupyterLab, opening lesson 00.

    Jupyter refuses to start as root unless told `--allow-root`; it is added only then.
    """
    command = [python, "-m", "jupyter", "lab", f"--ServerApp.root_dir={ROOT}",
               f"--LabApp.default_url=/lab/tree/{LESSON_00}"]
    if running_as_root():
        command.append("--allow-root")
    return command + extra


def pytest_arguments(extra: list[str]) -> list[str]:
    """pytest's arguments for `course.py test [--quick] [pytest arguments]`.

    `--quick` (first, right after `test`) selects the quick tier; the rest go to pytest.
    """
    if extra[:1] == ["--quick"]:
        return ["-m", QUICK_TIER, *extra[1:]]
    return list(extra)


def pull_path(repo: str, branch: str = "main") -> str:
    """nbgitpuller's path on a single-user server: pull `branch` of `repo`, open lesson 00.

    nbgitpuller clones into a folder named after the repository URL's last part (its
    default target path), so lesson 00 opens from there, in JupyterLab. Following it again
    merges the new commits and keeps the learner's own edits.
    """
    folder = repo.rstrip("/").split("/")[-1]
    query = urllib.parse.urlencode(
        {"repo": repo, "urlpath": f"lab/tree/{folder}/{LESSON_00}", "branch": branch})
    return f"git-pull?{query}"


def hub_link(hub: str, repo: str, branch: str = "main") -> str:
    """The link for learners: log in to `hub`, start a server, pull the course, open lesson 00.

    /hub/user-redirect/ sends each learner to their own server, so one link fits the class.
    """
    parts = urllib.parse.urlsplit(hub)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise ValueError(f"--hub must be the hub's address, like https://hub.example.org, "
                         f"not {hub!r}")
    if not repo.rstrip("/") or "?" in repo or "#" in repo:
        raise ValueError(f"--repo must be the address of a git repository, not {repo!r}")
    return f"{hub.rstrip('/')}/hub/user-redirect/{pull_path(repo, branch)}"


def link(arguments: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 course.py link",
        description="Print the nbgitpuller link that opens lesson 00 for each learner on a "
                    "JupyterHub (classroom/README.md).")
    parser.add_argument("--hub", required=True, help="the hub's address, e.g. https://hub.example.org")
    parser.add_argument("--repo", required=True,
                        help="your copy of the course, e.g. https://github.com/you/course")
    parser.add_argument("--branch", default="main", help="the branch to pull (default: main)")
    args = parser.parse_args(arguments)
    try:
        print(hub_link(args.hub, args.repo, args.branch))
    except ValueError as error:
        parser.error(str(error))
    return 0


def main() -> int:
    if len(sys.argv) >= 2 and sys.argv[1] == "link":
        return link(sys.argv[2:])  # needs no environment: only prints
    if len(sys.argv) < 2 or sys.argv[1] not in ("lab", "test"):
        print(__doc__)
        return 2
    make_venv()
    install()
    python = str(venv_python())
    if sys.argv[1] == "lab":
        if running_as_root():
            say("running as root (as in many containers and cloud VMs): "
                "starting JupyterLab with --allow-root")
        say("opening JupyterLab at lesson 00 (stop it with Ctrl+C)")
        command = lab_command(python, sys.argv[2:])
    else:
        command = [python, "-m", "pytest", *pytest_arguments(sys.argv[2:])]
        say("running the test suite: python -m pytest " + shlex.join(command[3:]))
    return subprocess.run(command, cwd=ROOT, env={**os.environ, **KERNEL_MEMORY_ENV}).returncode


if __name__ == "__main__":
    sys.exit(main())
