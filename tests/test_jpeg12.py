"""12-bit JPEG Extended decoded by GDCM through dicomview's pydicom plugin (dicomview/jpeg12.py).

Each file is decoded with the plugin alone (``decoding_plugin=LABEL``) and compared with two
references stored in tests/data/jpeg12_references.npz by tests/data/make_jpeg12_references.py
(which says how each was made, from which file, with which package and licence):

* the exact reconstruction T.81 defines (inverse DCT in double precision, rounded): the
  plugin must be within 1 grey level of it everywhere;
* pylibjpeg-libjpeg's output, pydicom's own (GPL-3.0) plugin for the syntax: within 1 on
  pydicom's ``JPGExtended.dcm`` and the course's copy of it, ``data/nm_jpeg_extended_12bit.dcm``,
  as on the multi-frame MR; within 3 on the signed CT, where libjpeg itself is 3 away from
  the exact reconstruction. The share of pixels that differ is reported (``measured figures``
  at the end of the run) and bounded.

The files: pydicom's JPGExtended.dcm (NEMA WG04 NM1_JPLY, read from the wheel), the course's
copy of it, and two made by libjpeg-turbo's encoder, independent of GDCM: a 10-frame Enhanced
MR (unsigned) and a signed CT (Pixel Representation 1, -896 to 1167 HU).
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom import uid
from pydicom.pixels import get_decoder, pixel_array
from pydicom.pixels.decoders.base import DecodeRunner

import dicomview
from dicomview import checks, jpeg12
from test_decoders import by_gdcm

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "data"
WHEEL = Path(pydicom.__file__).parent / "data" / "test_files"
REFERENCES = np.load(FIXTURES / "jpeg12_references.npz")

# file, its key in the references, the largest difference from libjpeg allowed, and the
# largest share of pixels that may differ from libjpeg (measured: 1.38 %, 1.38 %, 5.06 %,
# 26.1 %) and from the exact reconstruction (measured: 0.62 %, 0.62 %, 3.74 %, 6.66 %)
CASES = {
    "pydicom's JPGExtended.dcm": (WHEEL / "JPGExtended.dcm", "jpgextended", 1, 0.02, 0.01),
    "data/nm_jpeg_extended_12bit.dcm":
        (ROOT / "data" / "nm_jpeg_extended_12bit.dcm", "jpgextended", 1, 0.02, 0.01),
    "10-frame MR (libjpeg-turbo)":
        (FIXTURES / "mr_multiframe_jpeg12.dcm", "mr_multiframe", 1, 0.06, 0.05),
    "signed CT (libjpeg-turbo)":
        (FIXTURES / "ct_small_signed_jpeg12.dcm", "ct_signed", 3, 0.30, 0.08),
}


def reference(key: str, which: str) -> np.ndarray:
    exact = REFERENCES[f"{key}_exact"]
    if which == "exact":
        return exact
    return (exact.astype(np.int32) + REFERENCES[f"{key}_libjpeg_minus_exact"]).astype(exact.dtype)


def compare(decoded: np.ndarray, expected: np.ndarray) -> tuple[int, float]:
    assert decoded.shape == expected.shape and decoded.dtype == expected.dtype
    difference = np.abs(decoded.astype(np.int32) - expected)
    return int(difference.max()), float(np.mean(difference > 0))


def test_importing_dicomview_registers_the_plugin():
    decoder = get_decoder(uid.JPEGExtended12Bit)
    assert jpeg12.LABEL in decoder.available_plugins
    # pydicom's own plugins stay, and stay first: 8-bit files decode as before
    assert {"gdcm", "pillow"} <= set(decoder.available_plugins)
    assert jpeg12.is_registered()


def test_register_is_idempotent():
    assert jpeg12.register() and jpeg12.register()
    assert get_decoder(uid.JPEGExtended12Bit).available_plugins.count(jpeg12.LABEL) == 1


@pytest.mark.parametrize("name", list(CASES))
def test_within_one_grey_level_of_the_exact_reconstruction(name, record_property):
    path, key, _, _, share_limit = CASES[name]
    decoded = pixel_array(path, decoding_plugin=jpeg12.LABEL)
    largest, share = compare(decoded, reference(key, "exact"))
    record_property(f"{name}: pixels differing from the exact IDCT", f"{share:.2%} (max {largest})")
    assert largest <= 1 and share <= share_limit


@pytest.mark.parametrize("name", list(CASES))
def test_close_to_pylibjpeg_libjpeg(name, record_property):
    path, key, limit, share_limit, _ = CASES[name]
    decoded = pixel_array(path, decoding_plugin=jpeg12.LABEL)
    largest, share = compare(decoded, reference(key, "libjpeg"))
    record_property(f"{name}: pixels differing from pylibjpeg-libjpeg",
                    f"{share:.2%} (max {largest})")
    assert largest <= limit and share <= share_limit


@pytest.mark.parametrize("name", list(CASES))
def test_the_reference_belongs_to_the_file(name):
    path, key, *_ = CASES[name]
    pixel_data = pydicom.dcmread(path).PixelData
    assert hashlib.sha256(pixel_data).hexdigest() == str(REFERENCES[f"{key}_pixel_data_sha256"])


def test_a_learner_reads_the_course_file_as_usual():
    """After `import dicomview`, plain pydicom and dicomview decode the 12-bit file."""
    ds = pydicom.dcmread(ROOT / "data" / "nm_jpeg_extended_12bit.dcm")
    pixels = ds.pixel_array
    assert pixels.shape == (1024, 256) and pixels.dtype == np.uint16
    assert compare(pixels, reference("jpgextended", "exact"))[0] <= 1
    picture = dicomview.to_display(ds)
    assert picture.shape == (1024, 256) and picture.dtype == np.uint8
    assert picture.min() == 0 and picture.max() == 255


def test_frames_one_at_a_time_match_the_whole_file():
    path = FIXTURES / "mr_multiframe_jpeg12.dcm"
    whole = pixel_array(path, decoding_plugin=jpeg12.LABEL)
    assert whole.shape == (10, 64, 64)
    for k in (0, 4, 9):
        np.testing.assert_array_equal(pixel_array(path, index=k, decoding_plugin=jpeg12.LABEL),
                                      whole[k])
    ds = pydicom.dcmread(path)
    assert dicomview.to_display(ds, frame=4).shape == (64, 64)
    assert dicomview.to_display(ds).shape == (10, 64, 64)


def test_signed_data_is_sign_extended_by_pydicom():
    """GDCM returns the JPEG's 12-bit samples (0..4095); pydicom extends the sign."""
    ds = pydicom.dcmread(FIXTURES / "ct_small_signed_jpeg12.dcm")
    assert ds.PixelRepresentation == 1 and ds.BitsStored == 12
    pixels = pixel_array(ds, decoding_plugin=jpeg12.LABEL)
    assert pixels.dtype == np.int16
    assert -900 <= pixels.min() < -850 and 1150 < pixels.max() <= 1170  # air to bone, in HU
    source = pydicom.dcmread(ROOT / "data" / "ct_small.dcm").pixel_array.astype(np.int32) - 1024
    error = pixels - source  # the lossy compression's own error, for scale
    assert np.sqrt(np.mean(error.astype(float) ** 2)) < 10


