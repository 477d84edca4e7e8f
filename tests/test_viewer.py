"""Tests of dicomview's WindowingViewer and VolumeViewer, driven as the browser would drive them."""

from __future__ import annotations

import asyncio
import base64
import io
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.dataset import Dataset

import dicomview.viewer
from dicomview import (
    PRESETS, VolumeViewer, Window, WindowingViewer, apply_window, downsample, to_display, value_range,
)
from dicomview.display import format_number, nice_step
from test_browser_viewer import assert_picture_with_edge_labels
from dicomview.viewer import EDGE_LABELS_WIDTH, OWN_WINDOW, SHOWN_HEIGHT, SHOWN_WIDTH
from dicomview.display import PLANES

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
        for center in (20, 0, -20):  # what the browser sends while the slider is dragged
            viewer.center.value = center
            formats.append(viewer.image.format)
        await asyncio.sleep(0.1)
        formats.append(viewer.image.format)
        np.testing.assert_array_equal(shown(viewer), to_display(head_ct, -20, 100))
        return formats

    assert asyncio.run(drag_then_rest()) == ["jpeg", "jpeg", "jpeg", "png"]


def test_slider_ranges_come_from_the_data_without_padding(head_ct):
    viewer = WindowingViewer(head_ct)
    low, high = value_range(head_ct)
    assert (low, high) == (-2052, 1812)  # not -3995: the smeared padding is left out
    assert low - viewer.center.step < viewer.center.min <= low and viewer.center.max == high
    assert 1 <= viewer.width.min and viewer.width.max >= high - low


def test_a_key_press_moves_the_window_visibly(head_ct):
    """A key press moves a slider one step: about 1/200 of the values' range, rounded."""
    viewer = WindowingViewer(head_ct)
    assert viewer.center.step == viewer.width.step == 20  # 3864 HU / 200 = 19.3
    viewer.refresh()
    for slider in (viewer.center, viewer.width):
        before = shown(viewer).astype(int)
        slider.value += slider.step  # what an arrow key sends
        viewer.refresh()
        # A change a learner sees: over 2 grey levels on average, much more inside the window.
        assert np.abs(shown(viewer).astype(int) - before).mean() > 2


@pytest.mark.parametrize(("span", "step"), [(3864, 20), (25709, 100), (2264, 10), (425, 2), (0.3, 0.002)])
def test_nice_step(span, step):
    assert nice_step(span) == pytest.approx(step)


def test_set_window_outside_the_slider_range_widens_it(head_ct):
    viewer = WindowingViewer(head_ct)
    viewer.set_window(5000, 20000)
    assert (viewer.center.value, viewer.width.value) == (5000, 20000)


def test_ct_dropdown_offers_the_files_windows_then_full_range_then_presets(head_ct):
    viewer = WindowingViewer(head_ct)
    labels = [label for label, _ in viewer.choice.options]
    assert labels[0] == "file: window 1 (C 40, W 100)"
    assert labels[1] == "full range, padding left out (C \u2212120, W 3864)"
    assert labels[-1] == "(window of your own)"
    assert labels[2:-1] == [f"preset: {name} (C {w.center:g}, W {w.width:g})".replace("-", "\u2212")
                          for name, w in PRESETS.items()]


def test_choosing_a_preset_sets_its_window_and_reset_goes_back(head_ct):
    viewer = WindowingViewer(head_ct)
    viewer.choice.value = PRESETS["bone"]
    assert (viewer.center.value, viewer.width.value) == (400, 1800)
    viewer.center.value = 400 + viewer.center.step  # one key press off the preset
    assert viewer.choice.value == OWN_WINDOW
    viewer.reset_button.click()
    assert (viewer.center.value, viewer.width.value) == (40, 100)
    assert viewer.choice.value.center == 40


