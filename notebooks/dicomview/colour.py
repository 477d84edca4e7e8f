"""Colour: any image as 8-bit RGB, the way a viewer shows it.

A colour image says how its pixels are coded in PhotometricInterpretation (PS3.3
C.7.6.3.1.2): RGB (three samples, red, green, blue); YBR_FULL and YBR_FULL_422 (luminance
and two colour differences, the second with its colour halved across each row: what JPEG
Baseline usually stores); YBR_ICT and YBR_RCT (JPEG 2000's irreversible and reversible
colour transforms, made inside the compressed data); PALETTE COLOR (one sample per pixel,
an index into the red, green and blue lookup tables of the Palette Color module,
C.7.6.3.1.5-6). pydicom's decoders return RGB for all four YBR kinds (for YBR_FULL and
YBR_FULL_422 when asked: `as_rgb=True`, the default of `ds.pixel_array`); this module
asks, checks what they report, and does the rest: the palette lookup, with the tables
read in the file's byte order, and greyscale through the display pipeline.
"""

from __future__ import annotations

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.pixels import apply_color_lut, convert_color_space, get_decoder
from pydicom.uid import ExplicitVRLittleEndian

from .frames import check_frame, dataset_name, number_of_frames
from .checks import check_decoder, check_pixel_data, decoding
from .pipeline import to_display

_YBR = ("YBR_FULL", "YBR_FULL_422")  # converted to RGB by pydicom's decoders, or here
_JPEG_2000_YBR = ("YBR_ICT", "YBR_RCT")  # undone by every JPEG 2000 decoder
_CONVERTED = ("RGB", "PALETTE COLOR", *_YBR, *_JPEG_2000_YBR)


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


def _little_endian_palette(ds: Dataset) -> Dataset:
    """`ds` itself, or for a big-endian file its palette's descriptors and (segmented or
    not) data with every 16-bit word put in little-endian order.

    The tables' data are OW: 16-bit words in the transfer syntax's byte order, swapped
    within each word when the order changes (PS3.5 6.2 and 7.3; Explicit VR Big Endian is
    PS3.5 A.3, retired). 8-bit entries are stored as 8-bit pixels would be (PS3.3
    C.7.6.3.1.5), two to a word, so a big-endian file holds them swapped in pairs, as
    pydicom itself assumes for 8-bit OW Pixel Data. pydicom 3.0.2's `apply_color_lut`
    reads plain tables (C.7.6.3.1.6) in the machine's byte order (little-endian on x86
    and ARM), whatever the file's, so a big-endian file's palette comes out nearly black;
    it reads segmented tables (C.7.9.2) in the file's order, but 8-bit ones byte by
    byte. Swapped here and marked little-endian, every kind is read right.
    """
    if ds.file_meta.TransferSyntaxUID.is_little_endian:
        return ds
    palette = Dataset()
    palette.file_meta = FileMetaDataset()
    palette.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian  # read by apply_color_lut
    for colour in ("Red", "Green", "Blue"):
        for keyword in (f"{colour}PaletteColorLookupTableDescriptor",
                        f"{colour}PaletteColorLookupTableData",
                        f"Segmented{colour}PaletteColorLookupTableData"):
            if keyword in ds:
                element = ds[keyword]
                value = element.value
                if element.VR == "OW":
                    value = np.frombuffer(value, dtype=">u2").astype("<u2").tobytes()
                palette.add_new(element.tag, element.VR, value)
    return palette


def _palette_table(ds: Dataset) -> tuple[np.ndarray, int]:
    """The palette as an 8-bit table (entries, 3) and the first pixel value it maps.

    pydicom's `apply_color_lut` reads the tables (segmented ones too; of a big-endian
    file, once swapped to little-endian); applied to the indices themselves it gives the
    table, scaled here once to 0..255, so that each pixel is one lookup into a small
    uint8 table.
    """
    bits = _check_palette(ds)
    entries, first, _ = (int(v) for v in ds.RedPaletteColorLookupTableDescriptor)
    entries = entries or 2**16  # PS3.3 C.7.6.3.1.5: 0 means 2**16 entries
    indices = np.arange(first, first + entries, dtype=np.int32 if first < 0 else np.uint16)
    rgb = apply_color_lut(indices, _little_endian_palette(ds))[:, :3]  # no alpha
    return _to_uint8(rgb, bits), first


