"""The pinned decoders decode every transfer syntax learners commonly meet.

One case per transfer syntax (two where lossless and lossy versions differ), each decoded
with every pydicom plugin the lock provides for it and compared with its uncompressed twin:
exactly for a lossless syntax, within a stated tolerance for a lossy one. The files come
from the pydicom wheel (never downloaded: ``get_testdata_file`` may try to) or are made
here, deterministically, with an encoder from the lock (pydicom's own, pyjpegls,
pylibjpeg-openjpeg, GDCM). Where no pinned package encodes a syntax, the file was made
once by ``tests/data/make_decoder_fixtures.py`` with independent encoders (OpenJPH for
HTJ2K, libjpeg-turbo for JPEG Lossless with predictor 7) and is compared with its twin
all the same.

Not covered by a file: HTJ2K with RPCL options (1.2.840.10008.1.2.4.202). No pinned or
available encoder writes its RPCL progression order with TLM markers; it is the same HT
codestream as .201 in another packet order, and the test checks that the same OpenJPEG
plugin is available for it.

12-bit JPEG Extended (1.2.840.10008.1.2.4.51 with Bits Stored 12): pydicom's own plugins
in the lock refuse it (its one plugin for 12 bits, pylibjpeg-libjpeg, is GPL-3.0), and
``import dicomview`` adds a GDCM-backed plugin, ``dicomview-gdcm``, that decodes it. The last
tests check both; tests/test_jpeg12.py compares what it decodes with stored references.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
import pytest
from pydicom import uid
from pydicom.dataset import Dataset
from pydicom.pixels import get_decoder

import dicomview

WHEEL = Path(pydicom.__file__).parent / "data" / "test_files"
FIXTURES = Path(__file__).resolve().parent / "data"
MR_SMALL = WHEEL / "MR_small.dcm"  # 64 x 64 MR, signed 16-bit, stored uncompressed
RGB_TWIN = WHEEL / "SC_rgb_rle.dcm"  # 100 x 100 RGB, RLE (lossless): the SC_rgb_* twin


def read(path: Path) -> Dataset:
    return pydicom.dcmread(path)


def compressed(syntax: uid.UID, **options) -> Callable[[], Dataset]:
    """MR_small.dcm compressed here by pydicom with a pinned encoder (fixed UIDs)."""
    def make() -> Dataset:
        ds = read(MR_SMALL)
        ds.compress(syntax, generate_instance_uid=False, **options)
        return reread(ds)
    return make


def deflated() -> Dataset:
    """MR_small.dcm written with the Deflated transfer syntax (pydicom writes it)."""
    ds = read(MR_SMALL)
    ds.file_meta.TransferSyntaxUID = uid.DeflatedExplicitVRLittleEndian
    return reread(ds)


def by_gdcm(source: Path, syntax: str) -> Callable[[], Dataset]:
    """`source` compressed by GDCM (python-gdcm) into gdcm.TransferSyntax.<syntax>: JPEG
    processes pydicom cannot write."""
    def make() -> Dataset:
        import gdcm

        reader = gdcm.ImageReader()
        reader.SetFileName(str(source))
        assert reader.Read()
        change = gdcm.ImageChangeTransferSyntax()
        change.SetTransferSyntax(gdcm.TransferSyntax(getattr(gdcm.TransferSyntax, syntax)))
        change.SetInput(reader.GetImage())
        assert change.Change()
        writer = gdcm.ImageWriter()
        writer.SetFile(reader.GetFile())
        writer.SetImage(change.GetOutput())
        with tempfile.TemporaryDirectory() as folder:  # GDCM writes only to a named file
            path = Path(folder) / "out.dcm"
            writer.SetFileName(str(path))
            assert writer.Write()
            return pydicom.dcmread(io.BytesIO(path.read_bytes()))
    return make


def reread(ds: Dataset) -> Dataset:
    """Write `ds` to memory and read it back, as a learner's file would be read."""
    buffer = io.BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    buffer.seek(0)
    return pydicom.dcmread(buffer)


@dataclass(frozen=True)
class Case:
    syntax: uid.UID
    compressed: Callable[[], Dataset]
    twin: Callable[[], Dataset]
    plugins: set[str]           # pydicom's decoding plugins the lock makes available
    max_error: float = 0        # 0: lossless, must be equal
    min_psnr_db: float | None = None  # lossy only: over the twin's value range


