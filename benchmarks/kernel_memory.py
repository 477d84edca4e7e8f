"""How much memory does each lesson's kernel use? Peak and kept RSS, from a real kernel.

For each lesson (all of notebooks/NN_*.ipynb, or those given on the command line) this
runs the notebook top to bottom in a fresh Jupyter kernel, as "Restart Kernel and Run All"
does (nbclient, working directory notebooks/, like tools/rerun_lessons.py; the notebook
file is never written back). After the last cell it runs one more cell in that same
kernel, which reads from /proc/self/status (after `gc.collect()`):

- peak: `VmHWM`, the kernel process's peak resident memory, the most it held at any
  moment while the lesson ran;
- kept: `VmRSS`, its resident memory now, what the lesson keeps while it stays open.

It also prints `resource.getrusage(RUSAGE_SELF).ru_maxrss` (KiB on Linux), the usual
"peak RSS" of a Python process. In a kernel it can overstate the peak: Linux carries
ru_maxrss over from the parent through fork and exec, so a kernel started by a large
process (this script, or a Jupyter server) reports at least that process's size, even
when the kernel itself never came near it. VmHWM belongs to the kernel's own memory
alone, so the verdict uses it. (This script imports no big libraries, to keep the
inherited figure small.)

It also measures two bare kernels, so the floor is visible: one that imports nothing,
and one that imports what the lessons import (pydicom, numpy, matplotlib.pyplot with
the inline backend, ipywidgets). The budget (DESIGN.md, issue 8) is peak <= 300 MB and
kept <= 200 MB per lesson: Binder guarantees 1 GB for everything a learner has open.
MB here are MiB (2**20 bytes). It measures and prints; it asserts nothing (exit 0).
Linux only (/proc).

Kernels run with the memory setting that `python3 course.py lab` and Binder's
binder/start give them (course.py's KERNEL_MEMORY_ENV: glibc then returns freed memory
to the system); `--glibc-defaults` measures without it, as a plain `jupyter lab` runs
kernels. Run from the repository root:

    .venv/bin/python benchmarks/kernel_memory.py                     # every lesson
    .venv/bin/python benchmarks/kernel_memory.py notebooks/04_plotting.ipynb
    .venv/bin/python benchmarks/kernel_memory.py --glibc-defaults
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
PEAK_BUDGET_MB = 300
KEPT_BUDGET_MB = 200

# Runs in the kernel after the lesson's last cell; prints one JSON line.
MEASURE = """\
import gc as _gc, json as _json, resource as _resource
_gc.collect()
_figures = {"ru_maxrss": _resource.getrusage(_resource.RUSAGE_SELF).ru_maxrss}  # KiB on Linux
with open("/proc/self/status") as _status:
    for _line in _status:
        if _line.startswith(("VmHWM:", "VmRSS:")):
            _figures[_line.split(":")[0]] = int(_line.split()[1])  # kB
print("MEMORY" + _json.dumps(_figures))
"""

BARE_KERNELS = {
    "(bare kernel, no imports)": [],
    "(kernel + lesson imports)": [
        "%matplotlib inline\n"
        "import ipywidgets\nimport matplotlib.pyplot as plt\nimport numpy as np\nimport pydicom"
    ],
}


def measure(nb: nbformat.NotebookNode, cwd: Path) -> tuple[float, float, float, float]:
    """Run nb in a fresh kernel, then MEASURE; return (peak, kept, ru_maxrss) MB and seconds."""
    nb.cells.append(nbformat.v4.new_code_cell(MEASURE))
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(cwd)}}).execute(
                       stderr=subprocess.DEVNULL)  # the kernel's "running over TCP" warning
    seconds = time.perf_counter() - start
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")
    line = next(line for line in text.splitlines() if line.startswith("MEMORY"))
    figures = json.loads(line[len("MEMORY"):])
    return (figures["VmHWM"] / 1024, figures["VmRSS"] / 1024, figures["ru_maxrss"] / 1024,
            seconds)


def row(name: str, peak: float, kept: float, maxrss: float, seconds: float, judge: bool) -> str:
    verdict = ""
    if judge:
        verdict = (f"{'yes' if peak <= PEAK_BUDGET_MB else 'NO':>7}  "
                   f"{'yes' if kept <= KEPT_BUDGET_MB else 'NO':>7}")
    return f"{name:<30} {peak:>7.0f} {kept:>7.0f} {maxrss:>9.0f} {seconds:>7.0f}   {verdict}"


def course_memory_env() -> dict[str, str]:
    """The environment course.py gives the kernels it starts (KERNEL_MEMORY_ENV)."""
    spec = importlib.util.spec_from_file_location("course", ROOT / "course.py")
    course = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(course)
    return course.KERNEL_MEMORY_ENV


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path,
                        help="lessons to measure (default: every notebooks/NN_*.ipynb)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the bare kernels")
    parser.add_argument("--glibc-defaults", action="store_true",
                        help="run kernels without course.py's memory setting")
    args = parser.parse_args()
    paths = args.notebooks or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    setting = {} if args.glibc_defaults else course_memory_env()
    os.environ.update(setting)  # kernels inherit this process's environment

    print(f"Python {platform.python_version()}, pydicom {version('pydicom')}, "
          f"matplotlib {version('matplotlib')}, numpy {version('numpy')}; MB = MiB; "
          f"budget: peak <= {PEAK_BUDGET_MB} MB, kept <= {KEPT_BUDGET_MB} MB")
    print("kernel environment: " + (" ".join(f"{k}={v}" for k, v in setting.items())
                                    + " (as course.py lab and Binder start kernels)"
                                    if setting else "glibc defaults (as a plain jupyter lab)"))
    print("peak = VmHWM, kept = VmRSS after gc.collect(), ru_maxrss = getrusage (inherits the "
          "parent's size; see the docstring)")
    print(f"{'lesson':<30} {'peak MB':>7} {'kept MB':>7} {'ru_maxrss':>9} {'seconds':>7}   "
          f"{'peak ok':>7}  {'kept ok':>7}")
    if not args.no_baseline:
        for name, cells in BARE_KERNELS.items():
            nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
            nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                         "language": "python"}
            print(row(name, *measure(nb, NOTEBOOKS), judge=False), flush=True)
    for path in paths:
        path = path.resolve()
        try:
            figures = measure(nbformat.read(path, as_version=4), path.parent)
        except Exception as error:  # report and go on: this script measures, never fails
            print(f"{path.name:<30} failed: {type(error).__name__}: {str(error)[:200]}")
            continue
        print(row(path.name, *figures, judge=True), flush=True)
    sys.exit(0)


if __name__ == "__main__":
    main()