def test_a_valid_frame_prints_nothing(capfd):
    """GDCM's 16-bit IJG library would print "Unsupported JPEG data precision 12" on the
    process's standard error (which Jupyter shows under the cell); the plugin avoids it."""
    pixel_array(WHEEL / "JPGExtended.dcm", decoding_plugin=jpeg12.LABEL)
    pixel_array(FIXTURES / "mr_multiframe_jpeg12.dcm", decoding_plugin=jpeg12.LABEL)
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""


def runner_for(path: Path) -> tuple[DecodeRunner, bytes]:
    ds = pydicom.dcmread(path)
    runner = DecodeRunner(uid.JPEGExtended12Bit)
    runner.set_source(ds)
    frame = next(pydicom.encaps.generate_frames(ds.PixelData, number_of_frames=1))
    return runner, frame


def test_what_the_plugin_leaves_to_others():
    runner, frame = runner_for(WHEEL / "JPGExtended.dcm")
    assert len(jpeg12.decode_frame(frame, runner)) == 1024 * 256 * 2
    eight_bit = frame.replace(b"\xff\xc1\x00\x0b\x0c", b"\xff\xc1\x00\x0b\x08", 1)
    with pytest.raises(ValueError, match="12-bit JPEG only.*precision is 8"):
        jpeg12.decode_frame(eight_bit, runner)
    lossless = frame.replace(b"\xff\xc1", b"\xff\xc3", 1)
    with pytest.raises(ValueError, match="sequential Huffman.*FFC3"):
        jpeg12.decode_frame(lossless, runner)
    with pytest.raises(ValueError, match="does not start with a JPEG SOI marker"):
        jpeg12.decode_frame(b"\x00" * 100, runner)
    runner.set_option("rows", 512)
    with pytest.raises(ValueError, match="1024 x 256 but the dataset says Rows 512"):
        jpeg12.decode_frame(frame, runner)


