"""Tests of dicomview.BrowserViewer's kernel side: what it sends to the browser, the window
it keeps, slices sent on demand, and the PNG shown where no widget front end runs.
(tests/test_browser.py checks the browser side in Chromium: the canvas against these
values, keys, dragging, presets and reset.)"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import nbformat
import numpy as np
import pydicom
import pytest
from nbconvert import HTMLExporter
from PIL import Image

import dicomview.browser_viewer
from dicomview import BrowserViewer, apply_window, display_values, load_series, to_display

DATA = Path(__file__).resolve().parents[1] / "data"
NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def sent_values(viewer: BrowserViewer) -> np.ndarray:
    """The float32 values the browser receives, as the JavaScript side reads them."""
    return np.frombuffer(bytes(viewer.values), dtype="<f4")


def test_sends_the_display_size_values_once_as_float32():
    ds = pydicom.dcmread(DATA / "chest_cr.dcm")
    viewer = BrowserViewer(ds, max_size=512)
    expected = display_values(ds, 512)
    assert viewer.shape == [1, *expected.shape]
    np.testing.assert_array_equal(sent_values(viewer), expected.ravel())
    assert viewer.bytes_at_start == expected.nbytes
    assert viewer.invert  # MONOCHROME1: inverted after the window, in the browser


def test_starts_at_the_files_window_and_offers_the_presets():
    viewer = BrowserViewer(pydicom.dcmread(DATA / "head_ct.dcm"))
    assert (viewer.center, viewer.width) == (40, 100)
    labels = [w["label"] for w in viewer.windows]
    assert labels[0] == "file: window 1 (C 40, W 100)"
    assert "preset: subdural (C 75, W 215)" in labels
    assert viewer.unit == "HU" and viewer.function == "LINEAR"


def test_picture_is_to_display_of_the_display_size_values():
    ds = pydicom.dcmread(DATA / "head_ct.dcm")
    viewer = BrowserViewer(ds, max_size=512)  # 512 x 512: nothing shrunk
    grey = viewer.picture()
    assert np.abs(grey.astype(int) - to_display(ds)).max() <= 1
    viewer.set_window(75, 215)
    assert np.abs(viewer.picture().astype(int) - to_display(ds, 75, 215)).max() <= 1


def test_set_window_reset_and_a_window_from_the_browser():
    viewer = BrowserViewer(pydicom.dcmread(DATA / "head_ct.dcm"))
    viewer.set_window(400, 1800)
    assert (viewer.window.center, viewer.window.width) == (400, 1800)
    viewer.center, viewer.width = -600, 1500  # as the browser's sync sets them
    assert viewer.window.center == -600
    viewer.reset()
    assert (viewer.center, viewer.width) == (40, 100)
    with pytest.raises(ValueError, match="width must be greater than 0"):
        viewer.set_window(40, 0)


def test_a_volume_goes_to_the_browser_whole_when_it_fits():
    volume = load_series(DATA / "head_ct_series")
    viewer = BrowserViewer(volume)
    assert viewer.resident and viewer.shape == [40, 256, 256]
    np.testing.assert_array_equal(sent_values(viewer), volume.values.ravel())
    assert viewer.slice_index == 20 and (viewer.center, viewer.width) == (40, 80)  # the file's brain window
    viewer.show_slice(24)
    np.testing.assert_array_equal(
        viewer.picture(), apply_window(volume.values[24], 40, 80))
    with pytest.raises(IndexError, match="numbered 0 to 39"):
        viewer.show_slice(40)


def test_a_volume_over_the_budget_goes_slice_by_slice(monkeypatch):
    monkeypatch.setattr(dicomview.browser_viewer, "RESIDENT_BYTES", 1 << 20)  # 1 MB
    volume = load_series(DATA / "head_ct_series")  # 10.5 MB of float32
    viewer = BrowserViewer(volume)
    assert not viewer.resident and viewer.bytes_at_start == 256 * 256 * 4
    np.testing.assert_array_equal(sent_values(viewer), volume.values[20].ravel())
    viewer.slice_index = 7  # as the browser's slider sets it
    np.testing.assert_array_equal(sent_values(viewer), volume.values[7].ravel())


def test_shows_a_png_where_widgets_do_not_run():
    viewer = BrowserViewer(pydicom.dcmread(DATA / "head_ct.dcm"))
    viewer.set_window(75, 215)
    data, metadata = viewer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data
    assert data["text/plain"] == "BrowserViewer(head_ct.dcm, 512 x 512 shown, C 75 W 215)"
    png = np.asarray(Image.open(io.BytesIO(base64.b64decode(data["image/png"]))))
    assert metadata["image/png"]["width"] == 440  # shown as large as the live viewer
    assert_picture_with_edge_labels(png, viewer.picture(), right="L")


def assert_picture_with_edge_labels(png: np.ndarray, grey: np.ndarray, right: str) -> None:
    """The PNG is the grey picture, with yellow letters in the middle of its edges (the
    patient directions, as the live viewer shows them) and nothing else changed."""
    rows, columns = grey.shape
    band_r, band_c = rows // 8, columns // 8  # the letters stay inside these bands
    inner = (slice(band_r, rows - band_r), slice(band_c, columns - band_c))
    np.testing.assert_array_equal(png[..., 0][inner], grey[inner])
    yellow = (png[..., 0] > 200) & (png[..., 1] > 170) & (png[..., 2] < 120)
    assert yellow[rows // 2 - band_r : rows // 2 + band_r, columns - band_c :].any(), (
        f"no letter ({right}) at the right edge")


def test_pixel_aspect_follows_the_pixel_spacing():
    ds = pydicom.dcmread(DATA / "head_ct.dcm")
    ds.PixelSpacing = [0.5, 0.25]  # rows twice as far apart as columns
    assert BrowserViewer(ds).aspect == 2.0


def test_colour_file_points_to_to_rgb():
    with pytest.raises(ValueError, match=r"dicomview\.to_rgb"):
        BrowserViewer(pydicom.dcmread(DATA / "us_rgb.dcm"))


def test_static_export_of_lesson_05_shows_the_viewers_pictures():
    """`jupyter nbconvert --to html` (no widget state saved): each viewer output shows its
    stored PNG, so the lesson read on the web still shows its pictures."""
    lesson = nbformat.read(NOTEBOOKS / "05_windowing.ipynb", as_version=4)
    html, _ = HTMLExporter().from_notebook_node(lesson)
    pictures = [output.data["image/png"] for cell in lesson.cells if cell.cell_type == "code"
                for output in cell.outputs
                if output.get("data", {}).get("text/plain", "").startswith(
                    ("BrowserViewer(", "WindowingViewer("))]
    # the kernel and browser viewers of the head CT slice, and the chest CR's
    assert len(pictures) >= 3
    page = html.replace("\n", "")
    for picture in pictures:
        encoded = picture.replace("\n", "")
        assert f'src="data:image/png;base64,{encoded}' in page
