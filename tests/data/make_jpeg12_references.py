"""Make the 12-bit JPEG Extended files and reference pixels that tests/test_jpeg12.py needs.

dicomview decodes 12-bit JPEG Extended (1.2.840.10008.1.2.4.51) with GDCM
(notebooks/dicomview/jpeg12.py). The tests compare what it decodes with two references
stored in ``jpeg12_references.npz``, made here for each file:

* ``<key>_libjpeg``, stored as ``<key>_libjpeg_minus_exact`` (int8, so the file stays
  small: the libjpeg reference is ``<key>_exact + <key>_libjpeg_minus_exact``): what
  pydicom 3.0.2 decodes with its own plugin for the syntax,
  pylibjpeg 2.1.0 with pylibjpeg-libjpeg 2.5.0 (libjpeg 1.66 by Thomas Richter; GPL-3.0,
  which is why it is not in the course's lock: it is used here once, in a throwaway
  environment, and only its output, the image's pixels, is stored);
* ``<key>_exact``: the reconstruction ITU-T T.81 defines, made by this script: the frame's
  quantized DCT coefficients read from its Huffman-coded scan (`read_coefficients`),
  multiplied by the quantization table, put through the inverse DCT of T.81 A.3.3 in double
  precision, level-shifted by 2048, rounded and clamped to 0..4095 (`exact_frame`).
  T.81 leaves the IDCT's arithmetic to each decoder ("with appropriate accuracy"), so a
  correct decoder may differ from this by a rounding step; the tests allow 1.

Each array is what ``ds.pixel_array`` gives (pydicom keeps the low Bits Stored bits and
extends the sign where Pixel Representation is 1), and ``<key>_pixel_data_sha256`` records
the encapsulated Pixel Data it was decoded from.

The files (keys):

* ``jpgextended``: ``JPGExtended.dcm`` from pydicom 3.0.2's test files (MIT; NM1_JPLY of
  the NEMA WG04 compression test set, a whole-body bone scan, 1024 x 256, 12 bits
  stored, JPEG made by the test set's encoder). Not copied here: the tests read it from the
  pydicom wheel. ``data/nm_jpeg_extended_12bit.dcm`` is its de-identified copy with the
  same Pixel Data bytes, so the same reference serves both.
* ``mr_multiframe``: ``tests/data/mr_multiframe_jpeg12.dcm``, made here from
  ``data/head_mr_multiframe.dcm`` (emri_small.dcm of pydicom-data 1.0.0, MIT; Enhanced MR,
  10 frames of 64 x 64, 12 bits stored, unsigned), each frame compressed as 12-bit JPEG
  Extended (SOF1) at quality 90 by libjpeg-turbo 3.1.3 through imagecodecs 2026.3.6
  (BSD-3-Clause), an encoder independent of GDCM's.
* ``ct_signed``: ``tests/data/ct_small_signed_jpeg12.dcm``, made here from
  ``data/ct_small.dcm`` (CT_small.dcm of pydicom 3.0.2, MIT; NEMA WG04 CT1, 128 x 128):
  its stored values minus 1024, i.e. Hounsfield units -896 to 1167, stored signed
  (Pixel Representation 1, Bits Stored 12, Rescale Intercept 0), their 12-bit two's
  complement compressed by libjpeg-turbo as above at quality 90. Signed 12-bit data puts
  -1 (4095 in the JPEG) next to 0: the hardest case for a lossy JPEG.

Run it in a throwaway environment, never in the course's (pylibjpeg-libjpeg is GPL-3.0),
from the repository root:

    python3.12 -m venv /tmp/jpeg12ref
    /tmp/jpeg12ref/bin/pip install pydicom==3.0.2 pylibjpeg==2.1.0 \\
        pylibjpeg-libjpeg==2.5.0 imagecodecs==2026.3.6 numpy
    /tmp/jpeg12ref/bin/python tests/data/make_jpeg12_references.py

The output is deterministic (the same bytes every run with these versions).

With ``--survey`` (and ``python-gdcm==3.2.6`` installed there too) it writes nothing and
prints the measurement behind the figures in notebooks/dicomview/jpeg12.py: the course's
12-bit images, each compressed by libjpeg-turbo at qualities 50, 75, 90 and 100, decoded by
dicomview's GDCM plugin, pylibjpeg-libjpeg and libjpeg-turbo, and reconstructed exactly
(it takes a few minutes: the exact reconstruction is plain Python).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import imagecodecs
import numpy as np
import pydicom
from pydicom import uid
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate, generate_frames

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "data"
WHEEL = Path(pydicom.__file__).parent / "data" / "test_files"
QUALITY = 90

# --- the exact reconstruction (T.81 Annex A.3.3, F.2) ------------------------------------

# Zig-zag order (T.81 Figure A.6): ZIGZAG[k] is the natural (row * 8 + column) index of the
# k-th coefficient in the scan.
ZIGZAG = np.array([
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34,
    27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44,
    51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63])


def read_coefficients(data: bytes) -> tuple[int, int, int, np.ndarray, np.ndarray]:
    """Precision, rows, columns, the quantized coefficients (blocks x 64, zig-zag order)
    and the quantization table (zig-zag order) of a one-component, sequential, Huffman-coded
    JPEG (SOF0 or SOF1): T.81 Annex B (syntax) and F.2 (decoding)."""
    assert data[:2] == b"\xff\xd8", "no SOI"
    tables, huffman, restart, frame, offset = {}, {}, 0, None, 2
    while True:
        while data[offset] == 0xFF and data[offset + 1] == 0xFF:
            offset += 1
        marker = data[offset + 1]
        length = int.from_bytes(data[offset + 2:offset + 4], "big")
        segment = data[offset + 4:offset + 2 + length]
        offset += 2 + length
        if marker == 0xDB:  # DQT: 8- or 16-bit entries
            i = 0
            while i < len(segment):
                wide, slot = segment[i] >> 4, segment[i] & 15
                size = 128 if wide else 64
                raw = segment[i + 1:i + 1 + size]
                tables[slot] = np.frombuffer(raw, ">u2" if wide else np.uint8).astype(np.int64)
                i += 1 + size
        elif marker == 0xC4:  # DHT: codes assigned as in T.81 Annex C
            i = 0
            while i < len(segment):
                kind, slot = segment[i] >> 4, segment[i] & 15
                counts = segment[i + 1:i + 17]
                values = segment[i + 17:i + 17 + sum(counts)]
                code, k, table = 0, 0, {}
                for bits in range(1, 17):
                    for _ in range(counts[bits - 1]):
                        table[(bits, code)] = values[k]
                        code, k = code + 1, k + 1
                    code <<= 1
                huffman[(kind, slot)] = table
                i += 17 + sum(counts)
        elif marker in (0xC0, 0xC1):
            assert segment[5] == 1, "one component only"
            frame = (segment[0], int.from_bytes(segment[1:3], "big"),
                     int.from_bytes(segment[3:5], "big"), segment[8])
        elif marker == 0xDD:
            restart = int.from_bytes(segment[:2], "big")
        elif marker == 0xDA:
            dc_table, ac_table = huffman[(0, segment[2] >> 4)], huffman[(1, segment[2] & 15)]
            break
        elif 0xC2 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            raise ValueError(f"SOF FF{marker:02X}: not sequential Huffman")
    precision, rows, columns, table_slot = frame

    # The entropy-coded data, unstuffed (FF00 -> FF), cut at each restart marker
    intervals, current, i = [], bytearray(), offset
    while i < len(data):
        if data[i] != 0xFF:
            current.append(data[i])
            i += 1
        elif data[i + 1] == 0x00:
            current.append(0xFF)
            i += 2
        elif 0xD0 <= data[i + 1] <= 0xD7:
            intervals.append(bytes(current))
            current, i = bytearray(), i + 2
        else:
            break  # EOI
    intervals.append(bytes(current))

    blocks = ((rows + 7) // 8) * ((columns + 7) // 8)
    coefficients = np.zeros((blocks, 64), np.int64)
    per_interval = restart or blocks
    block = 0
    for interval in intervals:
        bits = np.unpackbits(np.frombuffer(interval, np.uint8)).tolist()
        position = 0

        def decode(table: dict) -> int:
            nonlocal position
            code = 0
            for length in range(1, 17):
                code = (code << 1) | bits[position]
                position += 1
                if (length, code) in table:
                    return table[(length, code)]
            raise ValueError("invalid Huffman code")

        def receive_extend(size: int) -> int:  # T.81 F.2.2.1
            nonlocal position
            value = 0
            for _ in range(size):
                value = (value << 1) | bits[position]
                position += 1
            return value - (1 << size) + 1 if size and value < 1 << (size - 1) else value

        predictor = 0
        for _ in range(per_interval):
            if block == blocks:
                break
            predictor += receive_extend(decode(dc_table))
            coefficients[block, 0] = predictor
            k = 1
            while k < 64:
                run_size = decode(ac_table)
                run, size = run_size >> 4, run_size & 15
                if size == 0:
                    if run != 15:
                        break  # end of block
                    k += 16
                    continue
                k += run
                coefficients[block, k] = receive_extend(size)
                k += 1
            block += 1
    return precision, rows, columns, coefficients, tables[table_slot]


def exact_frame(data: bytes) -> np.ndarray:
    """The frame reconstructed with the exact inverse DCT (T.81 A.3.3), rounded to the
    nearest integer and clamped to the sample range, as uint16."""
    precision, rows, columns, coefficients, table = read_coefficients(data)
    natural = np.zeros(coefficients.shape)
    natural[:, ZIGZAG] = coefficients * table
    u = np.arange(8)
    scale = np.where(u == 0, 1 / np.sqrt(2), 1.0)
    basis = scale[None, :] / 2 * np.cos((2 * u[:, None] + 1) * u[None, :] * np.pi / 16)
    samples = np.einsum("xu,nuv,yv->nxy", basis, natural.reshape(-1, 8, 8), basis)
    samples = np.clip(np.floor(samples + (1 << (precision - 1)) + 0.5), 0, (1 << precision) - 1)
    down, across = (rows + 7) // 8, (columns + 7) // 8
    image = samples.reshape(down, across, 8, 8).transpose(0, 2, 1, 3)
    return image.reshape(down * 8, across * 8)[:rows, :columns].astype(np.uint16)


def as_pixel_array(samples: np.ndarray, ds: Dataset) -> np.ndarray:
    """12-bit samples as pydicom returns them: the low Bits Stored bits, sign extended
    where Pixel Representation is 1."""
    unused = 16 - ds.BitsStored
    if ds.PixelRepresentation:
        return (samples.astype(np.int16) << unused) >> unused
    return (samples << unused) >> unused


# --- the files ------------------------------------------------------------------------


def compressed_twin(source: Dataset, pixels: np.ndarray, name: str) -> Dataset:
    """`source` with `pixels` (frames, rows, columns) as 12-bit JPEG Extended at QUALITY,
    marked lossy and derived, with a new deterministic SOP Instance UID."""
    frames = [imagecodecs.jpeg8_encode(frame, level=QUALITY, bitspersample=12)
              for frame in pixels]
    ds = source.copy()
    ds.file_meta.TransferSyntaxUID = uid.JPEGExtended12Bit
    ds.SOPInstanceUID = uid.generate_uid(entropy_srcs=[name, source.SOPInstanceUID])
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.PixelData = encapsulate(frames, has_bot=len(frames) > 1)
    ds["PixelData"].VR = "OB"
    ds.ImageType = ["DERIVED", *list(source.ImageType)[1:]]
    ds.LossyImageCompression = "01"
    ds.LossyImageCompressionRatio = f"{pixels.size * 2 / sum(map(len, frames)):.2f}"
    ds.LossyImageCompressionMethod = "ISO_10918_1"
    ds.ImageComments = (f"{source.filename.split('/')[-1]} as 12-bit JPEG Extended (libjpeg-turbo,"
                        f" quality {QUALITY}), made by tests/data/make_jpeg12_references.py")
    return ds


def mr_multiframe() -> Dataset:
    source = pydicom.dcmread(DATA / "head_mr_multiframe.dcm")
    assert source.BitsStored == 12 and source.PixelRepresentation == 0
    return compressed_twin(source, source.pixel_array, "mr_multiframe_jpeg12.dcm")


def ct_signed() -> Dataset:
    source = pydicom.dcmread(DATA / "ct_small.dcm")
    hounsfield = source.pixel_array.astype(np.int32) - 1024
    assert -2048 <= hounsfield.min() and hounsfield.max() <= 2047
    ds = compressed_twin(source, (hounsfield & 0xFFF).astype(np.uint16)[None],
                         "ct_small_signed_jpeg12.dcm")
    ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 12, 11, 1
    ds.RescaleIntercept = 0
    for keyword in ("SmallestImagePixelValue", "LargestImagePixelValue"):
        if keyword in ds:
            del ds[keyword]
    return ds


def references(key: str, ds: Dataset) -> dict[str, np.ndarray]:
    frames = list(generate_frames(ds.PixelData, number_of_frames=int(ds.get("NumberOfFrames", 1))))
    exact = as_pixel_array(np.stack([exact_frame(frame) for frame in frames]), ds)
    ds.pixel_array_options(decoding_plugin="pylibjpeg")
    libjpeg = ds.pixel_array
    exact = exact.reshape(libjpeg.shape)
    assert exact.dtype == libjpeg.dtype
    difference = np.abs(exact.astype(np.int32) - libjpeg)
    print(f"{key}: {libjpeg.shape} {libjpeg.dtype} {libjpeg.min()}..{libjpeg.max()}; "
          f"libjpeg - exact: max {difference.max()}, {np.mean(difference > 0):.2%} of pixels")
    return {f"{key}_exact": exact,
            f"{key}_libjpeg_minus_exact": (libjpeg.astype(np.int32) - exact).astype(np.int8),
            f"{key}_pixel_data_sha256": np.array(hashlib.sha256(ds.PixelData).hexdigest())}


# --- the survey behind dicomview/jpeg12.py's figures (--survey) --------------------------


def survey_images() -> dict[str, np.ndarray]:
    """12-bit images from the course's data (each frame of the multi-frame MR apart)."""
    def pixels(name: str) -> np.ndarray:
        return pydicom.dcmread(DATA / name).pixel_array

    rng = np.random.default_rng(1)
    rows, columns = np.mgrid[:256, :256]
    synthetic = (2048 + 2047 * np.sin(columns / 9) * np.cos(rows / 13)
                 + rng.normal(0, 300, (256, 256)))
    synthetic[40:80, 40:200], synthetic[120:160, 40:200] = 4095, 0
    head_ct = pixels("head_ct.dcm").astype(np.int32)
    images = {
        "chest CR, 15 bits >> 3": pixels("chest_cr.dcm") >> 3,
        "head CT + 1024, clipped to 0..4095": np.clip(head_ct + 1024, 0, 4095),
        "head CT signed, clipped to -2048..2047": np.clip(head_ct, -2048, 2047) & 0xFFF,
        "CT small, HU signed": (pixels("ct_small.dcm").astype(np.int32) - 1024) & 0xFFF,
        "shoulder MR": pixels("shoulder_mr.dcm"),
        "dental DX phantom": pixels("dental_dx_phantom.dcm"),
        "synthetic, full range with edges": np.clip(synthetic, 0, 4095),
    }
    for k, frame in enumerate(pixels("head_mr_multiframe.dcm")):
        images[f"head MR frame {k}"] = frame
    return {name: image.astype(np.uint16) for name, image in images.items()}


