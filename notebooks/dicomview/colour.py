"""Colour: any image as 8-bit RGB, the way a viewer shows it.

A colour image says how its pixels are coded in PhotometricInterpretation (PS3.3
C.7.6.3.1.2): RGB (three samples, red, green, blue); YBR_FULL and YBR_FULL_422 (luminance
and two colour differences, the second with its colour halved across each row: what JPEG
Baseline usually stores); PALETTE COLOR (one sample per pixel, an index into the red,
green and blue lookup tables of the Palette Color module, C.7.6.3.1.5-6). pydicom's
decoders already turn YBR_FULL and YBR_FULL_422 into RGB when asked (`as_rgb=True`, the
default of `ds.pixel_array`); this module asks, checks what they report, and does the
rest: the palette lookup, and greyscale through the display pipeline.
"""

from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset
from pydicom.pixels import apply_color_lut, convert_color_space, get_decoder

from .frames import check_frame, dataset_name, number_of_frames
from .checks import check_decoder, check_pixel_data
from .pipeline import to_display

_YBR = ("YBR_FULL", "YBR_FULL_422")


def _check_palette(ds: Dataset) -> int:
    """Raise unless `ds` has its palette's descriptor; return the bits of one entry."""
    descriptor = ds.get("RedPaletteColorLookupTableDescriptor")
    if descriptor is None or len(descriptor) != 3:
        raise ValueError(
            f"{dataset_name(ds)} is PALETTE COLOR, but its Red Palette Color Lookup Table "
            "Descriptor (0028,1101) is missing, so its palette cannot be read (PS3.3 "
            "C.7.6.3.1.5: the descriptor gives the number of entries, the first pixel "
            "value mapped and the bits per entry). The file is incomplete: ask for it "
            "again from its source, or show its indices as greyscale: ds.pixel_array.")
    bits = int(descriptor[2])
    if bits not in (8, 16):
        raise ValueError(f"{dataset_name(ds)}: palette entries of {bits} bits; the standard "
                         "allows 8 or 16 (PS3.3 C.7.6.3.1.5).")
    return bits


def _to_uint8(values: np.ndarray, bits: int) -> np.ndarray:
    """Values of `bits` bits (0 .. 2**bits - 1) scaled to 0..255, rounded."""
    if bits <= 8:
        return values.astype(np.uint8, copy=False)
    scaled = values.astype(np.float32)
    scaled *= 255.0 / (2**bits - 1)
    scaled += 0.5
    return scaled.astype(np.uint8)


def _palette_table(ds: Dataset) -> tuple[np.ndarray, int]:
    """The palette as an 8-bit table (entries, 3) and the first pixel value it maps.

    pydicom's `apply_color_lut` reads the tables (segmented ones too); applied to the
    indices themselves it gives the table, scaled here once to 0..255, so that each
    pixel is one lookup into a small uint8 table.
    """
    bits = _check_palette(ds)
    entries, first, _ = (int(v) for v in ds.RedPaletteColorLookupTableDescriptor)
    entries = entries or 2**16  # PS3.3 C.7.6.3.1.5: 0 means 2**16 entries
    indices = np.arange(first, first + entries, dtype=np.int32 if first < 0 else np.uint16)
    return _to_uint8(apply_color_lut(indices, ds)[:, :3], bits), first


def to_rgb(ds: Dataset, *, frame: int | None = None) -> np.ndarray:
    """The image as uint8 RGB: (rows, columns, 3), or (frames, rows, columns, 3) for
    every frame of a multi-frame file (`frame=None`); `frame` picks one.

    RGB is kept; YBR_FULL and YBR_FULL_422 are converted to RGB (by pydicom's decoder;
    checked, and converted here if the decoder did not); PALETTE COLOR goes through its
    palette, with 16-bit entries scaled to 0..255; greyscale goes through `to_display`
    (modality LUT, the file's window, MONOCHROME1 inverted) into three equal channels.
    Frames are decoded one at a time into the result, so the memory needed stays near
    the result's own size.
    """
    check_pixel_data(ds)
    if frame is not None:
        check_frame(ds, frame)
    photometric = str(ds.get("PhotometricInterpretation", "")).strip()
    if photometric in ("MONOCHROME1", "MONOCHROME2"):
        grey = to_display(ds, frame=frame)
        return np.repeat(grey[..., np.newaxis], 3, axis=-1)
    if photometric not in ("RGB", "PALETTE COLOR", *_YBR):
        raise ValueError(
            f"{dataset_name(ds)} has PhotometricInterpretation {photometric!r}, which "
            "to_rgb does not convert (it converts MONOCHROME1/2, RGB, YBR_FULL, "
            "YBR_FULL_422 and PALETTE COLOR). Try ds.pixel_array; pydicom's decoders "
            "turn some other colour spaces (YBR_ICT, YBR_RCT of JPEG 2000) into RGB.")
    palette = _palette_table(ds) if photometric == "PALETTE COLOR" else None
    check_decoder(ds)
    bits = int(ds.get("BitsStored") or 8)
    frames = [frame] if frame is not None else range(number_of_frames(ds))
    decoder = get_decoder(ds.file_meta.TransferSyntaxUID)
    out = np.empty((len(frames), int(ds.Rows), int(ds.Columns), 3), dtype=np.uint8)
    for index, (pixels, decoded) in enumerate(decoder.iter_array(ds, indices=frames, as_rgb=True)):
        if palette is not None:
            table, first = palette
            np.take(table, pixels if first == 0 else pixels.astype(np.int32) - first,
                    axis=0, mode="clip", out=out[index])
            continue
        # What the decoder returned: RGB if it converted YBR, else still YBR.
        decoded_as = decoded.get("photometric_interpretation", photometric)
        if decoded_as in _YBR:
            pixels = convert_color_space(pixels, decoded_as, "RGB")
        out[index] = _to_uint8(pixels, bits)
    return out[0] if frame is not None or number_of_frames(ds) == 1 else out
