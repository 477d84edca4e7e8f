"""The locks pin the whole environment, and Binder's is the local one less the test tools.

requirements.txt and binder/requirements.txt are compiled by uv from requirements.in and
binder/requirements.in (how: the comment at the top of requirements.in). Each compiled
line says which packages need it (`# via …`); the tests read those lines, and check them
against what pip installed (importlib.metadata), so neither the test-only packages nor
their dependencies are listed by hand here. tests/requirements-nbval.txt (what CI installs
for nbval on Python 3.11 and 3.13) must be Binder's lock plus pytest, nbval and what only
they need, each at the local lock's line.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCAL_IN, LOCAL_LOCK = ROOT / "requirements.in", ROOT / "requirements.txt"
BINDER_IN, BINDER_LOCK = ROOT / "binder" / "requirements.in", ROOT / "binder" / "requirements.txt"
# What nbval over the lessons needs (CI's Pythons other than 3.12): Binder's lock plus these
# test tools and what only they need, at the local lock's pins.
NBVAL_REQUIREMENTS = ROOT / "tests" / "requirements-nbval.txt"
NBVAL_TOOLS = {"pytest", "nbval"}
# How the compiled local lock names a package that binder/requirements.in asks for.
BINDER_SOURCE = "-r binder/requirements.in"
INSTALLER = {"pip"}  # pip installs the lock; it is not part of it


@dataclass
class Pin:
    line: str               # the requirement line as compiled: name==version ; marker
    requirement: Requirement
    via: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return canonicalize_name(self.requirement.name)

    @property
    def version(self) -> str:
        (spec,) = self.requirement.specifier
        return spec.version

    def applies(self) -> bool:
        return self.requirement.marker is None or self.requirement.marker.evaluate()


def read_lock(path: Path) -> list[Pin]:
    """The pins of a compiled lock, each with the packages it is there for."""
    pins: list[Pin] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        text = raw.strip()
        if not text:
            continue
        if not text.startswith("#"):
            pins.append(Pin(text, Requirement(text)))
        elif pins and raw.startswith("    #"):
            via = text.lstrip("#").strip()
            via = via.removeprefix("via").strip()
            if via:
                pins[-1].via.append(via)
    return pins


def direct_names(path: Path) -> dict[str, str]:
    """The pins of a .in file, by package name (its -r lines are followed separately)."""
    pins = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        text = raw.split("#", 1)[0].strip()
        if text and not text.startswith("-"):
            requirement = Requirement(text)
            (spec,) = requirement.specifier
            assert spec.operator == "==", f"{path.name}: {text!r} is not an exact pin"
            pins[canonicalize_name(requirement.name)] = spec.version
    return pins


LOCAL, BINDER = read_lock(LOCAL_LOCK), read_lock(BINDER_LOCK)


def needed_by(pins: list[Pin], roots: set[str], source: str | None = None) -> set[str]:
    """Names reachable from `roots` (or the `source` line, e.g. `-r binder/requirements.in`)
    through the `# via` annotations."""
    needed = set(roots)
    changed = True
    while changed:
        changed = False
        for pin in pins:
            if pin.name not in needed and any(
                    via == source or canonicalize_name(via) in needed for via in pin.via):
                needed.add(pin.name)
                changed = True
    return needed


def runtime_names(pins: list[Pin]) -> set[str]:
    """Names reachable from binder/requirements.in through the `# via` annotations."""
    return needed_by(pins, set(), BINDER_SOURCE)


def read_nbval_requirements() -> tuple[list[str], list[Pin]]:
    """tests/requirements-nbval.txt: its -r lines, and its pins."""
    includes, pins = [], []
    for raw in NBVAL_REQUIREMENTS.read_text(encoding="utf-8").splitlines():
        text = raw.split("#", 1)[0].strip()
        if text.startswith("-"):
            includes.append(text)
        elif text:
            pins.append(Pin(text, Requirement(text)))
    return includes, pins


def test_every_line_is_an_exact_pin():
    for pin in LOCAL + BINDER:
        (spec,) = pin.requirement.specifier
        assert spec.operator == "==", pin.line
        assert not pin.requirement.url and not pin.requirement.extras, pin.line


def test_the_locks_stand_alone():
    """No -r, -c, -e, index or path lines: Binder installs its file before it copies the
    repository, and a lock must not depend on a file that can change under it."""
    for path in (LOCAL_LOCK, BINDER_LOCK):
        for raw in path.read_text(encoding="utf-8").splitlines():
            text = raw.strip()
            assert not text.startswith("-"), f"{path.name}: {text}"
            assert "/" not in text.split("#", 1)[0], f"{path.name}: {text}"


def test_each_package_has_one_pin_per_environment():
    """Two lines for one package are allowed only when their markers exclude each other
    (e.g. contourpy: one version for Python 3.11, another for 3.12 and later)."""
    for pins in (LOCAL, BINDER):
        for python in ("3.11", "3.12", "3.13"):
            for platform in ("linux", "darwin", "win32"):
                env = {"python_version": python, "python_full_version": python + ".9",
                       "sys_platform": platform,
                       "os_name": "nt" if platform == "win32" else "posix",
                       "platform_system": {"linux": "Linux", "darwin": "Darwin",
                                           "win32": "Windows"}[platform]}
                names = [p.name for p in pins
                         if p.requirement.marker is None or p.requirement.marker.evaluate(env)]
                assert len(names) == len(set(names)), (python, platform)


@pytest.mark.parametrize("source, lock", [(LOCAL_IN, LOCAL), (BINDER_IN, BINDER)],
                         ids=["requirements.in", "binder/requirements.in"])
def test_direct_requirements_are_locked_at_their_pins(source, lock):
    direct = direct_names(source)
    if source == LOCAL_IN:
        direct |= direct_names(BINDER_IN)
    locked = {pin.name: pin.version for pin in lock if pin.applies()}
    assert {name: locked.get(name) for name in direct} == direct


def test_nothing_installed_is_unpinned():
    """Every distribution in this environment is in the lock at exactly that version,
    and every pin that applies to this Python and platform is installed."""
    installed = {canonicalize_name(d.metadata["Name"]): d.version
                 for d in metadata.distributions()}
    # Python 3.11's venv module also installs setuptools; nothing in the lock needs it.
    extra_ok = INSTALLER | ({"setuptools"} if sys.version_info < (3, 12) else set())
    locked = {pin.name: pin.version for pin in LOCAL if pin.applies()}
    unpinned = {name: version for name, version in installed.items()
                if name not in extra_ok and locked.get(name) != version}
    assert unpinned == {}, "installed but not at a locked version (name: installed)"
    missing = {name: version for name, version in locked.items()
               if installed.get(name) != version}
    assert missing == {}, "locked but not installed at that version (name: locked)"


def test_binder_lock_is_the_local_lock_less_the_test_tools():
    runtime = runtime_names(LOCAL)
    assert {pin.line for pin in BINDER} == {pin.line for pin in LOCAL if pin.name in runtime}
    # What is left out is the test tools of requirements.in and what only they need.
    test_only = {pin.name for pin in LOCAL} - runtime
    tools = set(direct_names(LOCAL_IN))
    assert tools and tools <= test_only
    assert "pytest" in tools
    # Binder runs notebooks outside the browser too (nbconvert's "Export", nbclient).
    assert {"nbformat", "nbclient", "nbconvert"} <= {pin.name for pin in BINDER}


def test_nbval_requirements_are_binders_lock_plus_the_locked_nbval_tools():
    """CI's 3.11 and 3.13 install tests/requirements-nbval.txt: every line is one of the
    local lock's lines (same version, same marker), and they are exactly pytest, nbval
    and what those need that Binder's lock does not hold."""
    includes, pins = read_nbval_requirements()
    assert includes == ["-r ../binder/requirements.txt"]
    assert pins, "no pins in tests/requirements-nbval.txt"
    local_lines = {pin.line for pin in LOCAL}
    assert [pin.line for pin in pins if pin.line not in local_lines] == [], \
        "not as requirements.txt pins it: copy the line from there"
    wanted = needed_by(LOCAL, NBVAL_TOOLS) - {pin.name for pin in BINDER}
    assert {pin.name for pin in pins} == wanted
    assert NBVAL_TOOLS <= wanted


