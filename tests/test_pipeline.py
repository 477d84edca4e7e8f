"""Tests of dicomview.pipeline against pydicom, on the bundled files and on small
synthetic datasets for the cases the bundled files do not have."""

from __future__ import annotations

import copy
import json
import tracemalloc
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom.dataset import Dataset
from pydicom.pixels import apply_modality_lut, apply_voi_lut

from dicomview import (apply_window, display_values, downsample, frame_attributes, modality_values,
                       padding_values, to_display, value_range)

DATA = Path(__file__).resolve().parents[1] / "data"
MANIFEST = json.loads((DATA / "manifest.json").read_text())["files"]
BY_NAME = {entry["file"]: entry for entry in MANIFEST}
# The bundled files that are bad input on purpose, and the error each one gives.
BAD_FILES = {
    "mr_small_truncated.dcm": (ValueError, "less than expected"),
    "ct_small_no_preamble.dcm": (ValueError, "TransferSyntaxUID"),
}
GOOD_FILES = [entry["file"] for entry in MANIFEST if entry["file"] not in BAD_FILES]
# The greyscale ones: the colour files are tested in test_colour.py.
GREY_FILES = [name for name in GOOD_FILES
              if BY_NAME[name]["photometric_interpretation"].startswith("MONOCHROME")]


def read(name: str) -> Dataset:
    return pydicom.dcmread(DATA / name, force=True)


def image(pixels: list | np.ndarray, photometric: str = "MONOCHROME2", bits: int = 16,
          **elements) -> Dataset:
    """A small synthetic greyscale dataset holding `pixels` (uint16 or int16)."""
    ds = Dataset()
    ds.set_pixel_data(np.asarray(pixels), photometric, bits)
    for keyword, value in elements.items():
        setattr(ds, keyword, value)
    return ds


def lut_item(first: int, entries: list[int], bits: int) -> Dataset:
    """One item of a Modality or VOI LUT Sequence."""
    item = Dataset()
    item.LUTDescriptor = [len(entries), first, bits]
    item.LUTData = entries
    return item


def pydicom_grey(ds: Dataset, stored: np.ndarray) -> np.ndarray:
    """What pydicom shows, scaled to 0..255 (255 = white): apply_modality_lut, then
    apply_voi_lut, whose output spans the stored-value range when it windows and is
    the unchanged values when the file has no window; MONOCHROME1 inverted after."""
    values = apply_voi_lut(apply_modality_lut(stored, ds), ds)
    if "WindowCenter" in ds:
        with np.errstate(over="ignore"):
            low, high = apply_voi_lut(np.array([-1e12, 1e12]), ds)
    else:
        low, high = values.min(), values.max()
    grey = (values - low) / (high - low) * 255
    return 255 - grey if ds.PhotometricInterpretation == "MONOCHROME1" else grey


def assert_within_one_grey_level(ours: np.ndarray, reference: np.ndarray) -> None:
    assert ours.dtype == np.uint8
    assert ours.shape == reference.shape
    assert np.abs(ours.astype(np.float64) - reference).max() <= 1


# --- every bundled file -----------------------------------------------------------

def per_frame(ds: Dataset, function) -> np.ndarray:
    """`function(attributes, stored)` for each frame of an enhanced multi-frame file, with
    the frame's own attributes (pydicom 3.0.2's LUT functions read only top-level ones),
    or once for the whole file when it has no functional groups."""
    if "PerFrameFunctionalGroupsSequence" not in ds:
        return function(ds, ds.pixel_array)
    return np.stack([function(frame_attributes(ds, k), stored) for k, stored in enumerate(ds.pixel_array)])


@pytest.mark.parametrize("name", GREY_FILES)
def test_to_display_agrees_with_pydicom(name):
    ds = read(name)
    assert_within_one_grey_level(to_display(ds), per_frame(ds, pydicom_grey))


@pytest.mark.parametrize("name", GREY_FILES)
def test_modality_values_agree_with_pydicom(name):
    ds = read(name)
    values = modality_values(ds)
    assert values.dtype == np.float32
    reference = per_frame(ds, lambda attributes, stored: apply_modality_lut(stored, attributes))
    np.testing.assert_allclose(values, reference, rtol=1e-6, atol=1e-3)


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_each_bad_bundled_file_says_what_is_wrong(name):
    error, message = BAD_FILES[name]
    ds = read(name)
    with pytest.raises(error, match=message):
        to_display(ds)