def browser_echo(viewer: WindowingViewer) -> None:
    """What the browser sends back after the kernel sets a slider: the value snapped to
    the slider's grid through floating point (e.g. 74.99999999999955 for 75)."""
    for slider in (viewer.center, viewer.width):
        grid = slider.min + round((slider.value - slider.min) / slider.step) * slider.step
        slider.value = grid * (1 - 6e-15) if grid else 1e-13


def test_the_dropdown_shows_the_window_on_screen(head_ct):
    viewer = WindowingViewer(head_ct)
    browser_echo(viewer)
    assert viewer.choice.label == "file: window 1 (C 40, W 100)"  # at start
    viewer.choice.value = PRESETS["subdural"]
    browser_echo(viewer)
    assert viewer.choice.label == "preset: subdural (C 75, W 215)"  # after choosing
    assert (viewer.window.center, viewer.window.width) == (75, 215)  # the echo moved nothing
    viewer.center.value += viewer.center.step
    assert viewer.choice.label == "(window of your own)"  # moved away
    viewer.reset()
    browser_echo(viewer)
    assert viewer.choice.label == "file: window 1 (C 40, W 100)"  # after reset


def test_offered_windows_never_move_the_sliders_steps(head_ct):
    """The browser snaps a slider to min + k * step. Choosing a window leaves the steps
    where they are (moving the minimum made the browser send values back a step off), puts
    each handle on the nearest step, and shows the exact window."""
    viewer = WindowingViewer(head_ct)
    steps = [(slider.min, slider.step) for slider in (viewer.center, viewer.width)]
    for _, window in viewer.choice.options[:-1]:  # the last is "(window of your own)"
        viewer.choice.value = window
        assert [(slider.min, slider.step) for slider in (viewer.center, viewer.width)] == steps
        for slider, value in ((viewer.center, window.center), (viewer.width, window.width)):
            assert slider.min % slider.step == pytest.approx(0, abs=1e-9)
            assert abs(slider.value - value) <= slider.step / 2
        assert (viewer.window.center, viewer.window.width) == (window.center, window.width)
        # and the readouts show the window in use, not the handle's step (75, not 80)
        assert (viewer.center_readout.value, viewer.width_readout.value) == (
            format_number(window.center), format_number(window.width))
        assert viewer.choice.value == window


def test_a_step_from_a_handle_between_steps_is_a_move(head_ct):
    viewer = WindowingViewer(head_ct)
    viewer.choice.value = PRESETS["subdural"]  # W 215: its handle stands at 220
    assert viewer.width.value == 220
    viewer.width.value = 220 - viewer.width.step  # one arrow key press to the left
    assert viewer.window.width == 200 and viewer.choice.value == OWN_WINDOW


def test_the_viewer_fits_a_projector():
    """Image at most SHOWN_HEIGHT x SHOWN_WIDTH CSS pixels, controls beside it."""
    viewer = WindowingViewer(read("chest_cr.dcm"))
    layout = viewer.image.layout
    # 1955 x 1841 pixels of 0.1 mm (square) in 440 x 520: 440 high, 414 wide
    assert (layout.height, layout.width) == ("440px", "414px")
    assert SHOWN_HEIGHT + 60 <= 560 and SHOWN_WIDTH + 320 <= 880  # room for JupyterLab's own bars


def test_non_ct_files_get_no_presets():
    viewer = WindowingViewer(read("dental_dx_phantom.dcm"))
    labels = [label for label, _ in viewer.choice.options]
    assert labels == ["file: PANORAMIC (C 2000, W 3600)", "full range (C 1988, W 3712)",
                      "(window of your own)"]
    assert "HU" not in viewer.status.value


def test_large_images_are_shrunk_to_display_size():
    viewer = WindowingViewer(read("chest_cr.dcm"))
    assert shown(viewer).shape == (488, 460)  # 1955 x 1841, a quarter: max_size 512
    viewer = WindowingViewer(read("chest_cr.dcm"), max_size=768)
    assert shown(viewer).shape == (651, 613)  # a third


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
    window = (viewer.window.center, viewer.window.width)
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


