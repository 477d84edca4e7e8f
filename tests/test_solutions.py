"""Every exercise's solution runs, in its lesson's kernel, and prints what the lesson shows.

Solutions live in markdown cells tagged `solution`: a folded `<details>` block holding the
code (a ```python block) and what it prints (a ```text block after "It prints:"). So
*Run All* never runs them and never unfolds them: a learner who runs everything still
meets each exercise unanswered. (A code cell would not do: JupyterLab shows a cell's
outputs again whenever it runs, collapsed or not.) This test puts each solution back as a
code cell where it stands, runs the lesson top to bottom in a fresh kernel with the
lesson's folder as working directory, as nbval does, and compares each solution's printed
text with the stored one, through the same sanitizers as nbval.
"""

from __future__ import annotations

import configparser
import json
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTION = re.compile(
    r"<summary>.*?Solution.*?</summary>\s*```python\n(?P<code>.*?)\n```"
    r"(?:\s*It prints:\s*```text\n(?P<prints>.*?)\n```)?", re.S)


def solution_cells(nb: dict) -> list[int]:
    return [i for i, cell in enumerate(nb["cells"])
            if "solution" in cell.get("metadata", {}).get("tags", [])]


def parse(cell: dict) -> tuple[str, str]:
    """The solution's code and what it prints ("" when it prints nothing)."""
    match = SOLUTION.search("".join(cell["source"]))
    assert match, "a solution cell holds <summary>…Solution…</summary> and a ```python block"
    return match["code"], match["prints"] or ""


def sanitize(text: str) -> str:
    """What nbval's sanitizers (tests/sanitize.cfg) make of `text`."""
    config = configparser.ConfigParser()
    config.read(ROOT / "tests" / "sanitize.cfg")
    for section in config.sections():
        text = re.sub(config[section]["regex"], config[section]["replace"], text)
    return text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_solution_runs_and_prints_what_the_lesson_shows(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    wanted = solution_cells(nb)
    if not wanted:
        pytest.skip(f"{path.name} has no exercises")
    # The lesson up to its last solution, each solution a code cell again.
    run = nbformat.v4.new_notebook(metadata=nb["metadata"])
    placed = {}
    for index, cell in enumerate(nb["cells"][: wanted[-1] + 1]):
        if index in wanted:
            code, prints = parse(cell)
            placed[len(run.cells)] = (index, prints)
            run.cells.append(nbformat.v4.new_code_cell(code))
        elif cell["cell_type"] == "code":
            run.cells.append(nbformat.v4.new_code_cell(
                "".join(cell["source"]), metadata={"tags": cell["metadata"].get("tags", [])}))
    NotebookClient(run, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for position, (index, prints) in placed.items():
        got = "".join(output.get("text", "") for output in run.cells[position].outputs
                      if output.get("name") == "stdout").rstrip("\n")
        assert sanitize(got) == sanitize(prints), (
            f"{path.name}, cell {index}: the solution printed\n{got}\n\nbut the lesson shows\n{prints}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_each_exercise_has_a_folded_solution(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    exercises = [cell for cell in nb["cells"] if cell["cell_type"] == "markdown"
                 and re.search(r"^### Exercise", "".join(cell["source"]), re.M)]
    solutions = solution_cells(nb)
    assert len(solutions) == len(exercises), (
        f"{path.name}: {len(exercises)} exercises, {len(solutions)} solutions")
    for index in solutions:
        cell = nb["cells"][index]
        assert cell["cell_type"] == "markdown", f"cell {index}: a solution is a markdown cell"
        text = "".join(cell["source"])
        assert text.startswith("<details>") and text.rstrip().endswith("</details>"), (
            f"cell {index}: a solution is one folded <details> block")
        parse(cell)
