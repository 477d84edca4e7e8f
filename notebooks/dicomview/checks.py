"""Checks before pixels are decoded: is there pixel data, is it greyscale, and is a
decoder for its transfer syntax installed? Each failure says what to do about it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pydicom.dataset import Dataset
from pydicom.pixels import get_decoder
from pydicom.uid import (
    JPEG2000,
    HTJ2K,
    HTJ2KLossless,
    HTJ2KLosslessRPCL,
    JPEG2000Lossless,
    JPEGExtended12Bit,
    JPEGLossless,
    JPEGLosslessSV1,
    JPEGLSLossless,
    JPEGLSNearLossless,
)

from .frames import dataset_name, number_of_frames
from .jpeg12 import LABEL as JPEG12_PLUGIN

# What to install when pydicom has no working decoder for a transfer syntax. The course's
# lock has every one of these but pylibjpeg-libjpeg (GPL-3.0; README "Licences of the
# software"), so these messages matter in a learner's own environment.
_JPEG_LS = "%pip install pyjpegls (MIT; or python-gdcm, Apache-2.0)"
_JPEG_LOSSLESS = "%pip install python-gdcm (Apache-2.0; or pylibjpeg-libjpeg, GPL-3.0)"
_JPEG_EXTENDED = ("%pip install python-gdcm (Apache-2.0; 8 bits, and 12 bits through dicomview; "
                  "or pillow, MIT-CMU, 8 bits only)")
_JPEG_2000 = "%pip install pylibjpeg pylibjpeg-openjpeg (MIT; or python-gdcm, Apache-2.0)"
_HTJ2K = "%pip install pylibjpeg pylibjpeg-openjpeg (MIT)"
_DECODER_PACKAGES = {
    JPEGLSLossless: _JPEG_LS,
    JPEGLSNearLossless: _JPEG_LS,
    JPEGLossless: _JPEG_LOSSLESS,
    JPEGLosslessSV1: _JPEG_LOSSLESS,
    JPEGExtended12Bit: _JPEG_EXTENDED,
    JPEG2000Lossless: _JPEG_2000,
    JPEG2000: _JPEG_2000,
    HTJ2KLossless: _HTJ2K,
    HTJ2KLosslessRPCL: _HTJ2K,
    HTJ2K: _HTJ2K,
}


def check_pixel_data(ds: Dataset) -> None:
    """Raise unless `ds` has pixel data, in a number of frames that can be read."""
    number_of_frames(ds)  # raises, naming (0028,0008), if the count is no number
    if "PixelData" not in ds:
        raise ValueError(
            f"{dataset_name(ds)} has no pixel data (no PixelData element): it may be a "
            "report or a presentation state, or it was read with stop_before_pixels=True. "
            "Read an image file, without stop_before_pixels."
        )


def check_greyscale(ds: Dataset) -> None:
    """Raise unless `ds` has pixel data that a greyscale pipeline can show."""
    check_pixel_data(ds)
    name = dataset_name(ds)
    photometric = str(ds.get("PhotometricInterpretation", "")).strip()
    samples = int(ds.get("SamplesPerPixel") or 1)
    if not photometric:
        raise ValueError(
            f"{name} has no Photometric Interpretation (0028,0004), which says how to read "
            "its pixel values: greyscale or colour, and whether low values are black "
            "(PS3.3 C.7.6.3.1.2; it is Type 1, required). The file is incomplete. If it is "
            "greyscale with 1 sample per pixel, set ds.PhotometricInterpretation = "
            "'MONOCHROME2' (low values black) and look at the picture to check.")
    if samples != 1 or photometric not in ("MONOCHROME1", "MONOCHROME2"):
        raise ValueError(
            f"{name} is a colour image (PhotometricInterpretation {photometric!r}, "
            f"{samples} samples per pixel); window center/width apply only to "
            "greyscale MONOCHROME1/MONOCHROME2 images. Show it in colour: "
            "plt.imshow(dicomview.to_rgb(ds)) (or dicomview.CinePlayer(ds) for a cine loop)."
        )


def check_decoder(ds: Dataset) -> None:
    """Raise if the pixel data cannot be decoded here, naming the package to install."""
    name = dataset_name(ds)
    syntax = getattr(ds, "file_meta", Dataset()).get("TransferSyntaxUID")
    if syntax is None:
        raise ValueError(
            f"{name} has no Transfer Syntax UID (its file meta information is missing, "
            "e.g. a file read with force=True), so its pixel data cannot be decoded. "
            "Set it, e.g. ds.file_meta.TransferSyntaxUID = pydicom.uid.ImplicitVRLittleEndian."
        )
    if not syntax.is_compressed:
        return
    decoder = get_decoder(syntax)
    if not decoder.is_available:
        install = _DECODER_PACKAGES.get(
            syntax, "one of: " + "; ".join(decoder.missing_dependencies)
        )
        raise RuntimeError(
            f"{name} is compressed with {syntax.name} and no decoder for it is installed. "
            f"Install one ({install}), restart the kernel and read the file again."
        )
    bits = int(ds.get("BitsStored") or 8)
    twelve_bit = {"pylibjpeg", JPEG12_PLUGIN} & set(decoder.available_plugins)
    if syntax == JPEGExtended12Bit and bits > 8 and not twelve_bit:
        # Pillow and pydicom's GDCM plugin are "available" for this syntax, yet decode only
        # 8-bit JPEG; dicomview's own plugin (jpeg12.py) decodes 12 bits where GDCM is.
        raise RuntimeError(
            f"{name} is compressed with {syntax.name} at {bits} bits per sample, and no "
            "decoder for 12-bit JPEG is installed here: Pillow and pydicom's own GDCM plugin "
            "decode only 8-bit JPEG. dicomview decodes it with GDCM (python-gdcm, "
            "Apache-2.0): %pip install --upgrade python-gdcm, restart the kernel, import "
            "dicomview and read the file again. (pydicom's own plugin for 12 bits, "
            "pylibjpeg-libjpeg, is licensed GPL-3.0: read its licence before you ship it in "
            "your own project.)"
        )


@contextmanager
def decoding(ds: Dataset) -> Iterator[None]:
    """Turn pydicom's errors while decoding the pixel data of `ds` into messages that name
    the damage: pixel data shorter than the header says, or compressed data that no
    installed decoder can read."""
    name = dataset_name(ds)
    try:
        yield
    except ValueError as error:
        if "less than expected" not in str(error):
            raise
        raise ValueError(
            f"{name}: its pixel data is shorter than Rows x Columns x Number of Frames x "
            "Bits Allocated say, so the file was cut short (an interrupted copy or "
            f"download) or one of those attributes is wrong. Get the file again. (pydicom: {error})"
        ) from None
    except RuntimeError as error:
        if "Unable to decode" not in str(error):
            raise
        syntax = ds.file_meta.TransferSyntaxUID
        raise RuntimeError(
            f"{name}: its compressed pixel data ({syntax.name}) could not be decoded by any "
            "installed decoder, although one is installed: the data is damaged (cut short or "
            "corrupted) or not what the Transfer Syntax UID says. Get the file again, or try "
            f"another program. (The decoders said: {'; '.join(_reasons(error))})"
        ) from None


def _reasons(error: Exception) -> list[str]:
    """The lines of pydicom's "all plugins failed" message that give each plugin's reason."""
    lines = [line.strip() for line in str(error).splitlines()]
    return lines[1:] or lines
