"""Lesson 00's environment check: a clear verdict, and the fix for each problem."""

from __future__ import annotations

import shutil
from pathlib import Path

from packaging.utils import canonicalize_name

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


def test_pins_follow_environment_markers(tmp_path):
    """The lock has lines for other Pythons and platforms: only those that apply count."""
    lock = tmp_path / "requirements.txt"
    lock.write_text(
        "numpy==2.4.6\n    # via matplotlib\n"
        "pywinpty==3.1.2 ; os_name == 'nt'\n"
        "contourpy==1.3.3 ; python_full_version < '3.0'\n"
        "contourpy==1.4.0 ; python_full_version >= '3.0'\n"
        "-r other.in\n"
    )
    pins = setup_check.read_pins(lock)
    expected = {"numpy": "2.4.6", "contourpy": "1.4.0"}
    if setup_check.sys.platform == "win32":
        expected["pywinpty"] = "3.1.2"
    assert pins == expected


def test_the_verdict_checks_the_whole_lock_the_table_shows_the_course_packages():
    def canonical(pins):
        return {canonicalize_name(name): version for name, version in pins.items()}

    whole = canonical(setup_check.read_pins(ROOT / "binder" / "requirements.txt"))
    direct = canonical(setup_check.direct_pins(ROOT))
    assert {"pydicom", "matplotlib", "ipywidgets", "python-gdcm", "pyjpegls"} <= set(direct)
    assert len(direct) < 25 < len(whole)
    assert {name: whole[name] for name in direct} == direct


def test_decoder_table_has_a_decoder_for_every_common_syntax():
    table = setup_check.decoder_table()
    assert len(table.splitlines()) == len(setup_check.COMMON_COMPRESSED)
    assert "none" not in table
    assert "JPEG-LS Lossless       1.2.840.10008.1.2.4.80   gdcm, pyjpegls" in table
    assert ("JPEG Extended          1.2.840.10008.1.2.4.51   dicomview-gdcm, gdcm, pillow "
            "(12-bit: dicomview-gdcm)") in table
