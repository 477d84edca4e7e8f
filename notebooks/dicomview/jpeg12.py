"""Decode 12-bit JPEG Extended with GDCM: a pydicom decoder plugin for what pydicom refuses.

JPEG Extended (1.2.840.10008.1.2.4.51, Process 2 and 4) allows 12 bits per sample, and
older CT, MR and NM archives use them. pydicom 3.0.2 has three plugins for the syntax, and
only pylibjpeg-libjpeg (GPL-3.0, not in the course's lock) decodes 12 bits: its GDCM plugin
refuses any Bits Stored other than 8 (``pydicom/pixels/decoders/gdcm.py``, first lines of
``_decode_frame``) and Pillow reads 8-bit JPEG only. GDCM itself (python-gdcm, Apache-2.0,
pinned) carries the IJG library built for 12-bit samples. `decode_frame` hands each frame to
GDCM's JPEG codec, and `register` adds it to pydicom's decoder for the syntax under the
label `LABEL`; ``import dicomview`` calls `register`, so that ``ds.pixel_array`` and
``dicomview.to_display`` decode these files, in a kernel that has imported dicomview.

How close it comes (tests/test_jpeg12.py checks it against stored references, which
tests/data/make_jpeg12_references.py made; its ``--survey`` repeats the measurement): on 69
12-bit codestreams (pydicom's ``JPGExtended.dcm`` and the course's 12-bit images compressed
by libjpeg-turbo at qualities 50 to 100; 38 million pixels) GDCM's output was identical to
libjpeg-turbo's and never more than 1 from the reconstruction with the exact inverse DCT of
ITU-T T.81 A.3.3 (3.4 % of pixels off by 1). pylibjpeg-libjpeg, pydicom's plugin, was up to
3 from it (3.3 % of pixels), so the two decoders differ by up to 4 (4.6 %; on
``JPGExtended.dcm`` by 1, on 1.4 % of pixels). JPEG Extended is lossy, and T.81 leaves the
inverse DCT's arithmetic to each decoder ("with appropriate accuracy"): correct decoders need
not agree to the last bit. (IJG's 12-bit integer IDCT, which GDCM and libjpeg-turbo share,
keeps one bit less in its first pass: ``PASS1_BITS 1``, "lose a little precision to avoid
overflow".)

What is left to pydicom: the samples come back as the JPEG holds them, 0 to 4095 in 16-bit
words, and pydicom's own post-processing for JPEG (``correct_unused_bits``, on by default)
keeps the low Bits Stored bits and, when Pixel Representation is 1, extends the sign, as it
does for pylibjpeg-libjpeg's output. Frames are decoded one at a time by pydicom's runner.
Only one-component (greyscale), sequential Huffman-coded JPEG with 12-bit samples is taken;
anything else raises, so that pydicom's other plugins, or its error message, take over.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydicom.pixels import get_decoder
from pydicom.uid import JPEGExtended12Bit

try:
    import gdcm
except ImportError:  # pydicom then lists what the plugin needs (DECODER_DEPENDENCIES)
    gdcm = None

if TYPE_CHECKING:
    from pydicom.pixels.decoders.base import DecodeRunner

#: The plugin's name among pydicom's decoders for JPEG Extended (``available_plugins``).
LABEL = "dicomview-gdcm"
#: What pydicom reports as missing when GDCM is not installed (the form pydicom uses).
DECODER_DEPENDENCIES = {JPEGExtended12Bit: ("gdcm>=3.0.10",)}
_MINIMUM_GDCM = (3, 0, 10)  # as pydicom's own GDCM plugin; tested with python-gdcm 3.2.6

# Start-of-frame markers (T.81 Table B.1) of the processes GDCM's IJG library decodes at 12
# bits: baseline and extended sequential DCT, Huffman-coded. The other SOFn are
# progressive, lossless, hierarchical or arithmetic-coded.
_SEQUENTIAL_HUFFMAN = {0xC0, 0xC1}
_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_NO_LENGTH = {0x01, *range(0xD0, 0xD8)}  # TEM and RSTn stand alone


def gdcm_version() -> tuple[int, ...] | None:
    """GDCM's version as numbers, or None when python-gdcm is not installed."""
    if gdcm is None:
        return None
    return tuple(int(part) for part in gdcm.Version.GetVersion().split(".")[:3])


def is_available(uid: str) -> bool:
    """Whether this plugin can decode `uid` here (pydicom's plugin interface)."""
    version = gdcm_version()
    return uid == JPEGExtended12Bit and version is not None and version >= _MINIMUM_GDCM


