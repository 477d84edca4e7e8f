"""Tests of dicomview.windows: the Window type, a file's own windows, the presets."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pydicom
import pytest
from pydicom.dataset import Dataset

from dicomview import PRESETS, Window, file_windows

DATA = Path(__file__).resolve().parents[1] / "data"
WINDOWS_PY = Path(__file__).resolve().parents[1] / "notebooks" / "dicomview" / "windows.py"


def test_window_is_frozen_with_keyword_fields():
    window = Window(center=40, width=80, name="brain")
    assert (window.center, window.width, window.name) == (40, 80, "brain")
    with pytest.raises(dataclasses.FrozenInstanceError):
        window.center = 50
    with pytest.raises(TypeError):
        Window(40, 80)  # keyword fields only: Window(40, 80) would hide which is which


def test_a_single_window_from_a_file():
    ds = pydicom.dcmread(DATA / "head_ct.dcm", stop_before_pixels=True)
    assert file_windows(ds) == [Window(center=40.0, width=100.0, name="")]


def test_a_named_window_from_a_file():
    ds = pydicom.dcmread(DATA / "dental_dx_phantom.dcm", stop_before_pixels=True)
    assert file_windows(ds) == [Window(center=2000.0, width=3600.0, name="PANORAMIC")]


def test_several_windows_come_in_file_order_with_their_names():
    ds = Dataset()
    ds.WindowCenter = ["40", "400", "-600"]
    ds.WindowWidth = ["80", "1800", "1500"]
    ds.WindowCenterWidthExplanation = ["BRAIN", "BONE", "LUNG"]
    assert file_windows(ds) == [
        Window(center=40.0, width=80.0, name="BRAIN"),
        Window(center=400.0, width=1800.0, name="BONE"),
        Window(center=-600.0, width=1500.0, name="LUNG"),
    ]


def test_windows_without_explanations_have_empty_names():
    ds = Dataset()
    ds.WindowCenter = ["40", "400"]
    ds.WindowWidth = ["80", "1800"]
    ds.WindowCenterWidthExplanation = "BRAIN"
    assert [w.name for w in file_windows(ds)] == ["BRAIN", ""]


def test_a_file_without_windows_has_none():
    ds = pydicom.dcmread(DATA / "head_mr_multiframe.dcm", stop_before_pixels=True)
    assert file_windows(ds) == []


@pytest.mark.parametrize("entry", json.loads((DATA / "manifest.json").read_text())["files"],
                         ids=lambda entry: entry["file"])
def test_every_bundled_file_gives_a_list_of_windows(entry):
    ds = pydicom.dcmread(DATA / entry["file"], stop_before_pixels=True, force=True)
    windows = file_windows(ds)
    assert all(isinstance(w, Window) and w.width > 0 for w in windows)


def test_the_presets_the_issue_asks_for_are_there():
    for name in ["brain", "subdural", "stroke", "bone", "lung", "mediastinum", "abdomen", "liver"]:
        assert PRESETS[name].name == name
        assert PRESETS[name].width > 0
    assert PRESETS["lung"].center < 0 < PRESETS["bone"].center


def test_every_preset_cites_its_source_beside_it():
    lines = WINDOWS_PY.read_text().splitlines()
    for name in PRESETS:
        line = next(i for i, text in enumerate(lines) if text.strip().startswith(f'"{name}"'))
        assert lines[line - 1].strip().startswith("# "), f"no source cited above {name!r}"