def requirement_closure(roots: set[str]) -> set[str]:
    """Installed packages that `roots` need, from the installed metadata, markers and
    extras evaluated for this environment."""
    seen: set[str] = set()
    todo = [(name, frozenset()) for name in roots]
    done: set[tuple[str, frozenset]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in done:
            continue
        done.add((name, extras))
        seen.add(name)
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            env = default_environment()
            wanted = requirement.marker is None or any(
                requirement.marker.evaluate({**env, "extra": extra})
                for extra in (extras or {""}))
            if wanted:
                todo.append((canonicalize_name(requirement.name),
                             frozenset(requirement.extras)))
    return seen


def test_binder_lock_has_what_the_course_packages_need_here():
    """The same split, derived from what pip installed rather than from uv's annotations."""
    runtime_here = requirement_closure(set(direct_names(BINDER_IN)))
    binder_here = {pin.name for pin in BINDER if pin.applies()}
    assert runtime_here <= binder_here
    tools_here = requirement_closure(set(direct_names(LOCAL_IN))) - runtime_here
    local_here = {pin.name for pin in LOCAL if pin.applies()}
    assert tools_here == local_here - binder_here


def test_nbval_requirements_have_what_pytest_and_nbval_need_here():
    """The same, derived from what pip installed rather than from uv's annotations."""
    _, pins = read_nbval_requirements()
    binder_here = {pin.name for pin in BINDER if pin.applies()}
    nbval_here = {pin.name for pin in pins if pin.applies()}
    assert nbval_here == requirement_closure(NBVAL_TOOLS) - binder_here


def test_via_annotations_are_present():
    """The split above relies on uv's `# via` lines: each pin must have them."""
    for pin in LOCAL + BINDER:
        assert pin.via, f"{pin.line} has no '# via' annotation: compile with annotations"


def test_relock_instructions_are_at_the_top_of_requirements_in():
    head = LOCAL_IN.read_text(encoding="utf-8").split("\n\n")[0]
    assert "uv pip compile --universal" in head
    assert re.search(r"uv==\d+\.\d+\.\d+", head)