def frame_header(src: bytes) -> dict[str, int]:
    """The start-of-frame fields of a JPEG codestream: its SOF marker, sample precision,
    lines, samples per line and number of components (T.81 B.2.2)."""
    if src[:2] != b"\xff\xd8":
        raise ValueError("the frame does not start with a JPEG SOI marker (FFD8)")
    offset = 2
    while offset + 4 <= len(src):
        if src[offset] != 0xFF:
            raise ValueError(f"no JPEG marker at byte {offset} before the start of frame")
        marker = src[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker in _NO_LENGTH:
            offset += 2
            continue
        length = int.from_bytes(src[offset + 2:offset + 4], "big")
        if marker in _SOF:
            if offset + 10 > len(src):
                break
            return {
                "marker": marker,
                "precision": src[offset + 4],
                "rows": int.from_bytes(src[offset + 5:offset + 7], "big"),
                "columns": int.from_bytes(src[offset + 7:offset + 9], "big"),
                "components": src[offset + 9],
            }
        if marker in (0xD9, 0xDA):  # EOI or a scan before any frame header
            break
        offset += 2 + length
    raise ValueError("the JPEG codestream has no start-of-frame (SOFn) marker")


def decode_frame(src: bytes, runner: DecodeRunner) -> bytes:
    """Decode one frame of 12-bit JPEG Extended with GDCM (pydicom's plugin interface).

    Returns the frame's samples as 16-bit words, 0 to 4095, in the machine's byte order;
    pydicom keeps the low Bits Stored bits and extends the sign. Raises ValueError for what
    this plugin leaves to others (8-bit JPEG, colour, other JPEG processes) and
    RuntimeError when GDCM cannot decode the data.
    """
    if runner.transfer_syntax != JPEGExtended12Bit:
        raise ValueError(f"{LABEL} decodes only JPEG Extended (1.2.840.10008.1.2.4.51)")
    src = bytes(src)
    header = frame_header(src)
    if header["precision"] != 12:
        raise ValueError(
            f"{LABEL} decodes 12-bit JPEG only; this frame's JPEG sample precision is "
            f"{header['precision']} (pydicom's gdcm and pillow plugins decode 8-bit JPEG)"
        )
    if header["marker"] not in _SEQUENTIAL_HUFFMAN:
        raise ValueError(
            f"{LABEL} decodes sequential Huffman-coded JPEG (SOF0 or SOF1); this frame's "
            f"start-of-frame marker is FF{header['marker']:02X}, another JPEG process"
        )
    if header["components"] != 1 or runner.samples_per_pixel != 1:
        raise ValueError(
            f"{LABEL} decodes greyscale (one-component) JPEG only; this frame has "
            f"{header['components']} components and Samples per Pixel is "
            f"{runner.samples_per_pixel}"
        )
    if (header["rows"], header["columns"]) != (runner.rows, runner.columns):
        raise ValueError(
            f"the JPEG frame is {header['rows']} x {header['columns']} but the dataset says "
            f"Rows {runner.rows}, Columns {runner.columns}"
        )

    fragment = gdcm.Fragment()
    fragment.SetByteStringValue(src)
    fragments = gdcm.SequenceOfFragments.New()
    fragments.AddFragment(fragment)
    encoded = gdcm.DataElement(gdcm.Tag(0x7FE0, 0x0010))
    encoded.SetValue(fragments.__ref__())

    codec = gdcm.JPEGCodec()
    codec.SetNumberOfDimensions(2)
    codec.SetDimensions((runner.columns, runner.rows, 1))
    codec.SetPhotometricInterpretation(
        gdcm.PhotometricInterpretation(gdcm.PhotometricInterpretation.MONOCHROME2)
    )
    # GDCM picks its 8-, 12- or 16-bit IJG library by Bits Allocated. Saying 12 starts with
    # the 12-bit one; with 16 it tries the 16-bit one first, which prints "Unsupported JPEG
    # data precision 12" on the process's standard error before retrying. Unsigned: the
    # sign is pydicom's to restore, as for every JPEG plugin.
    codec.SetPixelFormat(gdcm.PixelFormat(1, 12, 12, 11, 0))
    decoded = gdcm.DataElement()
    if not codec.Decode(encoded, decoded):
        raise RuntimeError("GDCM could not decode this 12-bit JPEG frame (damaged data?)")
    # GDCM returns char* as str: encode it back to the bytes it was
    frame = decoded.GetByteValue().GetBuffer().encode("utf-8", "surrogateescape")
    expected = runner.rows * runner.columns * 2
    if len(frame) != expected:
        raise RuntimeError(
            f"GDCM decoded {len(frame)} bytes where {runner.rows} x {runner.columns} 12-bit "
            f"samples need {expected}: the JPEG data is cut short or damaged"
        )
    return frame


def is_registered() -> bool:
    """Whether pydicom's JPEG Extended decoder has this plugin, available to decode."""
    return LABEL in get_decoder(JPEGExtended12Bit).available_plugins


def register() -> bool:
    """Add this plugin to pydicom's JPEG Extended decoder, once; say whether it can decode.

    pydicom tries its own plugins first (GDCM, pylibjpeg, Pillow) and this one last, so a
    file pydicom decodes by itself is decoded as before. Without GDCM the plugin is listed
    among the missing ones, with what it needs.
    """
    decoder = get_decoder(JPEGExtended12Bit)
    try:
        decoder.add_plugin(LABEL, (__name__, "decode_frame"))
    except ValueError as error:  # registered already: dicomview imported again or reloaded
        if "already has a plugin named" not in str(error):
            raise
    return is_registered()
