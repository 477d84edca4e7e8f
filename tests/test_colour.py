"""Tests of dicomview.to_rgb and CinePlayer on the bundled colour and multi-frame files,
against pydicom's own conversions (convert_color_space, apply_color_lut); palette files
twinned in Explicit VR Big Endian, and JPEG 2000 colour (YBR_RCT, YBR_ICT) from pydicom's
test files and made here from a known RGB image."""

from __future__ import annotations

import base64
import copy
import io
import json
import struct
from pathlib import Path

import numpy as np
import pydicom
import pytest
from PIL import Image
from pydicom.data import get_palette_files, get_testdata_file
from pydicom.encaps import encapsulate, generate_frames
from pydicom.pixels import apply_color_lut, convert_color_space, get_decoder, pixel_array
from pydicom.uid import JPEG2000, ExplicitVRBigEndian, JPEG2000Lossless

from dicomview import CinePlayer, to_display, to_rgb
from dicomview import colour
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


# --- palette colour stored big-endian (PS3.5 A.3) ---------------------------------------

def palette_file(kind: str) -> pydicom.Dataset:
    """us_palette.dcm (16-bit tables), or its palette as one 16-bit segment each (PS3.3
    C.7.9.2: opcode 0, a discrete segment of 256 entries), or as 8-bit tables; or its
    indices through the well-known FALL palette (PS3.6 Annex B; 8-bit segments), as
    pydicom ships it."""
    ds = pydicom.dcmread(DATA / "us_palette.dcm")
    fall = pydicom.dcmread(get_palette_files("fall.dcm")[0])
    for colour_name in ("Red", "Green", "Blue"):
        data = f"{colour_name}PaletteColorLookupTableData"
        words = np.frombuffer(ds[data].value, dtype="<u2")
        if kind == "8-bit segmented":
            descriptor = f"{colour_name}PaletteColorLookupTableDescriptor"
            ds[descriptor].value = list(fall[descriptor].value)
            ds[f"Segmented{data}"] = fall[f"Segmented{data}"]
            del ds[data]
        elif kind == "segmented":
            segment = np.concatenate([[0, len(words)], words]).astype("<u2").tobytes()
            setattr(ds, f"Segmented{data}", segment)
            del ds[data]
        elif kind == "8-bit":
            ds[data].value = (words >> 8).astype(np.uint8).tobytes()
            ds[f"{colour_name}PaletteColorLookupTableDescriptor"].value[2] = 8
    return ds


def big_endian_twin(ds: pydicom.Dataset) -> bytes:
    """`ds` written as Explicit VR Big Endian. pydicom's save_as refuses to change the byte
    order, and dcmwrite leaves OW values as they are, so each OW value (here the palette
    data and the 8-bit Pixel Data, which is OW) has every 16-bit word swapped first."""
    twin = copy.deepcopy(ds)
    for element in twin.iterall():
        if element.VR == "OW":
            element.value = np.frombuffer(element.value, dtype="<u2").byteswap().tobytes()
    twin.file_meta.TransferSyntaxUID = ExplicitVRBigEndian
    buffer = io.BytesIO()
    pydicom.dcmwrite(buffer, twin, enforce_file_format=True)
    return buffer.getvalue()


def stored_value(file_bytes: bytes, tag: int, length: int) -> bytes:
    """The value of OW element `tag` as stored in an Explicit VR Big Endian file."""
    header = struct.pack(">HH2sxxI", tag >> 16, tag & 0xFFFF, b"OW", length)
    start = file_bytes.index(header) + len(header)
    return file_bytes[start:start + length]


def same_lookup(indices: np.ndarray, big: pydicom.Dataset, little: pydicom.Dataset) -> bool:
    """Whether pydicom's apply_color_lut gives the twins the same colours."""
    try:
        wrong = apply_color_lut(indices, big)
    except ValueError:  # 8-bit segments read in swapped order: "the first segment cannot"
        return False
    return np.array_equal(wrong, apply_color_lut(indices, little))


# pydicom 3.0.2 reads segmented tables in the file's byte order, unless 8-bit.
@pytest.mark.parametrize(("kind", "pydicom_reads_it_right"), [
    ("16-bit", False), ("8-bit", False), ("segmented", True), ("8-bit segmented", False)])
