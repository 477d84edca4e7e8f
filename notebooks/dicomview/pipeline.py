"""The display pipeline: stored values -> modality LUT -> VOI -> MONOCHROME1 inversion -> 8 bits.

Everything here works on numpy arrays and pydicom datasets; no widgets, no Matplotlib.
The formulas are those of DICOM PS3.3 C.11.1 (modality LUT) and C.11.2 (VOI LUT),
with the output range fixed to 0..255 so that 255 is white.

Large images are processed in blocks of rows through one small float32 buffer, so that
`to_display` needs little memory beyond the decoded pixels and the 8-bit result.
"""

from __future__ import annotations

import math

import numpy as np
from pydicom.dataset import Dataset

from .checks import check_decoder, check_greyscale, decoding
from .frames import check_frame, dataset_name, frame_attributes, has_functional_groups, number_of_frames
from .windows import file_windows, usable_windows, voi_function, window_problem

# Pixels per block when a whole image is processed: at most 256 kB of float32 scratch,
# and at most an eighth of the image, so that small images stay small too.
_BLOCK_PIXELS = 1 << 16


def stored_values(ds: Dataset, *, frame: int | None = None) -> np.ndarray:
    """The decoded stored values (`ds.pixel_array`, or one frame of it), after checks.

    Raises a clear error for a file without pixel data, a colour image, a missing
    decoder, or a frame index out of range. The array is pydicom's own (not a copy).
    """
    check_greyscale(ds)
    check_decoder(ds)
    if frame is not None:
        check_frame(ds, frame)
    with decoding(ds):
        pixels = ds.pixel_array
    if number_of_frames(ds) > 1 and frame is not None:
        return pixels[frame]
    return pixels


def _pieces(ds: Dataset, stored: np.ndarray, frame: int | None) -> list[tuple[object, Dataset]]:
    """(index into `stored` and its result, the attributes that apply to that part).

    One piece for the whole of `stored`, except in an enhanced multi-frame file read
    whole: there each frame has its own rescale and window (functional groups, PS3.3
    C.7.6.16), so each frame is a piece with its own `frame_attributes`.
    """
    if not has_functional_groups(ds):
        return [(..., ds)]
    if frame is None and stored.ndim == 3:
        return [(k, frame_attributes(ds, k)) for k in range(len(stored))]
    return [(..., frame_attributes(ds, frame or 0))]


def lut_descriptor(descriptor) -> tuple[int, int, int]:
    """A LUT Descriptor's three numbers: entries, first value mapped, bits per entry.

    0 entries means 2**16 (PS3.3 C.11.1.1.1 for modality and VOI LUTs, C.7.6.3.1.5 for
    palettes): the count has only 16 bits, so 65536 cannot be written.
    """
    entries, first, bits = (int(v) for v in descriptor)
    return entries or 2**16, first, bits


def _lut_table(item: Dataset) -> tuple[np.ndarray, int, int]:
    """A LUT item (Modality or VOI LUT Sequence) as (table, first mapped value, bits)."""
    entries, first, bits = lut_descriptor(item.LUTDescriptor)
    data = item.LUTData
    if isinstance(data, bytes):  # OW: 16-bit words, little endian
        table = np.frombuffer(data, dtype="<u2")
    else:
        table = np.asarray(data).reshape(-1)  # US: a list of numbers (or one number)
    return table[:entries].astype(np.float32), first, bits


def _lookup(values: np.ndarray, table: np.ndarray, first: int, out: np.ndarray) -> None:
    """out = table[value - first], values before the table taking its first entry and
    values past it its last (PS3.3 C.11.1.1.1, C.11.2.1.1)."""
    index = np.rint(values - first) if values.dtype.kind == "f" else values - np.int64(first)
    np.clip(index, 0, len(table) - 1, out=index)
    np.take(table, index.astype(np.intp, copy=False), out=out)


def apply_modality(stored: np.ndarray, ds: Dataset, out: np.ndarray) -> None:
    """Write the modality LUT's output for `stored` into the float32 array `out`."""
    sequence = ds.get("ModalityLUTSequence")
    if sequence:
        table, first, _ = _lut_table(sequence[0])
        _lookup(stored, table, first, out)
        return
    np.copyto(out, stored)
    slope = float(ds.get("RescaleSlope") or 1.0)
    intercept = float(ds.get("RescaleIntercept") or 0.0)
    if slope != 1.0:
        out *= slope
    if intercept != 0.0:
        out += intercept


