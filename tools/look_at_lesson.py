"""See a lesson as a learner sees it: JupyterLab in Chromium, screenshots page by page.

    python tools/look_at_lesson.py notebooks/05_windowing.ipynb [--size 1280x720] [--run]

Serves a temporary copy of the repository in a throwaway JupyterLab (tests/lab_server.py),
opens the lesson in Debian's Chromium at the given window size with the file browser
open, optionally runs it from the menu (*Run All*), then scrolls through it one screen at
a time and saves a screenshot of each into tests/artifacts/look/NN_SIZE_PAGE.png (not
committed). Look at them: figures readable, widgets fitting, solutions folded, code lines
whole. Needs Chromium (`apt-get install chromium`) and the course's environment.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "notebooks")]

from lab_server import running_jupyterlab  # noqa: E402
from test_browser import (  # noqa: E402
    ALL_CELLS_FINISHED_JS, CHROMIUM, CHROMIUM_ARGS, click_menu, start_run_all,
)

OUT = ROOT / "tests" / "artifacts" / "look"


def look(lesson: Path, width: int, height: int, run: bool) -> list[Path]:
    """Screenshots of `lesson`, one per screen, top to bottom."""
    OUT.mkdir(parents=True, exist_ok=True)
    shots = []
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "repo"
        shutil.copytree(ROOT, root, symlinks=True, ignore=shutil.ignore_patterns(
            ".*", "__pycache__", "artifacts", "node_modules", "wheelhouse"))
        with running_jupyterlab(root, Path(scratch) / "jupyter") as lab, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(lab.lab_url(f"notebooks/{lesson.name}"))
            page.get_by_text("(ipykernel) | Idle").wait_for(timeout=60_000)
            if run:
                click_menu(page, "Edit", "editmenu:clear-all")
                start_run_all(page)
                page.wait_for_function(ALL_CELLS_FINISHED_JS, timeout=300_000, polling=200)
                page.wait_for_timeout(1500)
            scroller = page.locator(".jp-NotebookPanel:visible .jp-WindowedPanel-outer").first
            total = scroller.evaluate("e => e.scrollHeight")
            step = scroller.evaluate("e => e.clientHeight") - 40
            for number, top in enumerate(range(0, total, step), start=1):
                scroller.evaluate(f"e => e.scrollTo(0, {top})")
                page.wait_for_timeout(300)
                path = OUT / f"{lesson.stem[:2]}_{width}x{height}_{number:02d}.png"
                page.screenshot(path=path)
                shots.append(path)
            browser.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lesson", type=Path)
    parser.add_argument("--size", default="1280x720", help="window size, e.g. 1400x900")
    parser.add_argument("--run", action="store_true", help="run the lesson (Run All) first")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    for path in look(args.lesson, width, height, args.run):
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