def test_big_endian_palette_gives_the_same_picture(kind, pydicom_reads_it_right):
    little = palette_file(kind)
    file_bytes = big_endian_twin(little)
    big = pydicom.dcmread(io.BytesIO(file_bytes))
    assert big.file_meta.TransferSyntaxUID == ExplicitVRBigEndian
    # The twin really stores its palette big-endian: each word's bytes swapped.
    keyword = f"{'Segmented' if 'segmented' in kind else ''}RedPaletteColorLookupTableData"
    value = little[keyword].value
    assert stored_value(file_bytes, little[keyword].tag, len(value)) == (
        np.frombuffer(value, dtype="<u2").astype(">u2").tobytes()) != value
    indices = pixel_array(little)
    np.testing.assert_array_equal(pixel_array(big), indices)

    right = to_rgb(little)
    np.testing.assert_array_equal(to_rgb(big), right)
    bits = int(little.RedPaletteColorLookupTableDescriptor[2])
    np.testing.assert_array_equal(  # to_rgb of the little-endian file is pydicom's picture
        right, np.rint(apply_color_lut(indices, little) * (255 / (2**bits - 1))))
    # pydicom's own lookup of the twin: the bug to_rgb works around, or not there at all
    assert same_lookup(indices, big, little) == pydicom_reads_it_right


def test_pydicom_shows_the_big_endian_palette_nearly_black():
    little = palette_file("16-bit")
    big = pydicom.dcmread(io.BytesIO(big_endian_twin(little)))
    indices = pixel_array(little)
    wrong, right = apply_color_lut(indices, big), apply_color_lut(indices, little)
    assert wrong.mean() < right.mean() / 100  # 16-bit entries read with their bytes swapped
    assert np.rint(wrong * (255 / 65535)).max() <= 1  # as 8-bit, black everywhere


# --- JPEG 2000 colour: YBR_RCT and YBR_ICT (PS3.3 C.7.6.3.1.2, PS3.5 8.2.4) --------------

J2K_COLOUR_FILES = ["GDCMJ2K_TextGBR.dcm", "examples_jpeg2k.dcm"]  # in pydicom's wheel


def multiple_component_transform(codestream: bytes) -> int:
    """The MCT byte of a JPEG 2000 codestream's COD marker segment (ISO/IEC 15444-1
    A.6.1): 1 when the three components are stored through the ICT or RCT."""
    position = 2  # after SOC
    while codestream[position:position + 2] != b"\xff\x52":
        position += 2 + int.from_bytes(codestream[position + 2:position + 4], "big")
    return codestream[position + 8]  # marker, Lcod, Scod, progression, layers (2), MCT


@pytest.mark.parametrize("name", J2K_COLOUR_FILES)
def test_jpeg_2000_colour_files_agree_with_every_decoder(name):
    ds = pydicom.dcmread(get_testdata_file(name))
    assert ds.PhotometricInterpretation == "YBR_RCT"
    assert ds.file_meta.TransferSyntaxUID == JPEG2000Lossless
    rgb = to_rgb(ds)
    assert rgb.shape == (ds.Rows, ds.Columns, 3)
    np.testing.assert_array_equal(rgb, ds.pixel_array)
    decoder = get_decoder(JPEG2000Lossless)
    agreed = []
    for plugin in decoder.available_plugins:
        try:
            pixels, decoded = decoder.as_array(ds, decoding_plugin=plugin)
        except RuntimeError:  # Pillow: "broken data stream" on GDCMJ2K_TextGBR's JP2 file
            continue
        assert decoded["photometric_interpretation"] == "RGB"
        np.testing.assert_array_equal(rgb, pixels)
        agreed.append(plugin)
    assert len(agreed) >= 2, agreed


def jpeg_2000_twin(photometric: str) -> tuple[pydicom.Dataset, np.ndarray]:
    """us_rgb.dcm compressed here through JPEG 2000's colour transform, and its RGB."""
    ds = pydicom.dcmread(DATA / "us_rgb.dcm")
    rgb = ds.pixel_array
    ds.PhotometricInterpretation = photometric  # pydicom's encoder then uses the MCT
    if photometric == "YBR_RCT":
        ds.compress(JPEG2000Lossless, rgb, generate_instance_uid=False)
    else:
        ds.compress(JPEG2000, rgb, j2k_cr=[5], generate_instance_uid=False)
    buffer = io.BytesIO()
    ds.save_as(buffer)
    return pydicom.dcmread(io.BytesIO(buffer.getvalue())), rgb


