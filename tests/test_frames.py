"""Tests of functional groups: for frame k, the per-frame group wins over the shared one,
and both over the top-level attributes (PS3.3 C.7.6.16), in every function that reads a
rescale or a window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset

from dicomview import (WindowingViewer, file_windows, frame_attributes, load_series,
                       modality_values, to_display, value_range)

DATA = Path(__file__).resolve().parents[1] / "data"
ENHANCED_CT = DATA / "ct_enhanced_perfusion.dcm"


def item(**elements) -> Dataset:
    ds = Dataset()
    for keyword, value in elements.items():
        setattr(ds, keyword, value)
    return ds


def three_frames() -> Dataset:
    """Three 2 x 2 frames of stored value 100, whose rescale and window come from three
    levels: frame 0 from its own per-frame group, frame 1 from the shared group (it has
    no per-frame Pixel Value Transformation), frame 2 from the shared group too, except
    its window, which is its own; the top level has a rescale and window no frame uses."""
    ds = Dataset()
    ds.set_pixel_data(np.full((3, 2, 2), 100, dtype=np.uint16), "MONOCHROME2", 16)
    ds.RescaleSlope, ds.RescaleIntercept = 1, 0
    ds.WindowCenter, ds.WindowWidth = 1, 1
    shared = item(
        PixelValueTransformationSequence=[item(RescaleSlope=2, RescaleIntercept=-100)],
        FrameVOILUTSequence=[item(WindowCenter=100, WindowWidth=201)])
    ds.SharedFunctionalGroupsSequence = [shared]
    ds.PerFrameFunctionalGroupsSequence = [
        item(PixelValueTransformationSequence=[item(RescaleSlope=1, RescaleIntercept=-1000)]),
        item(),
        item(FrameVOILUTSequence=[item(WindowCenter=-100, WindowWidth=201,
                                       WindowCenterWidthExplanation="own")])]
    return ds


def test_per_frame_group_over_shared_over_top_level():
    ds = three_frames()
    assert frame_attributes(ds, 0).RescaleIntercept == -1000  # per-frame
    assert frame_attributes(ds, 1).RescaleIntercept == -100  # shared
    assert frame_attributes(ds, 2).WindowCenter == -100  # per-frame window, shared rescale
    assert frame_attributes(ds, 2).RescaleSlope == 2


def test_modality_values_use_each_frames_rescale():
    values = modality_values(three_frames())
    np.testing.assert_array_equal(values[:, 0, 0], [100 - 1000, 2 * 100 - 100, 2 * 100 - 100])
    assert modality_values(three_frames(), frame=0)[0, 0] == -900
    assert value_range(three_frames()) == (-900.0, 100.0)


def test_file_windows_of_a_frame():
    ds = three_frames()
    assert [(w.center, w.width) for w in file_windows(ds, frame=1)] == [(100, 201)]
    assert [(w.center, w.name) for w in file_windows(ds, frame=2)] == [(-100, "own")]
    # frame=None, the whole file: the windows every frame shares; none here, as frame 2
    # has its own...
    assert file_windows(ds) == []
    # ... and the shared group's once no frame has its own
    del ds.PerFrameFunctionalGroupsSequence[2].FrameVOILUTSequence
    assert [(w.center, w.width) for w in file_windows(ds)] == [(100, 201)]


def test_to_display_windows_each_frame_with_its_own_window():
    # frame 0: value -900 under window 100/201 (shared): black; frame 1: value 100 at
    # the window's centre: mid-grey; frame 2: value 100 above its own window -100/201: white
    grey = to_display(three_frames())
    assert grey[:, 0, 0].tolist() == [0, 128, 255]
    assert to_display(three_frames(), frame=2)[0, 0] == 255
    # A window given by the caller applies to every frame, after each frame's rescale.
    assert to_display(three_frames(), 100, 201)[:, 0, 0].tolist() == [0, 128, 128]


def test_frame_out_of_range_says_which_frames_there_are():
    for call in (lambda ds: modality_values(ds, frame=3), lambda ds: file_windows(ds, frame=3),
                 lambda ds: to_display(ds, frame=-1), lambda ds: frame_attributes(ds, 5)):
        with pytest.raises(IndexError, match="has 3 frames, numbered 0 to 2"):
            call(three_frames())


def test_a_file_without_functional_groups_is_its_own_frame_attributes():
    ds = pydicom.dcmread(DATA / "head_mr_multiframe.dcm")
    assert frame_attributes(ds, 3) is ds


# --- the bundled Enhanced CT (NEMA's eCT_Supplemental.dcm) ------------------------------

def test_enhanced_ct_rescale_and_window_come_from_its_functional_groups():
    ds = pydicom.dcmread(ENHANCED_CT)
    assert "RescaleIntercept" not in ds and "WindowCenter" not in ds  # only in the groups
    assert [(w.center, w.width) for w in file_windows(ds)] == [(49, 102)]
    hu = modality_values(ds, frame=0)
    np.testing.assert_array_equal(hu, ds.pixel_array[0].astype(np.float32) - 1024)
    viewer = WindowingViewer(ds)
    assert (viewer.window.center, viewer.window.width) == (49, 102)


def test_enhanced_ct_frames_load_in_position_order():
    ds = pydicom.dcmread(ENHANCED_CT)
    positions = np.array([frame_attributes(ds, k).ImagePositionPatient for k in range(2)], dtype=float)
    orientation = np.array(frame_attributes(ds, 0).ImageOrientationPatient, dtype=float)
    normal = np.cross(orientation[:3], orientation[3:])  # (0, 0, -1): rows run right to left
    along = positions @ normal
    assert along[0] > along[1]  # stored out of position order along the normal
    volume = load_series(ENHANCED_CT)
    np.testing.assert_array_equal(volume.positions, positions[::-1])
    np.testing.assert_array_equal(volume.values[0], modality_values(ds, frame=1))
    assert [(w.center, w.width) for w in volume.windows] == [(49, 102)]


def test_colour_image_in_a_greyscale_function_points_to_to_rgb():
    ds = pydicom.dcmread(DATA / "us_rgb.dcm")
    for call in (modality_values, to_display, WindowingViewer):
        with pytest.raises(ValueError, match=r"dicomview\.to_rgb"):
            call(ds)