def test_head_ct_is_in_hounsfield_units():
    values = modality_values(read("head_ct.dcm"))
    assert values.min() < -1000 < 0 < values.max()  # air and bone, after the -1024 intercept


def test_monochrome1_chest_shows_low_values_white():
    ds = read("chest_cr.dcm")
    grey = to_display(ds)
    stored = ds.pixel_array
    assert grey[stored == stored.min()].min() > grey[stored == stored.max()].max()


# --- multi-frame ------------------------------------------------------------------

def test_each_frame_of_a_multiframe_file_agrees_with_pydicom():
    """One frame, one picture: without a window, a frame is spread over the whole file's
    range, as it is when every frame is shown."""
    ds = read("head_mr_multiframe.dcm")
    whole = pydicom_grey(ds, ds.pixel_array)
    for frame in range(10):
        assert_within_one_grey_level(to_display(ds, frame=frame), whole[frame])
        np.testing.assert_array_equal(to_display(ds, frame=frame), to_display(ds)[frame])


def test_all_frames_by_default_and_one_frame_on_request():
    ds = read("head_mr_multiframe.dcm")
    assert modality_values(ds).shape == (10, 64, 64)
    assert modality_values(ds, frame=3).shape == (64, 64)
    assert to_display(ds).shape == (10, 64, 64)
    np.testing.assert_array_equal(to_display(ds, 200, 400, frame=3), to_display(ds, 200, 400)[3])


# --- windows ----------------------------------------------------------------------

def test_the_linear_formula_of_the_standard():
    # C 40 W 400: black up to -160, white above 239, mid-grey near the center.
    ds = image(np.array([[-1000, -160, -159, 40], [239, 240, 1000, 3000]], dtype=np.int16))
    assert to_display(ds, 40, 400).tolist() == [[0, 0, 1, 128], [255, 255, 255, 255]]


def test_values_outside_the_window_are_black_or_white():
    ds = image(np.arange(0, 4096, 16, dtype=np.uint16).reshape(16, 16), bits=12)
    grey, stored = to_display(ds, 2000, 1000), ds.pixel_array
    assert (grey[stored <= 1500] == 0).all()
    assert (grey[stored > 2500] == 255).all()
    inside = grey[(stored > 1500) & (stored <= 2500)]
    assert (np.diff(inside.astype(int)) >= 0).all() and 0 < inside.mean() < 255


def test_uint16_values_below_the_window_do_not_wrap_around():
    # stored - center on uint16 would wrap to about 65000 and show white
    ds = image(np.array([[0, 10], [100, 500]], dtype=np.uint16))
    assert to_display(ds, 1000, 200).tolist() == [[0, 0], [0, 0]]


def test_signed_data_with_rescale_agrees_with_pydicom():
    pixels = np.array([[-2000, -1024, -1], [0, 1000, 3000]], dtype=np.int16)
    ds = image(pixels, RescaleSlope=2, RescaleIntercept=-1024, WindowCenter=40, WindowWidth=400)
    assert modality_values(ds).tolist() == [[-5024, -3072, -1026], [-1024, 976, 4976]]
    assert_within_one_grey_level(to_display(ds), pydicom_grey(ds, ds.pixel_array))


def test_monochrome1_is_inverted_after_the_window():
    pixels = np.array([[0, 100, 200]], dtype=np.uint16)
    mono1 = to_display(image(pixels, "MONOCHROME1"), 100, 101)
    mono2 = to_display(image(pixels, "MONOCHROME2"), 100, 101)
    assert mono2.tolist() == [[0, 129, 255]]  # ((100 - 99.5) / 100 + 0.5) * 255 = 128.8
    assert mono1.tolist() == [[255, 126, 0]]


def test_width_1_is_a_threshold_at_center_minus_half():
    ds = image(np.array([[98, 99, 100, 101]], dtype=np.uint16))
    assert to_display(ds, 100, 1).tolist() == [[0, 0, 255, 255]]
    ds = image(np.array([[199, 200, 201]], dtype=np.uint16), RescaleSlope=0.5, RescaleIntercept=0)
    assert to_display(ds, 100, 1).tolist() == [[0, 255, 255]]  # 199 * 0.5 = 99.5 is not above 99.5


def test_multivalued_window_uses_the_first_by_default():
    pixels = np.arange(-1000, 1000, 8, dtype=np.int16).reshape(10, 25)
    ds = image(pixels, WindowCenter=[40, -600], WindowWidth=[80, 1500],
               WindowCenterWidthExplanation=["BRAIN", "LUNG"])
    np.testing.assert_array_equal(to_display(ds), to_display(ds, 40, 80))
    assert_within_one_grey_level(to_display(ds), pydicom_grey(ds, ds.pixel_array))


