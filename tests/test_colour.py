"""Tests of dicomview.to_rgb and CinePlayer on the bundled colour and multi-frame files,
against pydicom's own conversions (convert_color_space, apply_color_lut)."""

from __future__ import annotations

import base64
import copy
import io
import json
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.pixels import apply_color_lut, convert_color_space, pixel_array

from dicomview import CinePlayer, to_display, to_rgb
from dicomview.cine import DEFAULT_FPS, frame_rate

DATA = Path(__file__).resolve().parents[1] / "data"
MANIFEST = json.loads((DATA / "manifest.json").read_text())["files"]
COLOUR_FILES = {entry["file"]: entry["photometric_interpretation"] for entry in MANIFEST
                if not entry["photometric_interpretation"].startswith("MONOCHROME")}
CINE = DATA / "us_cine_ybr.dcm"


def test_the_course_bundles_each_kind_of_colour():
    assert set(COLOUR_FILES.values()) >= {"RGB", "YBR_FULL_422", "PALETTE COLOR"}


def pydicom_rgb(path: Path) -> np.ndarray:
    """pydicom's own RGB: the decoder's raw samples through convert_color_space, or
    the palette indices through apply_color_lut (16-bit entries scaled to 0..255)."""
    ds = pydicom.dcmread(path)
    photometric = ds.PhotometricInterpretation
    raw = pixel_array(path, as_rgb=False)
    if photometric == "PALETTE COLOR":
        rgb = apply_color_lut(raw, ds)
        bits = int(ds.RedPaletteColorLookupTableDescriptor[2])
        return np.rint(rgb * (255 / (2**bits - 1))).astype(np.uint8)
    if photometric.startswith("YBR"):
        return convert_color_space(raw, photometric, "RGB")
    return raw


@pytest.mark.parametrize("name", sorted(COLOUR_FILES))
def test_to_rgb_agrees_with_pydicom(name):
    ds = pydicom.dcmread(DATA / name)
    rgb = to_rgb(ds)
    assert rgb.dtype == np.uint8 and rgb.shape[-1] == 3
    # pydicom's decoders and convert_color_space round the same way: no difference at all
    np.testing.assert_array_equal(rgb, pydicom_rgb(DATA / name))
    np.testing.assert_array_equal(to_rgb(ds, frame=0), rgb[0] if rgb.ndim == 4 else rgb)


def test_ybr_cine_is_every_frame_converted():
    ds = pydicom.dcmread(CINE)
    rgb = to_rgb(ds)
    assert rgb.shape == (30, 240, 320, 3)
    # The decoder's YBR really differs from RGB: a conversion happened.
    assert np.abs(pixel_array(CINE, as_rgb=False).astype(int) - rgb).max() > 50
    np.testing.assert_array_equal(to_rgb(ds, frame=29), rgb[29])


def test_greyscale_becomes_three_equal_channels():
    ds = pydicom.dcmread(DATA / "ct_small.dcm")
    rgb = to_rgb(ds)
    for channel in range(3):
        np.testing.assert_array_equal(rgb[..., channel], to_display(ds))


def test_palette_without_its_descriptor_is_refused_clearly():
    ds = pydicom.dcmread(DATA / "us_palette.dcm")
    del ds.RedPaletteColorLookupTableDescriptor
    with pytest.raises(ValueError, match=r"Descriptor \(0028,1101\) is missing"):
        to_rgb(ds)


def test_frame_out_of_range():
    with pytest.raises(IndexError, match="numbered 0 to 29"):
        to_rgb(pydicom.dcmread(CINE), frame=30)


def test_file_without_pixel_data():
    ds = pydicom.dcmread(DATA / "us_rgb.dcm", stop_before_pixels=True)
    with pytest.raises(ValueError, match="no pixel data"):
        to_rgb(ds)


# --- the cine player ----------------------------------------------------------------------

def decoded(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)))


def test_frame_rate_comes_from_the_file():
    ds = pydicom.dcmread(CINE)
    assert frame_rate(ds) == (pytest.approx(30.0, rel=1e-4), "FrameTime 33.333 ms")
    del ds.FrameTime
    ds.CineRate = 25
    assert frame_rate(ds) == (25.0, "CineRate 25")
    del ds.CineRate
    assert frame_rate(ds) == (DEFAULT_FPS, "no frame rate in the file")


def test_player_sends_every_exact_frame_once():
    ds = pydicom.dcmread(CINE)
    player = CinePlayer(ds)
    assert repr(player) == "CinePlayer(us_cine_ybr.dcm, 30 frames at 30 fps)"
    assert player.fps == pytest.approx(30.0, rel=1e-4) and player.frame_count == 30
    assert player.caption == "30 frames \u00b7 30 frames per second (FrameTime 33.333 ms)"
    assert player.bytes_at_start == sum(map(len, player.frames))
    for index in (0, 7, 29):  # lossless: each PNG is exactly to_rgb's frame
        np.testing.assert_array_equal(decoded(player.frames[index]), to_rgb(ds, frame=index))


def test_play_pause_and_show_frame():
    player = CinePlayer(pydicom.dcmread(CINE))
    player.play()
    assert player.playing  # the browser starts its clock
    player.show_frame(12)
    assert not player.playing and player.frame == 12
    player.pause()
    assert not player.playing


def test_player_shows_grey_frames_through_the_display_pipeline():
    ds = pydicom.dcmread(DATA / "ct_enhanced_perfusion.dcm")
    player = CinePlayer(ds, max_size=256)
    # 512 x 512 shrunk by 2: each pixel the rounded mean of a 2 x 2 block
    grey = to_display(ds, frame=1).reshape(256, 2, 256, 2).mean(axis=(1, 3))
    assert np.abs(decoded(player.frames[1]).astype(float) - grey).max() <= 1


def test_player_shows_the_frame_on_screen_where_widgets_do_not_run():
    player = CinePlayer(pydicom.dcmread(CINE))
    player.show_frame(5)
    data, _ = player._repr_mimebundle_()
    assert base64.b64decode(data["image/png"]) == player.frames[5]
    assert "application/vnd.jupyter.widget-view+json" in data


def test_player_refuses_a_frame_it_does_not_have():
    player = CinePlayer(pydicom.dcmread(CINE))
    with pytest.raises(IndexError, match="numbered 0 to 29"):
        player.show_frame(30)


def test_player_leaves_the_dataset_unchanged():
    ds = pydicom.dcmread(CINE)
    before = copy.deepcopy(ds)
    CinePlayer(ds).show_frame(3)
    assert ds == before
