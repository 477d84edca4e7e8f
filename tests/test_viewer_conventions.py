"""The conventions every dicomview viewer and function keeps (the package docstring), over
all of them at once, so that they stay alike."""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pydicom
import pytest

import dicomview
from dicomview import BrowserViewer, CinePlayer, VolumeViewer, WindowingViewer, load_series

DATA = Path(__file__).resolve().parents[1] / "data"
VIEWERS = [WindowingViewer, VolumeViewer, BrowserViewer]


@pytest.fixture(scope="module")
def volume():
    return load_series(DATA / "head_ct_series")


def edges_of(viewer) -> dict[str, str]:
    """The four edge labels a viewer shows."""
    if isinstance(viewer, BrowserViewer):
        return viewer.edges[0]
    return {edge: label.value for edge, label in viewer.edge_labels.items()}


@pytest.mark.parametrize("viewer_class", VIEWERS)
def test_every_viewer_takes_windows_ct_and_max_size_with_the_same_defaults(viewer_class):
    parameters = inspect.signature(viewer_class.__init__).parameters
    for name, default in (("windows", None), ("ct", None), ("max_size", 512)):
        assert parameters[name].kind is inspect.Parameter.KEYWORD_ONLY
        assert parameters[name].default == default


@pytest.mark.parametrize("viewer_class", VIEWERS)
def test_every_viewer_starts_with_the_sources_own_window_and_resets_to_it(viewer_class, volume):
    viewer = viewer_class(volume)
    assert (viewer.window.center, viewer.window.width) == (40, 80)  # the series' BRAIN window
    viewer.set_window(400, 1800)
    viewer.reset()
    assert (viewer.window.center, viewer.window.width) == (40, 80)


@pytest.mark.parametrize("viewer_class", VIEWERS)
def test_every_viewer_offers_ct_presets_for_a_ct_volume_unless_told(viewer_class, volume):
    def labels(viewer) -> list[str]:
        if isinstance(viewer, BrowserViewer):
            return [w["label"] for w in viewer.windows]
        return [label for label, _ in viewer.choice.options]

    assert any(label.startswith("preset: subdural") for label in labels(viewer_class(volume)))
    assert not any(label.startswith("preset:") for label in labels(viewer_class(volume, ct=False)))


@pytest.mark.parametrize("viewer_class", VIEWERS)
def test_show_slice_out_of_range_raises_index_error(viewer_class, volume):
    viewer = viewer_class(volume)
    viewer.show_slice(39)
    for index in (-1, 40):
        with pytest.raises(IndexError, match="numbered 0 to 39"):
            viewer.show_slice(index)


@pytest.mark.parametrize("viewer_class", VIEWERS)
def test_every_viewer_labels_the_edges_with_the_patient_directions(viewer_class, volume):
    # The series' rows run to the patient's left (Image Orientation (Patient) 1\0\0\0\1\0).
    assert edges_of(viewer_class(volume)) == {"top": "A", "bottom": "P", "left": "R", "right": "L"}


@pytest.mark.parametrize("viewer_class", [WindowingViewer, BrowserViewer])
def test_rows_running_to_the_patients_right_put_the_right_on_the_right(viewer_class):
    ds = pydicom.dcmread(DATA / "ct_enhanced_perfusion.dcm")  # rows along -x: to the right
    assert edges_of(viewer_class(ds, frame=0)) == {"top": "A", "bottom": "P", "left": "L", "right": "R"}


@pytest.mark.parametrize("viewer_class", [WindowingViewer, BrowserViewer])
def test_frame_none_shows_every_frame(viewer_class):
    ds = pydicom.dcmread(DATA / "head_mr_multiframe.dcm")
    viewer = viewer_class(ds)
    viewer.show_slice(9)
    with pytest.raises(IndexError, match="frame 10 is out of range"):
        viewer.show_slice(10)
    assert repr(viewer).startswith(f"{viewer_class.__name__}(head_mr_multiframe.dcm, frame 10 of 10,")


def test_the_cine_player_resets_and_refuses_a_frame_out_of_range():
    player = CinePlayer(pydicom.dcmread(DATA / "us_cine_ybr.dcm"))
    player.show_frame(5)
    player.reset()
    assert (player.frame, player.playing) == (0, False)
    with pytest.raises(IndexError, match="numbered 0 to 29"):
        player.show_frame(30)
    assert player.edges == {}  # ultrasound: the file does not say which way the patient lies


@pytest.mark.parametrize("name", ["modality_values", "to_display", "value_range", "display_values",
                                  "file_windows", "to_rgb", "patient_orientation", "prepare"])
def test_frame_is_keyword_only_with_none_for_the_whole_file(name):
    parameter = inspect.signature(getattr(dicomview, name)).parameters["frame"]
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY and parameter.default is None


def test_one_frame_of_the_whole_file_is_the_frame_alone():
    ds = pydicom.dcmread(DATA / "head_mr_multiframe.dcm")
    every = dicomview.display_values(ds, 512)
    assert every.shape == (10, 64, 64)
    np.testing.assert_array_equal(every[3], dicomview.display_values(ds, 512, frame=3))