def _row_blocks(rows: int, columns: int) -> range:
    """Start rows of the blocks of rows that an image of this shape is processed in."""
    pixels = min(_BLOCK_PIXELS, rows * columns // 8)
    return range(0, rows, max(1, pixels // columns))


def modality_values(ds: Dataset, *, frame: int | None = None) -> np.ndarray:
    """Stored values after the modality LUT, as float32: Hounsfield units for CT.

    Applies RescaleSlope/RescaleIntercept, or a Modality LUT Sequence when the file has
    one; in an enhanced multi-frame file, each frame's own from its functional groups.
    For a multi-frame file, `frame=None` gives every frame (frames, rows, columns).
    """
    stored = stored_values(ds, frame=frame)
    out = np.empty(stored.shape, dtype=np.float32)
    for index, attributes in _pieces(ds, stored, frame):
        piece = stored[index]
        flat_in, flat_out = piece.reshape(-1, piece.shape[-1]), out[index].reshape(-1, piece.shape[-1])
        blocks = _row_blocks(*flat_in.shape)
        for start in blocks:
            rows = slice(start, start + blocks.step)
            apply_modality(flat_in[rows], attributes, flat_out[rows])
    return out


def check_window(width: float, function: str = "LINEAR") -> None:
    """Raise ValueError unless `function` is a VOI LUT function and `width` suits it."""
    problem = window_problem(width, function)
    if problem:
        raise ValueError(problem)


def apply_window(
    values: np.ndarray,
    center: float,
    width: float,
    function: str = "LINEAR",
    *,
    invert: bool = False,
    out: np.ndarray | None = None,
    scratch: np.ndarray | None = None,
) -> np.ndarray:
    """Window float32 `values` into 8-bit grey (0..255, 255 = white) by PS3.3 C.11.2.1.

    LINEAR (C.11.2.1.2.1): y = ((x - (c - 0.5)) / (w - 1) + 0.5) * 255, below the window 0,
    above it 255; width 1 is a threshold at c - 0.5. LINEAR_EXACT (C.11.2.1.3.2):
    y = ((x - c) / w + 0.5) * 255, clipped likewise. SIGMOID (C.11.2.1.3.1):
    y = 255 / (1 + exp(-4 (x - c) / w)). Then y is rounded, and inverted (255 - y) if
    `invert` (MONOCHROME1). `out` (uint8) and `scratch` (float32, may be `values`
    itself) are used when given, so that repeated calls allocate nothing.
    """
    check_window(width, function)
    if out is None:
        out = np.empty(values.shape, dtype=np.uint8)
    if scratch is None:
        scratch = np.empty(values.shape, dtype=np.float32)
    if function == "LINEAR" and width == 1:
        np.multiply(values > center - 0.5, 255, out=out, casting="unsafe")
    elif function == "SIGMOID":
        np.subtract(values, center, out=scratch)
        scratch *= -4.0 / width
        with np.errstate(over="ignore"):
            np.exp(scratch, out=scratch)
        scratch += 1.0
        np.divide(255.0, scratch, out=scratch)
        scratch += 0.5  # round half up when truncated to uint8 below
        np.minimum(scratch, 255.0, out=scratch)
        np.copyto(out, scratch, casting="unsafe")
    else:
        if function == "LINEAR":
            low, span = center - 0.5 - (width - 1) / 2, width - 1
        else:  # LINEAR_EXACT
            low, span = center - width / 2, width
        # y + 0.5 (to round when truncated to uint8 below) = (x - low + 0.5 / scale) * scale
        scale = 255.0 / span
        np.subtract(values, low - 0.5 / scale, out=scratch)
        scratch *= scale
        np.clip(scratch, 0.0, 255.0, out=scratch)
        np.copyto(out, scratch, casting="unsafe")
    if invert:
        np.subtract(255, out, out=out)
    return out


def _apply_voi_lut_item(
    values: np.ndarray, item: Dataset, out: np.ndarray, scratch: np.ndarray
) -> None:
    """Map `values` through a VOI LUT Sequence item, its output range scaled to 0..255."""
    table, first, bits = _lut_table(item)
    table = np.rint(table * (255.0 / (2**bits - 1)))
    _lookup(values, table, first, scratch)
    np.copyto(out, scratch, casting="unsafe")


def padding_values(ds: Dataset, stored: np.ndarray | None = None) -> tuple[int, int] | None:
    """The stored values that mark padding, as an inclusive (low, high), or None.

    Pixel Padding Value (0028,0120), with Pixel Padding Range Limit (0028,0121) when
    present, marks pixels outside the image proper, such as the corners outside a CT's
    reconstructed circle; the standard puts it outside the range of the image's own
    values (PS3.3 C.7.5.1.1.2): below them for MONOCHROME2, above them for MONOCHROME1.
    After lossy compression (Lossy Image Compression "01", PS3.3 C.7.6.1.1.5) the padding
    is no longer one exact value: it is smeared both ways. The values beyond it (which the
    image's own values never reach) show how far on that side; on the other side dicomview
    assumes the same distance (an assumption, not a measurement), so given `stored`, the
    range is widened by as much there.
    """
    if ds.get("PixelPaddingValue") is None:
        return None
    value = int(ds.PixelPaddingValue)
    limit = ds.get("PixelPaddingRangeLimit")
    low, high = sorted((value, value if limit is None else int(limit)))
    lossy = str(ds.get("LossyImageCompression") or "").strip() == "01"
    if lossy and stored is not None:
        if str(ds.get("PhotometricInterpretation", "")).strip() == "MONOCHROME1":
            top = int(stored.max())
            low, high = low - max(0, top - high), max(high, top)
        else:
            bottom = int(stored.min())
            low, high = min(low, bottom), high + max(0, low - bottom)
    return low, high


def _stored_range(stored: np.ndarray, ds: Dataset) -> tuple[int, int]:
    """Lowest and highest stored value, padding left out (all of it if all is padding)."""
    padding = padding_values(ds, stored)
    if padding is not None:
        kept = stored[(stored < padding[0]) | (stored > padding[1])]
        if kept.size:
            return kept.min(), kept.max()
    return stored.min(), stored.max()


def _value_range(stored: np.ndarray, ds: Dataset) -> tuple[float, float]:
    """Lowest and highest modality value in `stored`, padding left out, without a
    full-size float temporary."""
    ends = np.array(_stored_range(stored, ds))
    sequence = ds.get("ModalityLUTSequence")
    if sequence:
        table, first, _ = _lut_table(sequence[0])
        low, high = np.clip(ends.astype(np.int64) - first, 0, len(table) - 1)
        used = table[low : high + 1]
        return float(used.min()), float(used.max())
    mapped = np.empty(2, dtype=np.float32)
    apply_modality(ends, ds, mapped)
    return float(mapped.min()), float(mapped.max())


def value_range(ds: Dataset, *, frame: int | None = None) -> tuple[float, float]:
    """The lowest and highest modality value of the image (HU for CT), padding left out.

    This is the "full range" window's span: padding (see `padding_values`) is not part
    of the image, and counting it would squeeze the image's own values into a few greys.
    """
    stored = stored_values(ds, frame=frame)
    ranges = [_value_range(stored[index], attributes) for index, attributes in _pieces(ds, stored, frame)]
    return min(low for low, _ in ranges), max(high for _, high in ranges)


def to_display(
    ds: Dataset,
    center: float | None = None,
    width: float | None = None,
    *,
    frame: int | None = None,
) -> np.ndarray:
    """The image as 8-bit grey (uint8, 255 = white), ready for `imshow(..., cmap="gray")`.

    Modality LUT, then VOI: the window given by `center` and `width`; else the file's
    first usable window (one of width 0 is skipped, with a warning); else its VOI LUT
    Sequence; else the full range of the values (padding left out, see `value_range`).
    The file's VOILUTFunction (LINEAR, LINEAR_EXACT or SIGMOID) shapes the window. Last,
    MONOCHROME1 images are inverted, so that low values are white as the file intends.
    For a multi-frame file pass `frame`; `frame=None` gives every frame. In an enhanced
    multi-frame file, each frame's rescale, windows and VOILUTFunction come from its
    functional groups (`frame_attributes`).

    One frame, one picture: `to_display(ds)[k]` equals `to_display(ds, frame=k)`. A frame
    without a window of its own is spread over the full range of the whole file, not of
    the frame, so that frames stay comparable and a cine loop does not flicker.
    """
    if (center is None) != (width is None):
        raise TypeError("give both center and width, or neither (to use the file's window)")
    stored = stored_values(ds, frame=frame)
    out = np.empty(stored.shape, dtype=np.uint8)
    full_range = _FullRange(ds)
    for index, attributes in _pieces(ds, stored, frame):
        _display_piece(stored[index], attributes, center, width, out[index], full_range)
    if str(ds.PhotometricInterpretation).strip() == "MONOCHROME1":
        np.subtract(255, out, out=out)
    return out


class _FullRange:
    """The whole file's `value_range`, computed once and only when a frame needs it."""

    def __init__(self, ds: Dataset):
        self._ds, self._range = ds, None

    def __call__(self) -> tuple[float, float]:
        if self._range is None:
            self._range = value_range(self._ds)
        return self._range


def _display_piece(stored: np.ndarray, attributes: Dataset, center: float | None,
                   width: float | None, out: np.ndarray, full_range: _FullRange) -> None:
    """`to_display` for stored values that share one set of `attributes`, into `out`,
    without the MONOCHROME1 inversion."""
    function = voi_function(attributes)
    lut_item = None
    if center is None:
        windows = usable_windows(file_windows(attributes), dataset_name(attributes))
        if windows:
            center, width = windows[0].center, windows[0].width
        elif attributes.get("VOILUTSequence"):
            lut_item = attributes.VOILUTSequence[0]
        else:
            low, high = full_range()
            # LINEAR_EXACT from low to high is y = (x - low) / (high - low) * 255
            center, width, function = (low + high) / 2, (high - low) or 1.0, "LINEAR_EXACT"
    if lut_item is None:
        check_window(width, function)

    flat_in, flat_out = stored.reshape(-1, stored.shape[-1]), out.reshape(-1, stored.shape[-1])
    blocks = _row_blocks(*flat_in.shape)
    scratch = np.empty((min(blocks.step, len(flat_in)), flat_in.shape[1]), dtype=np.float32)
    for start in blocks:
        rows = slice(start, start + blocks.step)
        values = scratch[: len(flat_in[rows])]
        apply_modality(flat_in[rows], attributes, values)
        if lut_item is None:
            apply_window(values, center, width, function, out=flat_out[rows], scratch=values)
        else:
            _apply_voi_lut_item(values, lut_item, flat_out[rows], values)


def display_values(ds: Dataset, max_size: int, *, frame: int | None = None) -> np.ndarray:
    """Modality values shrunk to display size: `downsample(modality_values(ds), max_size)`.

    The same numbers, computed a band of rows at a time, so that no full-size float copy
    of a large image is ever made (for the 1955 x 1841 chest CR that copy is 14 MB).
    Like `modality_values`: one frame (rows, columns), or every frame of a multi-frame
    file (frames, rows, columns) when `frame` is None.
    """
    if frame is None and number_of_frames(ds) > 1:
        return np.stack([display_values(ds, max_size, frame=k) for k in range(number_of_frames(ds))])
    stored = stored_values(ds, frame=frame)
    attributes = frame_attributes(ds, frame or 0)
    factor = shrink_factor(stored.shape, max_size)
    rows, columns = stored.shape[0] // factor, stored.shape[1] // factor
    out = np.empty((rows, columns), dtype=np.float32)
    band = max(1, _BLOCK_PIXELS // (factor * factor * columns))  # output rows per band
    scratch = np.empty((min(band, rows) * factor, columns * factor), dtype=np.float32)
    for start in range(0, rows, band):
        count = min(band, rows - start)
        block = scratch[: count * factor]
        apply_modality(stored[start * factor : (start + count) * factor, : columns * factor],
                       attributes, block)
        out[start : start + count] = block_mean(block, factor)
    return out


def shrink_factor(shape: tuple[int, ...], max_size: int) -> int:
    """The whole factor that shrinks an image of `shape` (rows, columns, ...) until both
    sides fit in `max_size` pixels (1: it fits already)."""
    return max(1, math.ceil(max(shape[:2]) / max_size))


def block_mean(values: np.ndarray, factor: int) -> np.ndarray:
    """Each output pixel the mean of a `factor` x `factor` block of `values` (rows,
    columns, and any trailing axes such as RGB), as float32; trailing rows and columns
    that do not fill a block are dropped."""
    if factor == 1:
        return np.asarray(values, dtype=np.float32)
    rows, columns = values.shape[0] // factor, values.shape[1] // factor
    blocks = values[: rows * factor, : columns * factor].reshape(
        rows, factor, columns, factor, *values.shape[2:])
    return blocks.mean(axis=(1, 3), dtype=np.float32)


def downsample(values: np.ndarray, max_size: int) -> np.ndarray:
    """Shrink an image (rows, columns[, channels]) by a whole factor until both sides fit
    in `max_size` pixels, each output pixel the mean of a block (`block_mean`).

    The result is float32 and C-contiguous, so that the windowing that follows runs at
    full speed.
    """
    return np.ascontiguousarray(block_mean(values, shrink_factor(values.shape, max_size)))


def downsample_slices(values: np.ndarray, max_size: int) -> np.ndarray:
    """`downsample` applied to each slice of a 3-D array (slices, rows, columns), into one
    float32 array; no copy at all when the slices already fit and are float32."""
    if shrink_factor(values.shape[1:], max_size) == 1:
        return np.ascontiguousarray(values, dtype=np.float32)
    first = downsample(values[0], max_size)
    out = np.empty((values.shape[0], *first.shape), dtype=np.float32)
    for index, plane in enumerate(values):
        out[index] = downsample(plane, max_size)
    return out