def test_explicit_window_overrides_the_files():
    ds = read("head_ct.dcm")
    assert not np.array_equal(to_display(ds, 400, 1800), to_display(ds))


def test_without_any_window_the_full_range_is_shown():
    ds = image(np.array([[100, 150], [200, 300]], dtype=np.uint16))
    assert to_display(ds).tolist() == [[0, 64], [128, 255]]


@pytest.mark.parametrize("function", ["LINEAR", "LINEAR_EXACT", "SIGMOID"])
def test_each_voi_function_agrees_with_pydicom(function):
    pixels = np.arange(0, 4096, 4, dtype=np.uint16).reshape(32, 32)
    ds = image(pixels, bits=12, WindowCenter=1500, WindowWidth=700, VOILUTFunction=function)
    assert_within_one_grey_level(to_display(ds), pydicom_grey(ds, ds.pixel_array))


def test_linear_exact_and_sigmoid_formulas():
    pixels = np.array([[0, 900, 1050, 1100, 2000]], dtype=np.uint16)
    exact = image(pixels, VOILUTFunction="LINEAR_EXACT")
    # ((x - c) / w + 0.5) * 255: 0 at c - w/2, 191.25 at c + w/4, 255 at c + w/2
    assert to_display(exact, 1000, 200).tolist() == [[0, 0, 191, 255, 255]]
    sigmoid = image(pixels, VOILUTFunction="SIGMOID")
    # 255 / (1 + exp(-4 (x - c) / w)): 30.4 at c - w/2, 186.4 at c + w/4, 224.6 at c + w/2
    assert to_display(sigmoid, 1000, 200).tolist() == [[0, 30, 186, 225, 255]]


# --- LUT sequences (none of the bundled files has one) -------------------------------

def test_voi_lut_sequence_agrees_with_pydicom():
    pixels = np.array([[0, 5, 10, 11], [12, 13, 20, 4000]], dtype=np.uint16)
    entries = [0, 100, 1000, 2000, 4095]  # 12-bit output, first mapped value 10
    ds = image(pixels)
    ds.VOILUTSequence = [lut_item(10, entries, 12)]
    reference = apply_voi_lut(ds.pixel_array, ds) / 4095 * 255  # pydicom gives raw LUT entries
    assert_within_one_grey_level(to_display(ds), reference)
    assert to_display(ds).tolist() == [[0, 0, 0, 6], [62, 125, 255, 255]]


def test_a_window_comes_before_the_voi_lut_sequence():
    ds = image(np.array([[0, 100, 200]], dtype=np.uint16), WindowCenter=100, WindowWidth=101)
    ds.VOILUTSequence = [lut_item(0, [4095, 0], 12)]
    assert to_display(ds).tolist() == [[0, 129, 255]]


def test_modality_lut_sequence_agrees_with_pydicom():
    pixels = np.array([[0, 1, 2, 3], [4, 5, 6, 100]], dtype=np.uint16)
    ds = image(pixels, WindowCenter=500, WindowWidth=1000)
    ds.ModalityLUTSequence = [lut_item(2, [10, 300, 600, 900, 1023], 16)]
    assert modality_values(ds).tolist() == [[10, 10, 10, 300], [600, 900, 1023, 1023]]
    assert_within_one_grey_level(to_display(ds), pydicom_grey(ds, ds.pixel_array))


# --- bad input --------------------------------------------------------------------

def test_no_pixel_data():
    ds = pydicom.dcmread(DATA / "head_ct.dcm", stop_before_pixels=True)
    with pytest.raises(ValueError, match="head_ct.dcm has no pixel data.*stop_before_pixels"):
        to_display(ds)


def test_colour_image():
    ds = Dataset()
    ds.set_pixel_data(np.zeros((4, 4, 3), dtype=np.uint8), "RGB", 8)
    with pytest.raises(ValueError, match="colour image.*'RGB'.*greyscale"):
        modality_values(ds)


def test_12_bit_jpeg_extended_is_decoded():
    """Pillow and pydicom's GDCM plugin decode only 8 bits; dicomview's GDCM plugin decodes
    12 (tests/test_jpeg12.py; the message without it is tested there)."""
    picture = to_display(read("nm_jpeg_extended_12bit.dcm"))
    assert picture.shape == (1024, 256) and picture.dtype == np.uint8


