"""Every lesson is stored as one clean run, follows the lesson anatomy, and leaks nothing.

nbval (run on the notebooks themselves) checks that the outputs are still what the code
gives; these tests check what nbval does not: how the stored outputs were made, and
what they must never contain. A new notebook in notebooks/ is picked up automatically.
"""

from __future__ import annotations

import io
import json
import re
import sys
import tokenize
from pathlib import Path

import pytest
from IPython.core.inputtransformer2 import TransformerManager

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

# Things that must never appear in a stored output: machine paths and home folders.
MACHINE_PATH = re.compile(
    r"(/home/|/Users/|/root/|/tmp/|/work/|/private/var/|[A-Za-z]:\\\\|site-packages|\.venv)"
)


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def code_cells(nb: dict) -> list[dict]:
    return [cell for cell in nb["cells"] if cell["cell_type"] == "code"]


def tags(cell: dict) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def output_text(output: dict) -> str:
    """All text an output carries: stream text, error message and traceback, text data."""
    parts = [output.get("text", ""), output.get("ename", ""), output.get("evalue", "")]
    parts += output.get("traceback", [])
    for mime, value in output.get("data", {}).items():
        if mime.startswith("text/") or mime.endswith("json"):
            parts.append(value if isinstance(value, str) else json.dumps(value))
    return "\n".join("".join(p) if isinstance(p, list) else p for p in parts)


def source(cell: dict) -> str:
    return "".join(cell["source"])


@pytest.fixture(params=NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def notebook(request) -> tuple[Path, dict]:
    return request.param, load(request.param)


def test_lessons_exist_in_order():
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers and numbers == list(range(len(numbers))), [p.name for p in NOTEBOOKS]


def test_outputs_come_from_one_clean_run(notebook):
    path, nb = notebook
    counts = [cell["execution_count"] for cell in code_cells(nb)]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts} are not 1..N: re-run it with "
        f"`python tools/rerun_lessons.py notebooks/{path.name}`"
    )


def test_errors_only_where_expected(notebook):
    path, nb = notebook
    for n, cell in enumerate(code_cells(nb), start=1):
        has_error = any(o["output_type"] == "error" for o in cell["outputs"])
        expected = "raises-exception" in tags(cell)
        assert has_error == expected, (
            f"{path.name}, code cell {n}: "
            + ("unexpected error output" if has_error else "tagged raises-exception but did not raise")
            + f"\n{source(cell)[:200]}"
        )


def test_no_machine_paths_in_outputs(notebook):
    path, nb = notebook
    for n, cell in enumerate(code_cells(nb), start=1):
        for output in cell["outputs"]:
            found = MACHINE_PATH.search(output_text(output))
            assert not found, f"{path.name}, code cell {n}: output contains {found.group(0)!r}"


def test_ignored_outputs_say_why(notebook):
    path, nb = notebook
    for n, cell in enumerate(code_cells(nb), start=1):
        if "nbval-ignore-output" in tags(cell):
            first_line = source(cell).lstrip().splitlines()[0]
            assert first_line.startswith("#"), (
                f"{path.name}, code cell {n} is tagged nbval-ignore-output: "
                "its first line must be a comment saying why its output varies"
            )


def test_kernel_is_python3(notebook):
    path, nb = notebook
    assert nb["metadata"]["kernelspec"]["name"] == "python3", path.name


def test_no_saved_widget_state(notebook):
    path, nb = notebook
    assert "widgets" not in nb["metadata"], (
        f"{path.name} stores widget state; it goes stale and shows 'model not found': "
        f"re-run it with `python tools/rerun_lessons.py notebooks/{path.name}`"
    )