CASES = {
    "RLE Lossless (pydicom's file)":
        Case(uid.RLELossless, lambda: read(WHEEL / "MR_small_RLE.dcm"),
             lambda: read(MR_SMALL), {"pydicom"}),
    "Deflated (made here)":
        Case(uid.DeflatedExplicitVRLittleEndian, deflated, lambda: read(MR_SMALL), set()),
    "JPEG Baseline (dcmtk's file)":
        Case(uid.JPEGBaseline8Bit, lambda: read(WHEEL / "SC_rgb_jpeg_dcmtk.dcm"),
             lambda: read(RGB_TWIN), {"gdcm", "pillow"}, max_error=8, min_psnr_db=40),
    "JPEG Extended, 8-bit (made here by GDCM)":
        Case(uid.JPEGExtended12Bit, by_gdcm(WHEEL / "image_dfl.dcm", "JPEGExtendedProcess2_4"),
             lambda: read(WHEEL / "image_dfl.dcm"), {"gdcm", "pillow"},
             max_error=4, min_psnr_db=40),
    "JPEG Lossless, predictor 7 (made by libjpeg-turbo)":
        Case(uid.JPEGLossless, lambda: read(FIXTURES / "mr_small_jpeg_lossless_p7.dcm"),
             lambda: read(MR_SMALL), {"gdcm"}),
    "JPEG Lossless SV1 (GDCM's file)":
        Case(uid.JPEGLosslessSV1, lambda: read(WHEEL / "SC_rgb_jpeg_gdcm.dcm"),
             lambda: read(RGB_TWIN), {"gdcm"}),
    "JPEG Lossless SV1, 16-bit (made here by GDCM)":
        Case(uid.JPEGLosslessSV1, by_gdcm(MR_SMALL, "JPEGLosslessProcess14_1"),
             lambda: read(MR_SMALL), {"gdcm"}),
    "JPEG-LS Lossless (pydicom's file)":
        Case(uid.JPEGLSLossless, lambda: read(WHEEL / "MR_small_jpeg_ls_lossless.dcm"),
             lambda: read(MR_SMALL), {"gdcm", "pyjpegls"}),
    "JPEG-LS Near-Lossless, NEAR=2 (pydicom's file)":
        Case(uid.JPEGLSNearLossless, lambda: read(WHEEL / "SC_rgb_jls_lossy_line.dcm"),
             lambda: read(RGB_TWIN), {"gdcm", "pyjpegls"}, max_error=2),
    "JPEG-LS Near-Lossless, NEAR=2 (made here by pyjpegls)":
        Case(uid.JPEGLSNearLossless, compressed(uid.JPEGLSNearLossless, jls_error=2),
             lambda: read(MR_SMALL), {"gdcm", "pyjpegls"}, max_error=2),
    "JPEG 2000 Lossless (pydicom's file)":
        Case(uid.JPEG2000Lossless, lambda: read(WHEEL / "MR_small_jp2klossless.dcm"),
             lambda: read(MR_SMALL), {"gdcm", "pillow", "pylibjpeg"}),
    "JPEG 2000 (GDCM's file)":
        Case(uid.JPEG2000, lambda: read(WHEEL / "SC_rgb_gdcm_KY.dcm"),
             lambda: read(RGB_TWIN), {"gdcm", "pillow", "pylibjpeg"},
             max_error=8, min_psnr_db=40),
    "JPEG 2000, ratio 5:1 (made here by pylibjpeg-openjpeg)":
        Case(uid.JPEG2000, compressed(uid.JPEG2000, j2k_cr=[5]),
             lambda: read(MR_SMALL), {"gdcm", "pillow", "pylibjpeg"},
             max_error=60, min_psnr_db=40),
    "HTJ2K Lossless (made by OpenJPH)":
        Case(uid.HTJ2KLossless, lambda: read(FIXTURES / "mr_small_htj2k_lossless.dcm"),
             lambda: read(MR_SMALL), {"pylibjpeg"}),
    "HTJ2K (made by OpenJPH)":
        Case(uid.HTJ2K, lambda: read(FIXTURES / "mr_small_htj2k_lossy.dcm"),
             lambda: read(MR_SMALL), {"pylibjpeg"}, max_error=60, min_psnr_db=40),
}


def decode(ds: Dataset, plugin: str | None) -> np.ndarray:
    """The pixels as a learner gets them (YCbCr converted to RGB), from one plugin."""
    if plugin is not None:
        ds.pixel_array_options(decoding_plugin=plugin)
    return ds.pixel_array


def plugin_runs() -> list:
    runs = []
    for name, case in CASES.items():
        for plugin in sorted(case.plugins) or [None]:
            runs.append(pytest.param(case, plugin, id=f"{name} [{plugin or 'native'}]"))
    return runs


