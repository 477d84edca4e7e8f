"""Check that this Python has what the course needs, and say how to fix what it lacks.

Lesson 00 runs ``check_setup()``; the tests run it too. It compares the installed
packages with the course's lock, ``binder/requirements.txt``: every package pinned,
transitive included, without the test tools, so that it also holds on Binder (the lock's
environment markers pick the lines for this Python and platform). It checks that the
JupyterLab widget front end matches ipywidgets (the usual reason a slider does not
display), and the bundled sample files against ``data/manifest.json``. Every problem comes
with the command that fixes it. ``direct_pins`` gives the short list a learner reads: the
course's own packages, from ``binder/requirements.in``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

MINIMUM_PYTHON = (3, 11)


@dataclass(frozen=True)
class Problem:
    """One thing that is wrong, and the command or step that fixes it."""

    what: str
    fix: str


def read_pins(requirements: Path) -> dict[str, str]:
    """The ``name==version`` pins of a requirements file that apply here, by package name.

    Lines whose environment marker excludes this Python or platform (``; python_full_version
    < '3.12'``, ``; sys_platform == 'win32'`` …) are left out; ``-r`` lines are not followed.
    """
    pins = {}
    for line in requirements.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate():
            (spec,) = requirement.specifier
            pins[requirement.name] = spec.version
    return pins


def direct_pins(root: Path) -> dict[str, str]:
    """The course's own packages (``binder/requirements.in``), not what they depend on."""
    return read_pins(root / "binder" / "requirements.in")


def installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def check_python(version: tuple[int, ...] = tuple(sys.version_info)) -> list[Problem]:
    """Python 3.11 or newer runs the course; 3.12 is the version it is written for."""
    if version[:2] >= MINIMUM_PYTHON:
        return []
    found = ".".join(map(str, version[:3]))
    return [Problem(f"Python {found} is too old (the pinned packages need 3.11 or newer)",
                    "install Python 3.12 and run `python3.12 course.py lab` again")]


def check_packages(pins: dict[str, str]) -> list[Problem]:
    """Each pinned package must be installed at exactly its pinned version."""
    problems = []
    for name, wanted in pins.items():
        found = installed_version(name)
        if found != wanted:
            state = "is missing" if found is None else f"is {found}, the course pins {wanted}"
            problems.append(Problem(f"{name} {state}",
                                    f'%pip install "{name}=={wanted}"'))
    return problems


def check_widget_frontend() -> list[Problem]:
    """ipywidgets names the jupyterlab_widgets front end it works with; they must agree.

    A mismatch (or a front end missing from this environment) is what shows up in
    JupyterLab as "Error displaying widget" or as a slider drawn as plain text.
    """
    if installed_version("ipywidgets") is None:
        return []  # check_packages already reports it
    for text in metadata.requires("ipywidgets") or []:
        requirement = Requirement(text)
        if requirement.name.replace("-", "_") != "jupyterlab_widgets":
            continue
        found = installed_version("jupyterlab_widgets")
        if found is None or found not in requirement.specifier:
            return [Problem(
                f"ipywidgets {metadata.version('ipywidgets')} needs jupyterlab_widgets"
                f"{requirement.specifier}, found {found or 'none'}",
                "install both from requirements.txt in the environment that runs JupyterLab, "
                "then reload the browser page (restarting the kernel is not enough)")]
    return []


def check_samples(data: Path) -> list[Problem]:
    """Every file listed in data/manifest.json is present and unchanged."""
    manifest = json.loads((data / "manifest.json").read_text(encoding="utf-8"))["files"]
    problems = []
    for entry in manifest:
        path = data / entry["file"]
        if not path.exists():
            problems.append(Problem(f"data/{entry['file']} is missing ({entry['shows']})",
                                    f"git checkout -- data/{entry['file']}"))
        elif hashlib.sha256(path.read_bytes()).hexdigest() != entry["sha256"]:
            problems.append(Problem(
                f"data/{entry['file']} has changed: its sha256 is not the manifest's "
                f"{entry['sha256'][:12]}…", f"git checkout -- data/{entry['file']}"))
    return problems


# The compressed transfer syntaxes learners commonly meet, with short names (PS3.5 §8.2,
# §10 and Annex A; pydicom.uid has the full names).
COMMON_COMPRESSED = {
    "1.2.840.10008.1.2.5": "RLE Lossless",
    "1.2.840.10008.1.2.4.50": "JPEG Baseline",
    "1.2.840.10008.1.2.4.51": "JPEG Extended",
    "1.2.840.10008.1.2.4.57": "JPEG Lossless",
    "1.2.840.10008.1.2.4.70": "JPEG Lossless SV1",
    "1.2.840.10008.1.2.4.80": "JPEG-LS Lossless",
    "1.2.840.10008.1.2.4.81": "JPEG-LS Near-Lossless",
    "1.2.840.10008.1.2.4.90": "JPEG 2000 Lossless",
    "1.2.840.10008.1.2.4.91": "JPEG 2000",
    "1.2.840.10008.1.2.4.201": "HTJ2K Lossless",
    "1.2.840.10008.1.2.4.202": "HTJ2K Lossless RPCL",
    "1.2.840.10008.1.2.4.203": "HTJ2K",
}
# Pillow and pydicom's GDCM plugin claim JPEG Extended, but decode only its 8-bit form
# (README, "Licences of the software"). 12 bits are decoded by dicomview's own GDCM plugin
# (jpeg12.py, registered when dicomview is imported) or by pylibjpeg-libjpeg (GPL-3.0, not
# pinned), which pydicom lists as "pylibjpeg".
_TWELVE_BIT_PLUGINS = {"1.2.840.10008.1.2.4.51": ("dicomview-gdcm", "pylibjpeg")}


def decoder_table() -> str:
    """Which pydicom plugins can decode each common compressed transfer syntax here."""
    from pydicom.pixels import get_decoder
    from pydicom.uid import UID

    lines = []
    for uid, name in COMMON_COMPRESSED.items():
        plugins = get_decoder(UID(uid)).available_plugins
        found = ", ".join(plugins) if plugins else "none: cannot decode"
        if uid in _TWELVE_BIT_PLUGINS and plugins:
            twelve = [plugin for plugin in _TWELVE_BIT_PLUGINS[uid] if plugin in plugins]
            found += (f" (12-bit: {', '.join(twelve)})" if twelve
                      else " (8-bit only; 12-bit needs python-gdcm and import dicomview)")
        lines.append(f"{name:<22} {uid:<24} {found}")
    return "\n".join(lines)


def check_setup(root: Path) -> list[Problem]:
    """All the checks above, for the course checked out at ``root``."""
    return (check_python()
            + check_packages(read_pins(root / "binder" / "requirements.txt"))
            + check_widget_frontend()
            + check_samples(root / "data"))


def verdict(problems: list[Problem]) -> str:
    """One clear answer: ready, or the list of what to fix and how."""
    if not problems:
        return "All is well: Python, every pinned package, the widget front end and the sample data are ready."
    lines = [f"{len(problems)} problem(s) to fix before the course works:"]
    for problem in problems:
        lines += [f"  - {problem.what}", f"    fix: {problem.fix}"]
    return "\n".join(lines)