def test_lesson_anatomy(notebook):
    """Title and overview first, exercises with hidden solutions, key points, a Next link."""
    path, nb = notebook
    markdown = [source(c) for c in nb["cells"] if c["cell_type"] == "markdown"]
    first = source(nb["cells"][0])
    assert nb["cells"][0]["cell_type"] == "markdown" and first.startswith("# "), path.name
    assert "## Overview" in first and "Time to teach" in first, (
        f"{path.name}: the first cell needs '## Overview' and 'Time to teach'"
    )
    assert any("## Key points" in m for m in markdown), f"{path.name}: no '## Key points'"
    # Solutions are folded markdown (tests/test_solutions.py runs them), so Run All never
    # runs or unfolds them; no code cell may carry the tag.
    assert not [c for c in code_cells(nb) if "solution" in tags(c)], (
        f"{path.name}: a solution in a code cell is shown again by Run All; write it as a "
        "folded <details> markdown cell (docs/writing-lessons.md)")
    solutions = [c for c in nb["cells"] if "solution" in tags(c)]
    cells = nb["cells"]
    for n, cell in enumerate(cells[:-1]):
        after = cells[n + 1]
        if "solution" in tags(cell) and after["cell_type"] == "markdown":
            assert source(after).lstrip().startswith(("#", "<details>")), (
                f"{path.name}: the text after a solution gives the answer away; put its "
                f"discussion in <details>…</details>:\n{source(after)[:120]}"
            )
    if path.name != "00_setup.ipynb":
        assert len(solutions) >= 2, f"{path.name}: fewer than two exercises with solutions"
    later = [p for p in NOTEBOOKS if p.name > path.name]
    if later:
        assert f"({later[0].name})" in markdown[-1] or any(
            f"]({later[0].name})" in m for m in markdown[-2:]
        ), f"{path.name}: the last cells need a Next link to {later[0].name}"


def reused_fstring_quotes(code: str) -> list[str]:
    """Strings inside an f-string's braces that reuse its quote: valid only from Python 3.12.

    From 3.12 the tokenizer splits f-strings (FSTRING_START … FSTRING_END), so a string
    token met while inside one can be compared with the quote that opened it.
    """
    if sys.version_info < (3, 12):
        return []  # compile() below already rejects them on 3.11
    opened, found = [], []
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.FSTRING_START:
            if opened and token.string.lstrip("rRfFbB")[0] == opened[-1]:
                found.append(token.line.strip())
            opened.append(token.string.lstrip("rRfFbB")[0])
        elif token.type == tokenize.FSTRING_END:
            opened.pop()
        elif token.type == tokenize.STRING and opened:
            if token.string.lstrip("rRbBuU")[0] == opened[-1]:
                found.append(token.line.strip())
    return found


def test_lesson_code_runs_on_python_3_11(notebook):
    """The course is written for 3.12 but must also run on 3.11 (no PEP 701 quote reuse)."""
    path, nb = notebook
    for n, cell in enumerate(code_cells(nb), start=1):
        code = TransformerManager().transform_cell(source(cell))  # %magics become Python
        compile(code, f"{path.name}, code cell {n}", "exec")
        assert not reused_fstring_quotes(code), (
            f"{path.name}, code cell {n}: f-string reuses its own quotes inside braces "
            f"(a SyntaxError before Python 3.12): {reused_fstring_quotes(code)}"
        )


def test_words_a_learner_knows(notebook):
    """No in-house words: the script blog tutorials share is "the starter script"."""
    path, nb = notebook
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            found = re.search(r"\bseeds?\b|seed's", source(cell), re.IGNORECASE)
            assert not found, f"{path.name}: says {found.group(0)!r}; call it 'the starter script'"


def test_links_the_glossary(notebook):
    """Jargon is defined at first use and in docs/glossary.md, which every lesson links."""
    path, nb = notebook
    first = source(nb["cells"][0])
    assert "../docs/glossary.md" in first, f"{path.name}: the overview must link ../docs/glossary.md"
    glossary = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    anchors = {
        re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in glossary.splitlines() if line.startswith("#")
    }
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for anchor in re.findall(r"glossary\.md#([\w\-]+)", source(cell)):
                assert anchor in anchors, f"{path.name}: glossary has no entry #{anchor}"


def test_says_how_to_free_the_kernel(notebook):
    """Six open kernels outgrow Binder's 1 GB: each lesson ends by saying how to shut its own down."""
    path, nb = notebook
    ending = " ".join(source(c) for c in nb["cells"][-3:] if c["cell_type"] == "markdown")
    assert "Shut Down Kernel" in ending, (
        f"{path.name}: the last cells must say how to shut down the lesson's kernel "
        "(Kernel → Shut Down Kernel)"
    )
