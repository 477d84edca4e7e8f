"""Files learners bring after the course: each kind gets a right picture or a message that
names the attribute or the damage (issue 18). Every file here is made in the test from a
bundled file or one of pydicom's own test files."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate, generate_frames

from dicomview import (WindowingViewer, file_windows, load_series, prepare, to_display,
                       value_range)

DATA = Path(__file__).resolve().parents[1] / "data"


def read(name: str) -> Dataset:
    return pydicom.dcmread(DATA / name)


def reread(ds: Dataset) -> Dataset:
    """`ds` written and read back, as a learner's file would arrive."""
    buffer = io.BytesIO()
    ds.save_as(buffer)
    buffer.seek(0)
    return pydicom.dcmread(buffer)


# --- windows that cannot be used ------------------------------------------------------


def with_window(centers, widths) -> Dataset:
    ds = read("mr_small.dcm")  # MR, no rescale to speak of, its own window 600/1600
    ds.WindowCenter, ds.WindowWidth = centers, widths
    return ds


def test_a_window_of_width_0_is_listed_as_unusable_and_skipped_with_a_warning():
    ds = with_window([600, 300], [0, 500])  # a real brain MR series carries width 0
    first, second = file_windows(ds)
    assert not first.usable and "greater than 0" in first.problem
    assert second.usable and (second.center, second.width) == (300, 500)
    with pytest.warns(UserWarning, match=r"window 1 \(C 600, W 0\) cannot be used.*skipped"):
        shown = to_display(ds)
    np.testing.assert_array_equal(shown, to_display(ds, 300, 500))  # the next usable one


def test_with_no_usable_window_the_picture_spans_the_full_range():
    ds = with_window(600, 0)
    with pytest.warns(UserWarning, match="cannot be used"):
        shown = to_display(ds)
    low, high = value_range(ds)
    assert shown.min() == 0 and shown.max() == 255  # spread from the lowest to the highest
    with pytest.warns(UserWarning):
        viewer = WindowingViewer(ds)
    assert [label for label, _ in viewer.choice.options][0].startswith("full range")
    assert (viewer.window.center, viewer.window.width) == ((low + high) / 2, high - low)


def test_more_centers_than_widths():
    ds = with_window([600, 300], [1600])
    windows = file_windows(ds)
    assert windows[0].usable and not windows[1].usable
    assert "Window Width (0028,1051) has no value" in windows[1].problem
    assert "problem=" in repr(windows[1]) and "problem=" not in repr(windows[0])
    with pytest.warns(UserWarning, match="window 2"):
        labels = [label for label, _ in prepare(ds).choices]
    assert labels[0].startswith("file: window 1") and labels[1].startswith("full range")
    with pytest.warns(UserWarning, match="window 2"):
        np.testing.assert_array_equal(to_display(ds), to_display(ds, 600, 1600))


# --- malformed or damaged files -------------------------------------------------------


def test_number_of_frames_that_is_no_number():
    ds = read("mr_small.dcm")
    ds.NumberOfFrames = 1
    raw = io.BytesIO()
    ds.save_as(raw)
    data = raw.getvalue()
    at = data.index(b"\x28\x00\x08\x00IS\x02\x00")  # (0028,0008) IS, 2 bytes: "1 "
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pydicom warns that "1A" is no IS value
        damaged = pydicom.dcmread(io.BytesIO(data[: at + 8] + b"1A" + data[at + 10:]))
        with pytest.raises(ValueError, match=r"Number of Frames \(0028,0008\) '1A'"):
            to_display(damaged)


def test_a_missing_photometric_interpretation_is_named():
    ds = read("ct_small.dcm")
    del ds.PhotometricInterpretation
    with pytest.raises(ValueError, match=r"no Photometric Interpretation \(0028,0004\)") as error:
        to_display(ds)
    assert "colour" not in str(error.value).split("(")[0]  # not called a colour image
    ds.PhotometricInterpretation = "MONOCHROME2"  # the fix the message gives
    assert to_display(ds).shape == (128, 128)


def test_pixel_data_shorter_than_the_header_says():
    ds = read("ct_small.dcm")
    ds.PixelData = ds.PixelData[:1000]
    with pytest.raises(ValueError, match="pixel data is shorter than .* cut short"):
        to_display(ds)


def test_compressed_pixel_data_that_every_decoder_fails_on():
    ds = read("mr_small_jpeg_ls.dcm")
    frame = next(generate_frames(ds.PixelData, number_of_frames=1))
    ds.PixelData = encapsulate([frame[:40] + bytes(len(frame) - 40)])  # zeros after the header
    with pytest.raises(RuntimeError, match="could not be decoded by any installed decoder.*damaged"):
        to_display(ds)


# --- RT Dose grids --------------------------------------------------------------------


@pytest.fixture
def dose() -> Dataset:
    return pydicom.dcmread(get_testdata_file("rtdose.dcm"))  # 15 planes of 10 x 10, 5 mm apart


def test_an_rt_dose_grid_loads_as_a_volume_in_its_dose_units(dose, tmp_path):
    volume = load_series(get_testdata_file("rtdose.dcm"))
    assert volume.values.shape == (15, 10, 10) and volume.modality == "RTDOSE"
    # Grid Frame Offset Vector 0, 5, 10, ... from Image Position (Patient), along the normal
    assert volume.spacing == (5.0, 10.0, 10.0)
    np.testing.assert_allclose(volume.positions[:, 2], -761.87 + 5 * np.arange(15))
    # stored values times Dose Grid Scaling (PS3.3 C.8.8.3)
    expected = dose.pixel_array.astype(np.float64) * float(dose.DoseGridScaling)
    np.testing.assert_allclose(volume.values, expected, rtol=1e-6)


def test_an_rt_dose_grid_with_absolute_z_offsets(dose, tmp_path):
    z = float(dose.ImagePositionPatient[2])
    dose.GridFrameOffsetVector = [z + 5 * k for k in range(15)]  # PS3.3 C.8.8.3.2 (b)
    dose.save_as(tmp_path / "dose.dcm")
    volume = load_series(tmp_path / "dose.dcm")
    np.testing.assert_allclose(volume.positions[:, 2], z + 5 * np.arange(15))


def test_an_rt_dose_grid_whose_offsets_are_neither_form_is_refused(dose, tmp_path):
    dose.GridFrameOffsetVector = [3 + 5 * k for k in range(15)]
    dose.save_as(tmp_path / "dose.dcm")
    with pytest.raises(ValueError, match=r"Grid Frame Offset Vector \(3004,000C\) starts at 3"):
        load_series(tmp_path / "dose.dcm")
