"""Shared test setup: the lessons' helper package is importable as `dicomview`."""

import sys
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
sys.path.insert(0, str(NOTEBOOKS))


def pytest_terminal_summary(terminalreporter) -> None:
    """Print the figures tests recorded with `record_property` (timings, slider latency).

    They appear in every run's output, also without `-s`; no test asserts them.
    """
    figures = [
        (report.nodeid.split("::")[-1], name, value)
        for reports in terminalreporter.stats.values()
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, value in report.user_properties
    ]
    if figures:
        terminalreporter.write_sep("-", "measured figures")
        for test, name, value in figures:
            terminalreporter.write_line(f"{name}: {value}    [{test}]")