def survey() -> None:
    """Each image compressed by libjpeg-turbo at qualities 50, 75, 90 and 100, decoded by
    dicomview's GDCM plugin, by pylibjpeg-libjpeg and by libjpeg-turbo, and reconstructed
    exactly; prints the largest difference and the share of pixels that differ, per image
    and over all. Needs python-gdcm==3.2.6 in the throwaway environment as well."""
    import gdcm  # noqa: F401  (the plugin needs it; fail early if missing)

    sys.path.insert(0, str(HERE.parents[1] / "notebooks"))
    from dicomview import jpeg12

    def stats(a: np.ndarray, b: np.ndarray) -> tuple[int, int]:
        difference = np.abs(a.astype(np.int32) - b)
        return int(difference.max()), int(np.count_nonzero(difference))

    pairs = ("GDCM - exact", "libjpeg - exact", "GDCM - libjpeg", "GDCM - libjpeg-turbo")
    totals = {pair: [0, 0] for pair in pairs}
    pixels_total = 0
    sources = [("JPGExtended.dcm (NEMA's encoder)", None, next(generate_frames(
        pydicom.dcmread(WHEEL / "JPGExtended.dcm").PixelData, number_of_frames=1)))]
    for name, image in survey_images().items():
        for quality in (50, 75, 90, 100):
            sources.append((name, quality, imagecodecs.jpeg8_encode(
                image, level=quality, bitspersample=12)))
    for name, quality, frame in sources:
        exact = exact_frame(frame)
        ds = Dataset()
        ds.file_meta = pydicom.dataset.FileMetaDataset()
        ds.file_meta.TransferSyntaxUID = uid.JPEGExtended12Bit
        ds.Rows, ds.Columns = exact.shape
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.PixelData = encapsulate([frame])
        decoded = {plugin: pydicom.pixels.pixel_array(ds, decoding_plugin=plugin)
                   for plugin in (jpeg12.LABEL, "pylibjpeg")}
        turbo = imagecodecs.jpeg8_decode(frame)
        figures = dict(zip(pairs, (stats(decoded[jpeg12.LABEL], exact),
                                   stats(decoded["pylibjpeg"], exact),
                                   stats(decoded[jpeg12.LABEL], decoded["pylibjpeg"]),
                                   stats(decoded[jpeg12.LABEL], turbo))))
        pixels_total += exact.size
        for pair, (largest, count) in figures.items():
            totals[pair] = [max(totals[pair][0], largest), totals[pair][1] + count]
        print(f"{name[:38]:38} q{quality or '-':<4} {exact.size:>8} px  " + "  ".join(
            f"{pair} {largest} ({count / exact.size:.2%})"
            for pair, (largest, count) in figures.items()), flush=True)
    print(f"all {len(sources)} codestreams, {pixels_total} pixels:")
    for pair, (largest, count) in totals.items():
        print(f"  {pair}: largest {largest}, {count / pixels_total:.2%} of pixels differ")


def main() -> None:
    if "--survey" in sys.argv[1:]:
        survey()
        return
    arrays = references("jpgextended", pydicom.dcmread(WHEEL / "JPGExtended.dcm"))
    for key, name, make in (("mr_multiframe", "mr_multiframe_jpeg12.dcm", mr_multiframe),
                            ("ct_signed", "ct_small_signed_jpeg12.dcm", ct_signed)):
        ds = make()
        ds.save_as(HERE / name, enforce_file_format=True)
        print(f"wrote {name}: {(HERE / name).stat().st_size} bytes")
        arrays |= references(key, pydicom.dcmread(HERE / name))
    np.savez_compressed(HERE / "jpeg12_references.npz", **arrays)
    print(f"wrote jpeg12_references.npz: {(HERE / 'jpeg12_references.npz').stat().st_size} bytes")


if __name__ == "__main__":
    main()