# --- VolumeViewer: a slice slider beside the window sliders ------------------------------


@pytest.fixture(scope="module")
def volume() -> SimpleNamespace:
    """A Volume-like object: 40 slices of 300 x 300 in HU, each slice's disc a different size
    (so that every slice differs from its neighbours), with noise of a few HU."""
    slices, size = 40, 300
    rows, columns = np.mgrid[:size, :size]
    radius = np.hypot(rows - size / 2, columns - size / 2)
    values = np.full((slices, size, size), -1000, dtype=np.float32)
    noise = np.random.default_rng(0).normal(0, 3, (slices, size, size)).astype(np.float32)
    for index in range(slices):
        values[index][radius < 60 + 2 * index] = 30
        values[index][radius < 40 + index] = 60
    values += noise
    # Axial slices stored feet to head, rows running to the patient's left (LPS).
    affine = np.diag([2.5, 0.5, 0.5, 1.0])[[2, 1, 0, 3]]
    return SimpleNamespace(values=values, spacing=(2.5, 0.5, 0.5), description="test volume",
                           series_uid="1.2.3", affine=affine, windows=(), modality="CT")


def test_volume_viewer_starts_on_the_middle_slice_with_the_series_window(volume):
    viewer = VolumeViewer(volume, windows=[Window(center=40, width=80, name="BRAIN")])
    # The slider counts from 1, as the status line does: slice 21 is index 20.
    assert (viewer.slice.min, viewer.slice.max, viewer.slice.value) == (1, 40, 21)
    assert (viewer.center.value, viewer.width.value) == (40, 80)
    assert viewer.image.format == "png"
    expected = to_display_values(volume.values[20], 40, 80)
    np.testing.assert_array_equal(shown(viewer), expected)
    assert viewer.status.value.startswith("axial slice 21 of 40 \u00b7 C 40 W 80")
    assert repr(viewer) == "VolumeViewer(test volume, axial slice 21 of 40, 300 x 300 shown, C 40 W 80)"
    labels = [label for label, _ in viewer.choice.options]
    assert labels[0] == "file: BRAIN (C 40, W 80)" and "preset: subdural (C 75, W 215)" in labels


def to_display_values(values: np.ndarray, center: float, width: float) -> np.ndarray:
    """What the viewer shows for display-size `values` and a LINEAR window."""
    return apply_window(np.ascontiguousarray(values, dtype=np.float32), center, width)


def test_the_slice_slider_moves_the_picture_and_keeps_the_window(volume):
    viewer = VolumeViewer(volume)
    viewer.choice.value = PRESETS["subdural"]
    viewer.refresh()
    before = shown(viewer).astype(int)
    viewer.slice.value += 1  # what an arrow key sends: one slice
    assert viewer.image.format == "jpeg"  # the fast preview; the exact PNG follows at rest
    viewer.refresh()
    after = shown(viewer).astype(int)
    # A change a learner sees: over 2 grey levels on average.
    assert np.abs(after - before).mean() > 2
    np.testing.assert_array_equal(after, to_display_values(volume.values[21], 75, 215))
    assert viewer.choice.label == "preset: subdural (C 75, W 215)"  # the preset is kept
    assert (viewer.window.center, viewer.window.width) == (75, 215)
    viewer.show_slice(0)
    assert viewer.status.value.startswith("axial slice 1 of 40")


def test_the_slice_slider_follows_the_keyboard_one_slice_per_press(volume):
    viewer = VolumeViewer(volume)
    assert viewer.slice.step == 1 and viewer.slice.continuous_update


def test_volumes_are_shrunk_to_display_size_once(volume):
    viewer = VolumeViewer(volume, max_size=128)
    assert viewer._prepared.slices.shape == (40, 100, 100)  # 300 / 3
    assert shown(viewer).shape == (100, 100)
    viewer.slice.value = 5
    assert shown(viewer).shape == (100, 100)


