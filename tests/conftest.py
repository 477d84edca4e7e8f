"""Shared test setup: the lessons' helper package is importable as `dicomview`."""

import sys
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))
