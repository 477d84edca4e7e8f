"""Tests of dicomview.viewer.WindowingViewer, driven as the browser would drive it."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.dataset import Dataset

import dicomview.viewer
from dicomview import PRESETS, WindowingViewer, downsample, to_display

DATA = Path(__file__).resolve().parents[1] / "data"


def read(name: str) -> Dataset:
    return pydicom.dcmread(DATA / name)


def shown(viewer: WindowingViewer) -> np.ndarray:
    """The picture the browser gets, decoded."""
    return np.asarray(Image.open(io.BytesIO(viewer.image.value)))


@pytest.fixture(scope="module")
def head_ct() -> Dataset:
    return read("head_ct.dcm")


def test_starts_with_the_files_window_as_exact_png(head_ct):
    viewer = WindowingViewer(head_ct)
    assert (viewer.center.value, viewer.width.value) == (40, 100)
    assert viewer.image.format == "png"
    np.testing.assert_array_equal(shown(viewer), to_display(head_ct))  # 512 x 512 fits as it is
    assert viewer.status.value == "C 40 W 100 \u2192 \u221210\u202690 HU shown black\u2026white"


def test_set_window_moves_the_sliders_and_changes_the_image(head_ct):
    viewer = WindowingViewer(head_ct)
    before = viewer.image.value
    viewer.set_window(400, 1800)
    assert (viewer.center.value, viewer.width.value) == (400, 1800)
    assert viewer.image.value != before
    assert viewer.image.format == "jpeg"  # the fast preview; the exact image follows at rest
    assert viewer.status.value.startswith("C 400 W 1800 \u2192 \u2212500\u20261300 HU")
    viewer.refresh()
    assert viewer.image.format == "png"
    np.testing.assert_array_equal(shown(viewer), to_display(head_ct, 400, 1800))


def test_the_jpeg_preview_is_close_to_the_exact_image(head_ct):
    viewer = WindowingViewer(head_ct)
    viewer.set_window(50, 400)
    difference = shown(viewer).astype(int) - to_display(head_ct, 50, 400)
    assert np.abs(difference).mean() < 2


def test_the_exact_image_follows_once_the_sliders_rest(head_ct, monkeypatch):
    monkeypatch.setattr(dicomview.viewer, "REST_SECONDS", 0.01)

    async def drag_then_rest() -> list[str]:
        viewer = WindowingViewer(head_ct)
        formats = []
        for center in (10, 20, 30):  # what the browser sends while the slider is dragged
            viewer.center.value = center
            formats.append(viewer.image.format)
        await asyncio.sleep(0.1)
        formats.append(viewer.image.format)
        np.testing.assert_array_equal(shown(viewer), to_display(head_ct, 30, 100))
        return formats

    assert asyncio.run(drag_then_rest()) == ["jpeg", "jpeg", "jpeg", "png"]


def test_slider_ranges_come_from_the_data(head_ct):
    viewer = WindowingViewer(head_ct)
    assert viewer.center.min == -2971 - 1024 and viewer.center.max == 2836 - 1024
    assert viewer.width.min == 1 and viewer.width.max >= 2836 - -2971


def test_set_window_outside_the_slider_range_widens_it(head_ct):
    viewer = WindowingViewer(head_ct)
    viewer.set_window(5000, 20000)
    assert (viewer.center.value, viewer.width.value) == (5000, 20000)


def test_ct_dropdown_offers_the_files_windows_then_full_range_then_presets(head_ct):
    viewer = WindowingViewer(head_ct)
    labels = [label for label, _ in viewer.choice.options]
    assert labels[0] == "file: window 1 (C 40, W 100)"
    assert labels[1].startswith("full range of the values")
    assert labels[2:] == [f"preset: {name} (C {w.center:g}, W {w.width:g})".replace("-", "\u2212")
                          for name, w in PRESETS.items()]


def test_choosing_a_preset_sets_its_window_and_reset_goes_back(head_ct):
    viewer = WindowingViewer(head_ct)
    viewer.choice.value = PRESETS["bone"]
    assert (viewer.center.value, viewer.width.value) == (400, 1800)
    viewer.center.value = 410  # off the preset: the dropdown no longer claims it
    assert viewer.choice.value is None
    viewer.reset.click()
    assert (viewer.center.value, viewer.width.value) == (40, 100)
    assert viewer.choice.value.center == 40


def test_non_ct_files_get_no_presets():
    viewer = WindowingViewer(read("dental_dx_phantom.dcm"))
    labels = [label for label, _ in viewer.choice.options]
    assert labels == ["file: PANORAMIC (C 2000, W 3600)", "full range of the values (C 1988, W 3712)"]
    assert "HU" not in viewer.status.value


def test_large_images_are_shrunk_to_display_size():
    viewer = WindowingViewer(read("chest_cr.dcm"))
    assert shown(viewer).shape == (977, 920)  # 1955 x 1841, halved
    viewer = WindowingViewer(read("chest_cr.dcm"), max_size=512)
    assert max(shown(viewer).shape) <= 512


def test_monochrome1_is_shown_inverted():
    ds = read("chest_cr.dcm")
    viewer = WindowingViewer(ds, max_size=256)
    assert "white\u2026black (MONOCHROME1)" in viewer.status.value
    # The file's window (15000/30000) spans all the values, so windowing is linear here
    # and shrinking before windowing gives what shrinking to_display's image gives.
    expected = downsample(to_display(ds).astype(np.float32), 256)
    assert np.abs(shown(viewer) - expected).max() <= 1


def test_a_frame_of_a_multiframe_file():
    ds = read("head_mr_multiframe.dcm")
    viewer = WindowingViewer(ds, frame=4)
    viewer.refresh()
    window = (viewer.center.value, viewer.width.value)
    np.testing.assert_array_equal(shown(viewer), to_display(ds, *window, frame=4))


def test_width_must_be_positive(head_ct):
    viewer = WindowingViewer(head_ct)
    with pytest.raises(ValueError, match="width must be greater than 0"):
        viewer.set_window(40, 0)


def test_a_colour_image_is_refused():
    ds = Dataset()
    ds.set_pixel_data(np.zeros((4, 4, 3), dtype=np.uint8), "RGB", 8)
    with pytest.raises(ValueError, match="colour image"):
        WindowingViewer(ds)