def test_damaged_data_is_refused(tmp_path):
    runner, frame = runner_for(WHEEL / "JPGExtended.dcm")
    with pytest.raises(RuntimeError, match="cut short or damaged"):
        jpeg12.decode_frame(frame[: len(frame) // 2], runner)
    # Through dicomview, a file whose data every plugin fails on gets checks.decoding's message
    ds = pydicom.dcmread(WHEEL / "JPGExtended.dcm")
    ds.PixelData = pydicom.encaps.encapsulate([frame[: len(frame) // 2]])
    with pytest.raises(RuntimeError, match="could not be decoded by any installed decoder"):
        dicomview.to_display(ds)


def test_without_the_plugin_the_message_says_what_to_install():
    decoder = get_decoder(uid.JPEGExtended12Bit)
    decoder.remove_plugin(jpeg12.LABEL)
    try:
        ds = pydicom.dcmread(ROOT / "data" / "nm_jpeg_extended_12bit.dcm")
        with pytest.raises(RuntimeError) as failure:
            checks.check_decoder(ds)
        message = str(failure.value)
        assert "nm_jpeg_extended_12bit.dcm" in message and "12 bits per sample" in message
        assert "%pip install --upgrade python-gdcm" in message and "Apache-2.0" in message
        assert "import dicomview" in message and "restart the kernel" in message
        assert "pylibjpeg-libjpeg" in message and "GPL-3.0" in message
    finally:
        assert jpeg12.register()
    checks.check_decoder(ds)  # registered again: nothing to say


def eight_bit_jpeg_extended() -> pydicom.Dataset:
    """pydicom's image_dfl.dcm (8-bit MONOCHROME2) compressed by GDCM as JPEG Extended."""
    return by_gdcm(WHEEL / "image_dfl.dcm", "JPEGExtendedProcess2_4")()


def test_8_bit_jpeg_extended_is_left_to_pydicoms_plugins():
    """The plugin refuses the 8-bit form; pydicom's GDCM plugin decodes it, as before."""
    ds = eight_bit_jpeg_extended()
    assert ds.file_meta.TransferSyntaxUID == uid.JPEGExtended12Bit and ds.BitsStored == 8
    runner = DecodeRunner(uid.JPEGExtended12Bit)
    runner.set_source(ds)
    frame = next(pydicom.encaps.generate_frames(ds.PixelData, number_of_frames=1))
    with pytest.raises(ValueError, match="12-bit JPEG only.*precision is 8"):
        jpeg12.decode_frame(frame, runner)
    with pytest.raises(RuntimeError, match=f"{jpeg12.LABEL}: .*precision is 8"):
        pixel_array(ds, decoding_plugin=jpeg12.LABEL)
    expected = pydicom.dcmread(WHEEL / "image_dfl.dcm").pixel_array
    decoded = ds.pixel_array
    assert decoded.shape == expected.shape
    assert np.abs(decoded.astype(int) - expected).max() <= 4


def test_dicomview_imports_without_pydicom(tmp_path):
    """`from dicomview import setup_check` must work where pydicom is missing: it is the
    check that tells the learner so. The plugin is then simply not registered."""
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'pydicom' or name.startswith('pydicom.'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        f"sys.path.insert(0, {str(ROOT / 'notebooks')!r})\n"
        "from dicomview import setup_check\n"
        "print('ok', 'pydicom' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok False"


def test_without_gdcm_the_plugin_is_listed_with_what_it_needs():
    """Where python-gdcm is missing, dicomview still imports; pydicom lists the plugin as
    missing its dependency, and check_decoder says what to install."""
    script = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'gdcm' or name.startswith('gdcm.') or name.startswith('_gdcm'):\n"
        "            raise ModuleNotFoundError(f'No module named {name!r}', name=name)\n"
        "sys.meta_path.insert(0, Block())\n"
        f"sys.path.insert(0, {str(ROOT / 'notebooks')!r})\n"
        "import pydicom, dicomview\n"
        "from dicomview import checks, jpeg12\n"
        "from pydicom.pixels import get_decoder\n"
        "decoder = get_decoder(pydicom.uid.JPEGExtended12Bit)\n"
        "print(jpeg12.is_registered(), decoder.available_plugins)\n"
        "print([line for line in decoder.missing_dependencies if jpeg12.LABEL in line])\n"
        f"ds = pydicom.dcmread({str(ROOT / 'data' / 'nm_jpeg_extended_12bit.dcm')!r})\n"
        "try:\n"
        "    checks.check_decoder(ds)\n"
        "except RuntimeError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    registered, missing, message = result.stdout.strip().splitlines()
    assert registered == "False ('pillow',)"
    assert missing == "['dicomview-gdcm - requires gdcm>=3.0.10']"
    assert "%pip install --upgrade python-gdcm" in message and "12 bits per sample" in message
