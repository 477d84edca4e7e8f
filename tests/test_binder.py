"""Binder builds the course from binder/ alone, with the course's Python and pins."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


def test_binder_requirements_stand_alone():
    """Binder installs this file before it copies the repository: no -r, -c, -e or paths.
    (tests/test_lock.py checks that it is the local lock less the test tools.)"""
    for raw in (BINDER / "requirements.txt").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.\-]+( ; [^/]+)?", line), (
                f"binder/requirements.txt: {line!r} is not a plain name==version pin"
            )


def test_binder_python_is_the_course_python():
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.12"


def test_no_other_binder_configuration():
    """repo2docker reads only binder/ when it exists; a Dockerfile or environment.yml would win.
    requirements.in is the source of the lock; repo2docker does not read it. start runs
    before JupyterLab."""
    assert sorted(p.name for p in BINDER.iterdir()) == ["requirements.in", "requirements.txt",
                                                        "runtime.txt", "start"]
    assert not (ROOT / ".binder").exists()


def test_readme_launch_link_opens_a_notebook_that_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"https://mybinder\.org/v2/gh/[^)\s]+urlpath=lab/tree/([^)\s&]+)", readme)
    assert links, "README.md has no Binder launch link with urlpath=lab/tree/…"
    for target in links:
        assert (ROOT / target).is_file(), f"the Binder link opens {target}, which does not exist"


def test_binder_start_sets_what_course_py_sets_and_hands_over():
    """Binder's kernels get the same memory setting as `python3 course.py lab` gives."""
    from course_script import course
    start = BINDER / "start"
    text = start.read_text()
    assert start.stat().st_mode & 0o111, "binder/start must be executable"
    assert text.startswith("#!/bin/bash\n") and text.rstrip().endswith('exec "$@"')
    for name, value in course.KERNEL_MEMORY_ENV.items():
        assert f"export {name}={value}\n" in text
