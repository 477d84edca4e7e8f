"""Make the compressed files that tests/test_decoders.py needs and no pinned package can write.

No file in the pydicom wheel uses HTJ2K, and no pinned package encodes it (OpenJPEG, inside
pylibjpeg-openjpeg and python-gdcm, decodes HTJ2K but has no HTJ2K encoder); GDCM writes
JPEG Lossless only with predictor 1. So these files are made once, from pydicom's
MR_small.dcm (64 x 64, signed 16-bit MR), with encoders independent of the decoders under
test: OpenJPH (HTJ2K) and libjpeg-turbo (JPEG Lossless, predictor 7), both through
imagecodecs (BSD-3-Clause). imagecodecs is not part of the course's lock: run this in a
throwaway environment, from the repository root:

    python3 -m venv /tmp/fixtures && /tmp/fixtures/bin/pip install imagecodecs==2026.3.6 pydicom==3.0.2
    /tmp/fixtures/bin/python tests/data/make_decoder_fixtures.py

The output is deterministic (same bytes every run with these versions), and the test
compares every decoded file with MR_small.dcm itself, so the files need no trust.
"""

from __future__ import annotations

from pathlib import Path

import imagecodecs
import numpy as np
import pydicom
from pydicom import uid
from pydicom.encaps import encapsulate

HERE = Path(__file__).resolve().parent
SOURCE = Path(pydicom.__file__).parent / "data" / "test_files" / "MR_small.dcm"


def write(name: str, syntax: uid.UID, frame: bytes, lossy: bool) -> None:
    ds = pydicom.dcmread(SOURCE)
    ds.file_meta.TransferSyntaxUID = syntax
    ds.PixelData = encapsulate([frame])
    ds["PixelData"].VR = "OB"
    ds.LossyImageCompression = "01" if lossy else "00"
    ds.ImageComments = f"MR_small.dcm as {syntax.name}, made by tests/data/make_decoder_fixtures.py"
    ds.save_as(HERE / name, enforce_file_format=True)
    print(f"wrote {name}: {syntax.name}, {len(frame)} bytes of pixel data")


def main() -> None:
    pixels = pydicom.dcmread(SOURCE).pixel_array  # int16, Bits Stored 16
    assert pixels.dtype == np.int16
    write("mr_small_htj2k_lossless.dcm", uid.HTJ2KLossless,
          imagecodecs.htj2k_encode(pixels, reversible=True), lossy=False)
    write("mr_small_htj2k_lossy.dcm", uid.HTJ2K,
          imagecodecs.htj2k_encode(pixels, level=0.0005, reversible=False), lossy=True)
    write("mr_small_jpeg_lossless_p7.dcm", uid.JPEGLossless,
          imagecodecs.jpeg8_encode(pixels.view(np.uint16), lossless=True, predictor=7,
                                   bitspersample=16), lossy=False)


if __name__ == "__main__":
    main()