def _photometric(ds: Dataset) -> str:
    """The file's PhotometricInterpretation; raise if it has none or one not converted."""
    photometric = str(ds.get("PhotometricInterpretation") or "").strip()
    if not photometric:
        raise ValueError(
            f"{dataset_name(ds)} has no Photometric Interpretation (0028,0004), which says "
            "how its pixel values make a picture: greyscale, RGB, YBR or palette (PS3.3 "
            "C.7.6.3.1.2; it is Type 1, required). The file is incomplete: get it again "
            "from its source or, if you know what it holds, set it and look to check, e.g. "
            "ds.PhotometricInterpretation = 'MONOCHROME2' (greyscale, low values black) "
            "for 1 sample per pixel, 'RGB' for 3 (this file: Samples per Pixel "
            f"{ds.get('SamplesPerPixel', 'missing')}).")
    if photometric not in ("MONOCHROME1", "MONOCHROME2", *_CONVERTED):
        raise ValueError(
            f"{dataset_name(ds)} has PhotometricInterpretation {photometric!r}, which "
            "to_rgb does not convert (it converts MONOCHROME1/2, RGB, YBR_FULL, "
            "YBR_FULL_422, YBR_ICT, YBR_RCT and PALETTE COLOR). Try ds.pixel_array to "
            "see what pydicom's decoder makes of it.")
    return photometric


def to_rgb(ds: Dataset, *, frame: int | None = None) -> np.ndarray:
    """The image as uint8 RGB: (rows, columns, 3), or (frames, rows, columns, 3) for
    every frame of a multi-frame file (`frame=None`); `frame` picks one.

    RGB is kept; YBR_FULL and YBR_FULL_422 are converted to RGB (by pydicom's decoder;
    checked, and converted here if the decoder did not); YBR_ICT and YBR_RCT (JPEG 2000)
    come out of the decoder as RGB (checked); PALETTE COLOR goes through its palette,
    read in the file's byte order, with 16-bit entries scaled to 0..255; greyscale goes
    through `to_display` (modality LUT, the file's window, MONOCHROME1 inverted) into
    three equal channels. Frames are decoded one at a time into the result, so the
    memory needed stays near the result's own size.
    """
    check_pixel_data(ds)
    if frame is not None:
        check_frame(ds, frame)
    photometric = _photometric(ds)
    if photometric in ("MONOCHROME1", "MONOCHROME2"):
        grey = to_display(ds, frame=frame)
        return np.repeat(grey[..., np.newaxis], 3, axis=-1)
    check_decoder(ds)
    palette = _palette_table(ds) if photometric == "PALETTE COLOR" else None
    bits = int(ds.get("BitsStored") or 8)
    frames = [frame] if frame is not None else range(number_of_frames(ds))
    decoder = get_decoder(ds.file_meta.TransferSyntaxUID)
    out = np.empty((len(frames), int(ds.Rows), int(ds.Columns), 3), dtype=np.uint8)
    with decoding(ds):  # pixel data cut short or damaged: a message that says so
        decoded_frames = enumerate(decoder.iter_array(ds, indices=frames, as_rgb=True))
        for index, (pixels, decoded) in decoded_frames:
            if palette is not None:
                table, first = palette
                np.take(table, pixels if first == 0 else pixels.astype(np.int32) - first,
                        axis=0, mode="clip", out=out[index])
                continue
            # What the decoder returned: RGB if it converted, else still the file's YBR.
            decoded_as = decoded.get("photometric_interpretation", photometric)
            if decoded_as in _YBR:
                pixels = convert_color_space(pixels, decoded_as, "RGB")
            elif decoded_as != "RGB":
                raise RuntimeError(
                    f"{dataset_name(ds)}: pydicom's decoder returned {decoded_as} pixels, "
                    "not RGB; to_rgb cannot convert those itself (pydicom's JPEG 2000 "
                    "plugins all return RGB for YBR_ICT and YBR_RCT). Update pydicom and "
                    "its plugins.")
            out[index] = _to_uint8(pixels, bits)
    return out[0] if frame is not None or number_of_frames(ds) == 1 else out