def test_a_float32_volume_that_fits_is_not_copied(volume):
    viewer = VolumeViewer(volume)
    assert np.shares_memory(viewer._prepared.slices, volume.values)


@pytest.mark.parametrize("plane", ["coronal", "sagittal"])
def test_coronal_and_sagittal_planes_have_the_aspect_of_the_spacing(volume, plane):
    viewer = VolumeViewer(volume)
    viewer.plane.value = plane
    rows, columns = shown(viewer).shape
    # 39 steps of 2.5 mm shown at 0.5 mm per pixel: 196 rows; 300 columns of 0.5 mm
    assert (rows, columns) == (196, 300)
    assert (viewer.slice.max, viewer.slice.value) == (300, 151)
    # The top row is the last slice, the bottom row the first.
    cut = volume.values[:, 150, :] if plane == "coronal" else volume.values[:, :, 150]
    np.testing.assert_allclose(viewer._values[0], cut[-1], atol=1e-3)
    np.testing.assert_allclose(viewer._values[-1], cut[0], atol=1e-3)
    before = shown(viewer).astype(int)
    viewer.slice.value += 1
    viewer.refresh()
    assert shown(viewer).shape == (rows, columns)
    assert not np.array_equal(shown(viewer), before)
    viewer.plane.value = "axial"
    assert shown(viewer).shape == (300, 300) and viewer.slice.max == 40


def test_the_volume_viewer_fits_a_projector_in_every_plane(volume):
    viewer = VolumeViewer(volume)
    assert set(PLANES) == set(viewer.plane.options)
    for plane in PLANES:
        viewer.plane.value = plane
        height, width = (int(size[:-2]) for size in (viewer.image.layout.height, viewer.image.layout.width))
        room = SHOWN_WIDTH - EDGE_LABELS_WIDTH  # the edge labels stand beside the picture
        assert height <= SHOWN_HEIGHT and width <= room
        assert max(height - SHOWN_HEIGHT, width - room) >= -1  # as large as the room allows


def test_switching_plane_and_back_keeps_the_slice(volume):
    viewer = VolumeViewer(volume)
    viewer.show_slice(23)
    viewer.plane.value = "coronal"
    viewer.show_slice(100)
    viewer.plane.value = "axial"
    assert viewer.slice.value == 24 and viewer.status.value.startswith("axial slice 24 of 40")
    viewer.plane.value = "coronal"
    assert viewer.status.value.startswith("coronal row 101 of 300")


def test_each_plane_labels_its_edges(volume):
    viewer = VolumeViewer(volume)
    edges = {edge: label.value for edge, label in viewer.edge_labels.items()}
    assert edges == {"top": "A", "bottom": "P", "left": "R", "right": "L"}
    viewer.plane.value = "sagittal"  # rows of the volume run posterior: the picture's right
    edges = {edge: label.value for edge, label in viewer.edge_labels.items()}
    assert edges == {"top": "H", "bottom": "F", "left": "A", "right": "P"}


def test_bad_volumes_and_planes_are_refused(volume):
    with pytest.raises(ValueError, match="three axes"):
        VolumeViewer(SimpleNamespace(values=np.zeros((4, 4)), spacing=(1, 1, 1)))
    with pytest.raises(ValueError, match="plane must be one of"):
        VolumeViewer(volume, plane="oblique")


def test_pages_without_widgets_get_a_picture_of_the_viewer(head_ct):
    """GitHub, an HTML export, or a lesson opened before it runs: the PNG beside the widget."""
    viewer = WindowingViewer(head_ct)
    data, metadata = viewer._repr_mimebundle_()
    png = np.asarray(Image.open(io.BytesIO(base64.b64decode(data["image/png"]))))
    assert_picture_with_edge_labels(png, to_display(head_ct), right="L")
    assert metadata["image/png"] == {"width": 440} and data["text/plain"].startswith("WindowingViewer(")