@pytest.mark.parametrize("width", [0, -5])
def test_width_must_be_positive(width):
    with pytest.raises(ValueError, match=f"width must be greater than 0, got {width}"):
        to_display(read("head_ct.dcm"), 40, width)


def test_linear_width_below_1():
    with pytest.raises(ValueError, match="below 1.*LINEAR"):
        to_display(read("head_ct.dcm"), 40, 0.5)


@pytest.mark.parametrize(("name", "frame", "message"), [
    ("head_mr_multiframe.dcm", 10, "frame 10 is out of range: .* has 10 frames, numbered 0 to 9"),
    ("head_ct.dcm", 1, "frame 1 is out of range: .* has 1 frame, numbered 0 to 0"),
    ("head_ct.dcm", -1, "frame -1 is out of range"),
])
def test_frame_out_of_range(name, frame, message):
    with pytest.raises(IndexError, match=message):
        to_display(read(name), frame=frame)


def test_center_without_width():
    with pytest.raises(TypeError, match="both center and width"):
        to_display(read("head_ct.dcm"), 40)


def test_unknown_voi_function():
    ds = image(np.zeros((2, 2), dtype=np.uint16), VOILUTFunction="CURVED")
    with pytest.raises(ValueError, match="'CURVED' is not one the standard defines"):
        to_display(ds, 10, 10)


# --- memory and the array-level helpers ------------------------------------------

def test_to_display_peak_memory_is_at_most_twice_the_image():
    ds = read("chest_cr.dcm")  # pixels not decoded yet: the decoding counts too
    tracemalloc.start()
    try:
        to_display(ds)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= 2 * ds.pixel_array.nbytes


def test_apply_window_fills_the_buffers_it_is_given():
    values = np.array([[-200.0, 40.0, 300.0]], dtype=np.float32)
    out, scratch = np.empty((1, 3), np.uint8), np.empty((1, 3), np.float32)
    assert apply_window(values, 40, 400, out=out, scratch=scratch) is out
    assert out.tolist() == [[0, 128, 255]]
    assert apply_window(values, 40, 400, invert=True).tolist() == [[255, 127, 0]]


def test_downsample_takes_block_means_into_a_contiguous_array():
    values = np.arange(35, dtype=np.float32).reshape(5, 7)
    small = downsample(values, 4)  # factor 2: the last row and column are dropped
    assert small.shape == (2, 3) and small.flags.c_contiguous and small.dtype == np.float32
    assert small[0, 0] == values[:2, :2].mean()
    assert downsample(values, 7).shape == (5, 7)


def test_apply_window_refuses_an_unknown_function():
    with pytest.raises(ValueError, match="unknown VOI LUT function 'linear'"):
        apply_window(np.zeros(3, np.float32), 0, 10, "linear")


@pytest.mark.parametrize(("name", "max_size"), [("chest_cr.dcm", 768), ("dental_dx_phantom.dcm", 500),
                                                ("head_ct.dcm", 768), ("head_ct.dcm", 200)])
def test_display_values_equal_shrinking_the_full_image(name, max_size):
    ds = pydicom.dcmread(DATA / name)
    expected = downsample(modality_values(ds), max_size)
    np.testing.assert_array_equal(display_values(ds, max_size), expected)


def test_padding_is_left_out_of_the_full_range():
    ct = pydicom.dcmread(DATA / "head_ct.dcm")
    stored = ct.pixel_array
    # Lossy (Lossy Image Compression 01) smeared the padding value -2000 into a band: the
    # values below it reach -2971, so the band reaches as far above it.
    assert padding_values(ct) == (-2000, -2000)
    assert padding_values(ct, stored) == (-2971, -1029)
    assert value_range(ct) == (-2052.0, 1812.0)
    exact = copy.deepcopy(ct)
    exact.LossyImageCompression = "00"
    low, _ = value_range(exact)
    assert low == stored[stored != -2000].min() - 1024  # only the value itself is padding
    assert value_range(pydicom.dcmread(DATA / "dental_dx_phantom.dcm")) == (132.0, 3844.0)


def test_to_display_falls_back_to_the_range_without_padding():
    ct = pydicom.dcmread(DATA / "head_ct.dcm")
    del ct.WindowCenter, ct.WindowWidth
    shown = to_display(ct)
    low, high = value_range(ct)
    values = modality_values(ct)
    assert shown[values <= low].max() == 0 and shown[values >= high].min() == 255
