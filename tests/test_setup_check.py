"""Lesson 00's environment check: a clear verdict, and the fix for each problem."""

from __future__ import annotations

import shutil
from pathlib import Path

from dicomview import setup_check

ROOT = Path(__file__).resolve().parents[1]


def test_this_environment_is_ready():
    problems = setup_check.check_setup(ROOT)
    assert problems == [], setup_check.verdict(problems)
    assert setup_check.verdict(problems).startswith("All is well")


def test_a_missing_package_is_named_with_its_install_command():
    problems = setup_check.check_packages({"no-such-package-here": "1.0"})
    assert problems == [setup_check.Problem("no-such-package-here is missing",
                                            '%pip install "no-such-package-here==1.0"')]


def test_a_wrong_version_is_named_with_both_versions():
    installed = setup_check.installed_version("numpy")
    [problem] = setup_check.check_packages({"numpy": "1.0"})
    assert problem.what == f"numpy is {installed}, the course pins 1.0"
    assert problem.fix == '%pip install "numpy==1.0"'


def test_old_python_is_refused():
    [problem] = setup_check.check_python((3, 10, 12))
    assert "3.10.12 is too old" in problem.what
    assert setup_check.check_python((3, 11, 0)) == []


def test_widget_front_end_mismatch_is_reported(monkeypatch):
    real = setup_check.installed_version
    monkeypatch.setattr(setup_check, "installed_version",
                        lambda name: "2.0.0" if name == "jupyterlab_widgets" else real(name))
    [problem] = setup_check.check_widget_frontend()
    assert "needs jupyterlab_widgets" in problem.what and "found 2.0.0" in problem.what
    assert "reload the browser page" in problem.fix


def test_a_changed_or_missing_sample_is_named(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    with open(data / "ct_small.dcm", "r+b") as f:
        f.seek(-1, 2)
        f.write(b"\x99")
    (data / "mr_small.dcm").unlink()
    problems = setup_check.check_samples(data)
    assert [p.what.split(" ")[0] for p in problems] == ["data/ct_small.dcm", "data/mr_small.dcm"]
    assert "has changed" in problems[0].what and "is missing" in problems[1].what
    assert problems[0].fix == "git checkout -- data/ct_small.dcm"


def test_verdict_lists_every_problem_with_its_fix():
    problems = [setup_check.Problem("a is missing", "fix a"), setup_check.Problem("b is old", "fix b")]
    assert setup_check.verdict(problems) == (
        "2 problem(s) to fix before the course works:\n"
        "  - a is missing\n    fix: fix a\n  - b is old\n    fix: fix b"
    )