@pytest.mark.parametrize(("photometric", "tolerance"), [("YBR_RCT", 0), ("YBR_ICT", 8)])
def test_jpeg_2000_colour_gives_the_rgb_it_was_made_from(photometric, tolerance):
    ds, original = jpeg_2000_twin(photometric)
    assert ds.PhotometricInterpretation == photometric
    codestream = next(generate_frames(ds.PixelData, number_of_frames=1))
    assert multiple_component_transform(codestream) == 1
    rgb = to_rgb(ds)
    np.testing.assert_array_equal(rgb, ds.pixel_array)
    assert np.abs(rgb.astype(int) - original).max() <= tolerance  # lossless, or nearly
    assert np.abs(to_rgb(ds, frame=0).astype(int) - original).max() <= tolerance


def test_jpeg_2000_colour_left_unconverted_is_refused(monkeypatch):
    ds = pydicom.dcmread(get_testdata_file("examples_jpeg2k.dcm"))
    real = get_decoder(JPEG2000Lossless)

    class Unconverting:  # a decoder that would report the JPEG 2000 colour space unchanged
        def iter_array(self, ds, **kwargs):
            for pixels, decoded in real.iter_array(ds, **kwargs):
                yield pixels, {**decoded, "photometric_interpretation": "YBR_RCT"}

    monkeypatch.setattr(colour, "get_decoder", lambda syntax: Unconverting())
    with pytest.raises(RuntimeError, match="returned YBR_RCT pixels, not RGB"):
        to_rgb(ds)


# --- damaged files -----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["us_rgb.dcm", "us_palette.dcm", "ct_small.dcm"])
def test_missing_photometric_interpretation_is_named(name):
    ds = pydicom.dcmread(DATA / name)
    samples = ds.SamplesPerPixel
    del ds.PhotometricInterpretation
    missing = r"no Photometric Interpretation \(0028,0004\)"
    with pytest.raises(ValueError, match=missing) as error:
        to_rgb(ds)
    assert "colour image" not in str(error.value)
    assert f"Samples per Pixel {samples})" in str(error.value)
    ds.PhotometricInterpretation = ""  # present but empty is missing too (Type 1)
    with pytest.raises(ValueError, match=r"\(0028,0004\)"):
        to_rgb(ds)


def test_colour_pixel_data_cut_short_is_named():
    ds = pydicom.dcmread(DATA / "us_rgb.dcm")
    ds.PixelData = ds.PixelData[:1000]
    with pytest.raises(ValueError, match="pixel data is shorter than"):
        to_rgb(ds)


def test_damaged_jpeg_2000_colour_is_named():
    ds = pydicom.dcmread(get_testdata_file("examples_jpeg2k.dcm"))
    codestream = next(generate_frames(ds.PixelData, number_of_frames=1))
    ds.PixelData = encapsulate([codestream[:200]])
    with pytest.raises(RuntimeError, match="could not be decoded by any installed decoder"):
        to_rgb(ds)


# --- the cine player ----------------------------------------------------------------------

def decoded(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)))


def test_frame_rate_comes_from_the_file():
    """PS3.3 C.7.6.5: the recommended display rate, else the timing the Frame Increment
    Pointer names (Frame Time, or Frame Time Vector at its mean), else Cine Rate."""
    ds = pydicom.dcmread(CINE)  # Frame Increment Pointer -> Frame Time 33.333 ms
    assert frame_rate(ds) == (pytest.approx(30.0, rel=1e-4), "FrameTime 33.333 ms")
    ds.CineRate = 25
    assert frame_rate(ds)[1] == "FrameTime 33.333 ms"  # the pointer's timing first
    ds.RecommendedDisplayFrameRate = 15
    assert frame_rate(ds) == (15.0, "RecommendedDisplayFrameRate 15")
    del ds.RecommendedDisplayFrameRate
    ds.FrameIncrementPointer = 0x00181065
    ds.FrameTimeVector = [0] + [40] * 29
    assert frame_rate(ds) == (pytest.approx(25.0), "FrameTimeVector, mean 40 ms")
    del ds.FrameTimeVector, ds.FrameTime, ds.FrameIncrementPointer
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
