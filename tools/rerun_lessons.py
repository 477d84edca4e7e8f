"""Re-run lessons top to bottom and store their outputs, as "Restart Kernel and Run All" does.

    python tools/rerun_lessons.py notebooks/01_reading_a_file.ipynb [more.ipynb ...]
    python tools/rerun_lessons.py --all

Each notebook runs in a fresh kernel with its own folder as working directory (as in
JupyterLab, nbval and Binder). Widget state is dropped from the notebook's metadata
afterwards: stored state goes stale and shows "model not found" when the notebook is
opened without running it. No cell timestamps are stored, and adjacent pieces of one
output stream are stored as one. (nbconvert's store_widget_state=False option would do the
same, but it breaks the capture of Output widgets in nbclient 0.11.)
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]


def rerun(path: Path) -> float:
    """Execute one notebook in place; return the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timestamps of an earlier run
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = coalesce_streams(cell.outputs)
    nbformat.write(nb, path)
    return time.perf_counter() - start


def coalesce_streams(outputs: list) -> list:
    """Adjacent outputs of one stream (stdout, stderr) as one, as nbconvert does: under
    load one print can arrive in several pieces, and the stored notebook would change
    from run to run although what it shows does not."""
    merged = []
    for output in outputs:
        if (output.output_type == "stream" and merged and merged[-1].output_type == "stream"
                and merged[-1].name == output.name):
            merged[-1].text += output.text
        else:
            merged.append(output)
    return merged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--all", action="store_true", help="every lesson in notebooks/")
    args = parser.parse_args()
    paths = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")) if args.all else args.notebooks
    for path in paths:
        print(f"{path.name}: {rerun(path.resolve()):.1f} s")


if __name__ == "__main__":
    main()