@pytest.mark.parametrize("case, plugin", plugin_runs())
def test_each_syntax_decodes_like_its_uncompressed_twin(case: Case, plugin: str | None):
    ds = case.compressed()
    assert ds.file_meta.TransferSyntaxUID == case.syntax
    expected = case.twin().pixel_array
    decoded = decode(ds, plugin)
    assert decoded.shape == expected.shape
    if case.max_error == 0:
        assert decoded.dtype == expected.dtype
        np.testing.assert_array_equal(decoded, expected)
        return
    error = decoded.astype(np.float64) - expected
    assert np.abs(error).max() <= case.max_error
    if case.min_psnr_db is not None:
        span = float(expected.max()) - float(expected.min())
        rms = float(np.sqrt(np.mean(error**2)))
        assert rms == 0 or 20 * np.log10(span / rms) >= case.min_psnr_db


@pytest.mark.parametrize("name", list(CASES))
def test_the_lock_provides_the_expected_plugins(name):
    """A decoder package missing from the environment shows up here, by name."""
    case = CASES[name]
    # importing dicomview adds its 12-bit plugin to JPEG Extended (tests/test_jpeg12.py);
    # it refuses 8-bit JPEG, so it is not among the plugins that decode the 8-bit case
    added = {"dicomview-gdcm"} if case.syntax == uid.JPEGExtended12Bit else set()
    assert set(get_decoder(case.syntax).available_plugins) == case.plugins | added


def test_htj2k_with_rpcl_options_has_the_same_decoder():
    assert get_decoder(uid.HTJ2KLosslessRPCL).available_plugins == ("pylibjpeg",)


def test_every_common_syntax_is_covered():
    """The list in the README: RLE, Deflated, JPEG Baseline/Extended/Lossless, JPEG-LS,
    JPEG 2000 and HTJ2K, lossless and lossy (HTJ2K RPCL: see the module docstring)."""
    covered = {case.syntax for case in CASES.values()} | {uid.HTJ2KLosslessRPCL}
    assert covered >= {
        uid.RLELossless, uid.DeflatedExplicitVRLittleEndian, uid.JPEGBaseline8Bit,
        uid.JPEGExtended12Bit, uid.JPEGLossless, uid.JPEGLosslessSV1, uid.JPEGLSLossless,
        uid.JPEGLSNearLossless, uid.JPEG2000Lossless, uid.JPEG2000, uid.HTJ2KLossless,
        uid.HTJ2KLosslessRPCL, uid.HTJ2K,
    }


def test_pydicoms_deflated_file_decodes():
    """image_dfl.dcm has no uncompressed twin in the wheel: it decodes to its stated size."""
    ds = read(WHEEL / "image_dfl.dcm")
    assert ds.file_meta.TransferSyntaxUID == uid.DeflatedExplicitVRLittleEndian
    assert ds.pixel_array.shape == (ds.Rows, ds.Columns)


# pydicom's JPGExtended.dcm: 12-bit JPEG Extended (JPEG-lossy.dcm is the same image with
# a wrong byte in its scan header; data/nm_jpeg_extended_12bit.dcm is made from this one).
TWELVE_BIT = WHEEL / "JPGExtended.dcm"


def test_12_bit_jpeg_extended_is_refused_by_pydicoms_plugins_and_decoded_by_dicomviews():
    ds = read(TWELVE_BIT)
    assert ds.file_meta.TransferSyntaxUID == uid.JPEGExtended12Bit and ds.BitsStored == 12
    # Pillow and GDCM claim the syntax, yet pydicom's plugins for them refuse 12-bit samples
    for plugin, name in (("gdcm", "GDCM"), ("pillow", "Pillow")):
        with pytest.raises(RuntimeError, match=f"{name} does not support 'JPEG Extended' "
                                                "for samples with 12-bit precision"):
            pydicom.pixels.pixel_array(TWELVE_BIT, decoding_plugin=plugin)
    # dicomview's GDCM plugin (registered by `import dicomview`) decodes it
    assert "dicomview-gdcm" in get_decoder(uid.JPEGExtended12Bit).available_plugins
    assert ds.pixel_array.shape == (1024, 256)
    assert dicomview.to_display(ds).shape == (1024, 256)


def test_8_bit_jpeg_extended_is_not_refused():
    ds = CASES["JPEG Extended, 8-bit (made here by GDCM)"].compressed()
    assert dicomview.to_display(ds).shape == (ds.Rows, ds.Columns)
