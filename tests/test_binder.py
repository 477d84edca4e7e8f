"""Binder builds the course from binder/ alone, with the course's Python and pins."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


def pin_lines(path: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def pins(path: Path) -> dict[str, str]:
    return dict(line.split("==", 1) for line in pin_lines(path))


def test_binder_requirements_stand_alone():
    """Binder installs this file before it copies the repository: no -r, -e or paths."""
    for line in pin_lines(BINDER / "requirements.txt"):
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[A-Za-z0-9_.\-]+", line), (
            f"binder/requirements.txt: {line!r} is not a plain name==version pin"
        )


def test_binder_pins_the_course_packages_exactly():
    """Same versions as requirements.txt; only the test tools are left out."""
    course, binder = pins(ROOT / "requirements.txt"), pins(BINDER / "requirements.txt")
    test_only = set(course) - set(binder)
    assert {name: course[name] for name in binder} == binder
    assert test_only == {"pytest", "nbval", "nbformat", "nbclient", "nbconvert",
                         "playwright"}, sorted(test_only)


def test_binder_python_is_the_course_python():
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.12"


def test_no_other_binder_configuration():
    """repo2docker reads only binder/ when it exists; a Dockerfile or environment.yml would win."""
    assert sorted(p.name for p in BINDER.iterdir()) == ["requirements.txt", "runtime.txt"]
    assert not (ROOT / ".binder").exists()


def test_readme_launch_link_opens_a_notebook_that_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"https://mybinder\.org/v2/gh/[^)\s]+urlpath=lab/tree/([^)\s&]+)", readme)
    assert links, "README.md has no Binder launch link with urlpath=lab/tree/…"
    for target in links:
        assert (ROOT / target).is_file(), f"the Binder link opens {target}, which does not exist"
