"""What does dicomview do with the files learners bring? Its public calls over pydicom's own test files.

Runs each of dicomview's public calls on each file and prints, per call, how many files
came out right, with a clear message, with an unclear error, wrong, slow, hung or
crashed; then the unclear errors grouped by kind, the clear messages grouped likewise,
and the wrong ones with their files. It measures and prints; it asserts nothing and
always exits 0. Run from the repository root:

    .venv/bin/python benchmarks/files_learners_bring.py
    .venv/bin/python benchmarks/files_learners_bring.py --files DIR_OR_FILE ... --json OUT.json
    .venv/bin/python benchmarks/files_learners_bring.py --package-root /tmp/old-copy/notebooks

Options: `--files PATH...` other files (folders are walked); `--json OUT` the raw results;
`--package-root DIR` the folder that holds the `dicomview` package to measure (default:
this repository's notebooks/; the output says which file was imported); `--jobs N` worker
processes (default 2); `--limit S` seconds per file (20); `--slow S` (5).

How it runs. Each file goes to a worker process (a fresh one after a hang or a crash),
which reads the file with `pydicom.dcmread` anew for every call (so no call sees what an
earlier one changed) and reports each call as it ends. A file gets 20 s: past that the
worker is killed, the call it was in counts as hung, and a new worker goes on with the
file's next call; a call during which the worker died counts as crashed, likewise.

The calls, per file: `to_display(ds)`, `to_rgb(ds)`, `file_windows(ds)`,
`value_range(ds)`, `patient_orientation(ds)`, `BrowserViewer(ds)` (built, not shown),
`load_series(path)` (the form its docstring gives for one multi-frame file; a list of
paths is a series of single-frame files), `deidentify(ds, salt="bench")` and
`save_dataset(...)` into a temporary folder, read back.

Reading. A file that `dcmread` refuses as not DICOM is read again with `force=True`, as
lesson 01 teaches, if its name ends in .dcm; otherwise it is skipped as not DICOM (the
README, JSON, dump, ICC and gzip files among pydicom's). A file that cannot be read even
so is listed as unreadable; no call is made on it.

Not applicable: the image calls (all but `load_series`, `deidentify`, `save_dataset`)
on a file without pixel data (DICOMDIR, SR, RT Plan, ...); `load_series` on a file that
is not multi-frame with a position per frame (per-frame Plane Position functional groups,
or an RT Dose Grid Frame Offset Vector, PS3.3 C.8.8.3.2); `save_dataset` when there is
no de-identified dataset to save (if `deidentify` refused over burned-in text, the one
saved is `deidentify(ds, salt="bench", pixels_cleaned=True)`). Greyscale calls are NOT
skipped on colour files: refusing them clearly is what counts.

Classification, in order:
- hung / crashed: as above.
- clear message: the call raised, and the innermost traceback frame is a `raise`
  statement in the dicomview package: a refusal dicomview wrote on purpose, with its own
  message. (Whether the message is also *right* is not judged here; read the grouped
  clear messages below the tables.)
- unclear error: the call raised anything else (an exception from inside pydicom, numpy,
  PIL, ..., or a builtin's, such as int('1A'), that dicomview let through).
- wrong: the call returned, but the result disagrees with an independent reference:
  - to_display: pydicom's `apply_modality_lut`, then the file's first usable window
    through `apply_voi_lut(..., index=i, prefer_lut=False)` (to_display's docstring
    puts the window before a VOI LUT Sequence; a window is usable when its width is > 0,
    and >= 1 for LINEAR), else the VOI LUT Sequence, else the full range of the modality
    values (Pixel Padding Value .. Pixel Padding Range Limit left out); pydicom's output
    range (the stored range, not 0..255; DESIGN.md section 4) scaled to 0..255, then
    MONOCHROME1 inverted. Right when every pixel is within 1 grey level of it. For a
    multi-frame file without a window, the full range of the whole file or of each frame
    is accepted (issue 18 leaves the rule open), but `to_display(ds, frame=k)` must then
    match `to_display(ds)[k]` for the first and last frame: one frame, one picture.
    An image whose values are all equal has no range to spread: any grey is accepted.
    Functional groups (enhanced files) are read by this script's own few lines.
  - to_rgb: colour files against `ds.pixel_array` (pydicom's decoders give RGB for YBR),
    PALETTE COLOR against `apply_color_lut` (its 16-bit tables byte-swapped here for a
    big-endian file, which pydicom 3.0.2 reads as little-endian), values of more than
    8 bits scaled to 0..255; greyscale files against to_display's reference in three
    channels; within 1 level. Colour spaces with no reference here (none among pydicom's
    files) count as unchecked.
  - deidentify: wrong if any original Patient Name, Patient ID, date (DA, DT) or UID
    occurs in any value of the file `save_dataset` wrote for the result, read back
    element by element as the bytes it holds, nested sequences and file meta included
    (if save_dataset writes nothing: of what pydicom writes for it; failing that, of the
    result itself). Each value of a multi-valued element is searched on its own (a
    DICOMDIR's Referenced File ID 77654033\\CR1\\6154 holds a Patient ID), for the
    identifier as a whole: not inside a longer UID, word or number (a date may go on
    with a time). Left out: bulk binary values of 256 bytes or more (pixel, overlay,
    waveform data: the profile does not change them), identifiers under 4 characters,
    UIDs that the standard defines (1.2.840.10008...), file meta's Implementation Class
    UID (it names the software), and the dummies deidentify writes (ANONYMIZED, 20000101).
  - save_dataset: wrong unless the file it wrote reads back with `dcmread` (no force)
    and says PatientIdentityRemoved YES.
  - file_windows, value_range, patient_orientation, BrowserViewer, load_series: wrong
    unless the result has a sane type (a list of Windows; two finite numbers, low <= high;
    an Orientation with row and column directions; a BrowserViewer; a Volume whose
    values have a slice per frame and whose affine is finite).
- unchecked: the call returned, but the reference could not be computed (pydicom itself
  failed on the file).
- slow: the call was right, but took more than 5 s (every call over 5 s is listed).
- right: the call returned and agrees.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import linecache
import math
import os
import platform
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CALLS = ("to_display", "to_rgb", "file_windows", "value_range", "patient_orientation",
         "BrowserViewer", "load_series", "deidentify", "save_dataset")
IMAGE_CALLS = CALLS[:6]
OUTCOMES = ("right", "clear message", "unclear error", "wrong", "slow", "hung", "crashed",
            "unchecked", "not applicable")
SALT = "bench"
GREYSCALE = ("MONOCHROME1", "MONOCHROME2")
COLOUR_WITH_REFERENCE = ("RGB", "YBR_FULL", "YBR_FULL_422", "YBR_ICT", "YBR_RCT")
DUMMIES = {"ANONYMIZED", "20000101", "20000101000000"}
BULK_VRS = {"OB", "OW", "OF", "OD", "OL", "OV"}
BULK_BYTES = 256
SHORTEST_IDENTIFIER = 4
STANDARD_UID_ROOT = "1.2.840.10008."


# --- the worker: runs the calls on one file at a time ------------------------------------


def worker_main(package_root: str, slow: float) -> None:
    """Read jobs ({"path", "start", "name"}) from stdin; report each call on the protocol
    channel (the original stdout, as JSON lines); everything printed goes to stderr."""
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    sys.path.insert(0, package_root)

    def send(**message):
        protocol.write(json.dumps(message, default=str) + "\n")
        protocol.flush()

    import numpy as np
    import pydicom

    import dicomview

    package = Path(dicomview.__file__).resolve().parent
    for name in dicomview.__all__:  # import every module now, so no call is timed with an import
        try:
            getattr(dicomview, name)
        except Exception:
            pass  # the calls that need it will say so
    send(event="ready", dicomview=str(Path(dicomview.__file__).resolve()),
         python=platform.python_version(), pydicom=pydicom.__version__, numpy=np.__version__)
    for line in sys.stdin:
        job = json.loads(line)
        with tempfile.TemporaryDirectory(prefix="files-learners-bring-") as folder:
            run_file(job, Path(folder), package, slow, send)
        send(event="done")


class FileContext:
    """One file: how to read it, what it is, and its de-identified dataset when needed."""

    def __init__(self, path: Path, force: bool, folder: Path):
        self.path, self.force, self.folder = path, force, folder
        self._deidentified = None
        self._saves = 0

    def read(self):
        import pydicom

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pydicom.dcmread(self.path, force=self.force)

    def new_path(self, stem: str) -> Path:
        self._saves += 1
        return self.folder / f"{stem}-{self._saves}.dcm"

    def deidentified(self):
        """deidentify's result; with pixels_cleaned=True if it refused over burned-in text."""
        import dicomview

        if self._deidentified is None:
            for options in ({}, {"pixels_cleaned": True}):
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        self._deidentified = dicomview.deidentify(self.read(), salt=SALT, **options)
                    break
                except Exception:
                    continue
        return self._deidentified


def read_file(path: Path):
    """(dataset, how) with how 'read' or 'force'; or (None, 'skipped: ...' / 'unreadable: ...')."""
    import pydicom
    from pydicom.errors import InvalidDicomError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pydicom.dcmread(path), "read"
        except InvalidDicomError as error:
            if path.suffix.lower() != ".dcm":
                return None, f"skipped: not DICOM ({first_line(error)})"
        except Exception as error:
            return None, f"unreadable: {type(error).__name__}: {first_line(error)}"
        try:
            return pydicom.dcmread(path, force=True), "force"
        except Exception as error:
            return None, f"unreadable even with force=True: {type(error).__name__}: {first_line(error)}"


def run_file(job: dict, folder: Path, package: Path, slow: float, send) -> None:
    path = Path(job["path"])
    send(event="start", call="dcmread")
    ds, how = read_file(path)
    if ds is None:
        send(event="read", status=how)
        return
    send(event="read", status=how, facts=facts(ds))
    ctx = FileContext(path, how == "force", folder)
    for call in CALLS[job["start"]:]:
        send(event="start", call=call)
        record = run_call(call, ds, ctx, package, slow)
        send(event="result", call=call, **record)


def facts(ds) -> dict:
    return {
        "modality": str(ds.get("Modality", "") or ""),
        "photometric": str(ds.get("PhotometricInterpretation", "") or ""),
        "frames": str(ds.get("NumberOfFrames", "") or ""),
        "pixels": has_pixels(ds),
    }


def has_pixels(ds) -> bool:
    return any(k in ds for k in ("PixelData", "FloatPixelData", "DoubleFloatPixelData"))


def frame_count(ds) -> int | None:
    """NumberOfFrames as a number (1 when absent), or None when it is not one."""
    try:
        return int(ds.get("NumberOfFrames") or 1)
    except (TypeError, ValueError):
        return None


def positions_per_frame(ds) -> bool:
    """Multi-frame with a position per frame: per-frame plane positions, or an RT Dose grid."""
    frames = frame_count(ds)
    if frames is not None and frames < 2:
        return False
    per_frame = ds.get("PerFrameFunctionalGroupsSequence") or []
    if len(per_frame) >= 2 and all("PlanePositionSequence" in item for item in per_frame):
        return True
    offsets = ds.get("GridFrameOffsetVector")
    return offsets is not None and not isinstance(offsets, (str, bytes)) and len(offsets) >= 2


def not_applicable(call: str, ds, ctx: FileContext) -> str | None:
    if call in IMAGE_CALLS and not has_pixels(ds):
        return "no pixel data"
    if call == "load_series" and not positions_per_frame(ds):
        return "not multi-frame with a position per frame"
    if call == "save_dataset" and ctx.deidentified() is None:
        return "no de-identified dataset to save"
    return None


def run_call(call: str, ds, ctx: FileContext, package: Path, slow: float) -> dict:
    import dicomview

    reason = not_applicable(call, ds, ctx)
    if reason:
        return {"outcome": "not applicable", "detail": reason, "seconds": 0.0}
    # Everything the call needs is read before the clock starts.
    if call == "save_dataset":
        target, dataset = ctx.new_path("saved"), ctx.deidentified()
        action = lambda: dicomview.save_dataset(dataset, target)  # noqa: E731
    elif call == "load_series":
        action = lambda: dicomview.load_series(str(ctx.path))  # noqa: E731
    elif call == "deidentify":
        dataset = ctx.read()
        action = lambda: dicomview.deidentify(dataset, salt=SALT)  # noqa: E731
    else:
        dataset = ctx.read()
        action = lambda: getattr(dicomview, call)(dataset)  # noqa: E731
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        try:
            result = action()
            error = None
        except Exception as raised:
            result, error = None, raised
        seconds = time.perf_counter() - start
    record = {"seconds": round(seconds, 4),
              "warnings": sorted({f"{w.category.__name__}: {first_line(w.message)}" for w in caught})[:5]}
    if error is not None:
        record.update(classify_error(error, package))
        return record
    try:
        outcome, detail = check(call, result, ctx)
    except Exception as failed:  # the check itself failed: say so, do not guess
        outcome, detail = "unchecked", f"the check failed: {type(failed).__name__}: {first_line(failed)}"
    finally:
        if call == "BrowserViewer" and hasattr(result, "close"):
            result.close()
    if outcome == "right" and seconds > slow:
        outcome = "slow"
    record.update(outcome=outcome, detail=detail)
    return record


def first_line(error) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""


def short_path(filename: str) -> str:
    for marker in ("site-packages/", "notebooks/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def classify_error(error: BaseException, package: Path) -> dict:
    frames = list(traceback.walk_tb(error.__traceback__))
    innermost, lineno = frames[-1] if frames else (None, 0)
    filename = innermost.f_code.co_filename if innermost else ""
    inside = lambda name: Path(name).resolve().is_relative_to(package)  # noqa: E731
    statement = linecache.getline(filename, lineno).strip() if filename else ""
    clear = bool(filename) and inside(filename) and statement.startswith("raise")
    last_dicomview = next((f"{short_path(f.f_code.co_filename)}:{n}" for f, n in reversed(frames)
                           if inside(f.f_code.co_filename)), "")
    return {
        "outcome": "clear message" if clear else "unclear error",
        "type": type(error).__name__,
        "message": first_line(error),
        "raised_in": f"{short_path(filename)}:{lineno}",
        "via": last_dicomview,
    }


# --- the checks ---------------------------------------------------------------------------


def check(call: str, result, ctx: FileContext) -> tuple[str, str]:
    import dicomview
    import numpy as np

    if call == "to_display":
        return check_display(result, ctx)
    if call == "to_rgb":
        return check_rgb(result, ctx)
    if call == "file_windows":
        ok = isinstance(result, list) and all(
            isinstance(w, dicomview.Window) and math.isfinite(w.center) and math.isfinite(w.width)
            for w in result)
        return ("right", f"{len(result)} window(s)") if ok else ("wrong", f"returned {result!r:.80}")
    if call == "value_range":
        try:
            low, high = (float(v) for v in result)
            ok = math.isfinite(low) and math.isfinite(high) and low <= high
        except (TypeError, ValueError):
            ok = False
        return ("right", "") if ok else ("wrong", f"returned {result!r:.80}")
    if call == "patient_orientation":
        ok = all(isinstance(getattr(result, side, None), str) and getattr(result, side)
                 for side in ("rows", "columns"))
        return ("right", f"rows {result.rows}, columns {result.columns}") if ok else (
            "wrong", f"returned {result!r:.80}")
    if call == "BrowserViewer":
        ok = isinstance(result, dicomview.BrowserViewer)
        return ("right", "") if ok else ("wrong", f"returned {type(result).__name__}")
    if call == "load_series":
        values, affine = getattr(result, "values", None), getattr(result, "affine", None)
        ds = ctx.read()
        expected = frame_count(ds)
        ok = (isinstance(values, np.ndarray) and values.ndim == 3
              and (expected is None or values.shape[0] == expected)
              and np.shape(affine) == (4, 4) and np.isfinite(affine).all())
        shape = getattr(values, "shape", None)
        return ("right", f"{shape}") if ok else ("wrong", f"values {shape}, {expected} frames")
    if call == "deidentify":
        return check_deidentified(result, ctx)
    if call == "save_dataset":
        return check_saved(result, ctx)
    return "unchecked", "no check for this call"


def within_one(shown, reference) -> tuple[bool, float]:
    """Every pixel within 1 grey level of the reference (NaN: any grey accepted)."""
    import numpy as np

    difference = np.abs(shown.astype(np.float64) - reference)
    difference = np.where(np.isnan(reference), 0.0, difference)
    worst = float(difference.max()) if difference.size else 0.0
    return worst <= 1.0 + 1e-6, worst


def check_display(shown, ctx: FileContext) -> tuple[str, str]:
    import numpy as np

    if not isinstance(shown, np.ndarray) or shown.dtype != np.uint8:
        return "wrong", f"returned {type(shown).__name__} {getattr(shown, 'dtype', '')}, not uint8"
    try:
        references = grey_references(ctx.read())
    except Exception as error:
        return "unchecked", f"reference failed: {type(error).__name__}: {first_line(error)}"
    if references[0].shape != shown.shape:
        return "wrong", f"shape {shown.shape}, pydicom's pixel_array gives {references[0].shape}"
    results = [within_one(shown, reference) for reference in references]
    if not any(ok for ok, _ in results):
        return "wrong", f"differs from pydicom's pipeline by up to {min(w for _, w in results):.0f} grey levels"
    if shown.ndim == 3 and ctx.read().get("PhotometricInterpretation", "") in GREYSCALE:
        return check_frames(shown, ctx)
    return "right", ""


def check_frames(shown, ctx: FileContext) -> tuple[str, str]:
    """to_display(ds, frame=k) against to_display(ds)[k], first and last frame."""
    import dicomview

    for k in sorted({0, len(shown) - 1}):
        try:
            single = dicomview.to_display(ctx.read(), frame=k)
        except Exception as error:
            return "wrong", f"to_display(ds, frame={k}) raised {type(error).__name__}: {first_line(error)}"
        ok, worst = within_one(single, shown[k].astype("float64"))
        if single.shape != shown[k].shape or not ok:
            return "wrong", (f"to_display(ds, frame={k}) differs from to_display(ds)[{k}] "
                             f"by up to {worst:.0f} grey levels")
    return "right", ""


def check_rgb(shown, ctx: FileContext) -> tuple[str, str]:
    import numpy as np

    if not isinstance(shown, np.ndarray) or shown.dtype != np.uint8 or shown.shape[-1:] != (3,):
        return "wrong", f"returned {type(shown).__name__} {getattr(shown, 'shape', '')}, not uint8 RGB"
    ds = ctx.read()
    photometric = str(ds.get("PhotometricInterpretation", "")).strip()
    try:
        if photometric in GREYSCALE:
            references = [np.repeat(r[..., np.newaxis], 3, axis=-1) for r in grey_references(ds)]
        else:
            reference = colour_reference(ds, photometric)
            if reference is None:
                return "unchecked", f"no reference for {photometric!r}"
            references = [reference]
    except Exception as error:
        return "unchecked", f"reference failed: {type(error).__name__}: {first_line(error)}"
    if references[0].shape != shown.shape:
        return "wrong", f"shape {shown.shape}, the reference's {references[0].shape}"
    results = [within_one(shown, reference) for reference in references]
    if not any(ok for ok, _ in results):
        return "wrong", f"differs from pydicom's by up to {min(w for _, w in results):.0f} levels"
    return "right", ""


def scaled(values, bits: int):
    import numpy as np

    values = values.astype(np.float64)
    return values if bits <= 8 else values * (255.0 / (2**bits - 1))


def colour_reference(ds, photometric: str):
    """What pydicom makes of a colour file, as float RGB 0..255 (None: no reference)."""
    import numpy as np
    from pydicom.pixels import apply_color_lut

    if photometric == "PALETTE COLOR":
        table = apply_color_lut(ds.pixel_array, ds)[..., :3]
        segmented = "RedPaletteColorLookupTableData" not in ds
        if table.dtype == np.uint16 and not segmented and not little_endian(ds):
            table = table.byteswap()  # pydicom 3.0.2 reads these tables as little-endian
        return scaled(table, int(ds.RedPaletteColorLookupTableDescriptor[2]))
    if photometric in COLOUR_WITH_REFERENCE:
        pixels = ds.pixel_array  # as_rgb: pydicom's decoders turn YBR into RGB
        return scaled(pixels, int(ds.get("BitsStored") or 8))
    return None


def little_endian(ds) -> bool:
    syntax = getattr(ds, "file_meta", None) and ds.file_meta.get("TransferSyntaxUID")
    if syntax is not None:
        return bool(syntax.is_little_endian)
    return bool(ds.original_encoding[1]) if ds.original_encoding[1] is not None else True


def as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        return [value]
    return list(value)


def frame_attributes(ds, k: int):
    """Frame k's attributes: the top level, then the shared functional group, then frame
    k's own (PS3.3 C.7.6.16); the file itself when it has no functional groups."""
    from pydicom.dataset import Dataset

    shared = ds.get("SharedFunctionalGroupsSequence") or []
    per_frame = ds.get("PerFrameFunctionalGroupsSequence") or []
    if not shared and not per_frame:
        return ds
    merged = Dataset()
    for element in ds:
        if element.keyword not in ("PixelData", "SharedFunctionalGroupsSequence",
                                   "PerFrameFunctionalGroupsSequence"):
            merged[element.tag] = copy.deepcopy(element)
    groups = list(shared[:1]) + ([per_frame[k]] if k < len(per_frame) else [])
    for group in groups:
        for macro in ("PixelValueTransformationSequence", "FrameVOILUTSequence"):
            for item in group.get(macro) or []:
                for element in item:
                    merged[element.tag] = copy.deepcopy(element)
    return merged


def usable_voi(attributes):
    """("window", index) of the first usable window, ("lut",), or None."""
    function = str(attributes.get("VOILUTFunction") or "LINEAR").strip().upper()
    centers, widths = as_list(attributes.get("WindowCenter")), as_list(attributes.get("WindowWidth"))
    for index in range(min(len(centers), len(widths))):
        try:
            width = float(widths[index])
            float(centers[index])
        except (TypeError, ValueError):
            continue
        if width > 0 and (function != "LINEAR" or width >= 1):
            return ("window", index)
    if attributes.get("VOILUTSequence"):
        return ("lut",)
    return None


def padding_mask(stored, attributes):
    import numpy as np

    value = attributes.get("PixelPaddingValue")
    if value is None:
        return np.zeros(stored.shape, dtype=bool)
    limit = attributes.get("PixelPaddingRangeLimit")
    low, high = sorted((int(value), int(value if limit is None else limit)))
    return (stored >= low) & (stored <= high)


def windowed(values, attributes, index: int):
    """pydicom's window, scaled from its output range (the stored range) to 0..255."""
    import numpy as np
    from pydicom.pixels import apply_voi_lut

    out = apply_voi_lut(values, attributes, index=index, prefer_lut=False)
    with np.errstate(over="ignore"):
        ends = apply_voi_lut(np.array([-1e30, 1e30]), attributes, index=index, prefer_lut=False)
    low, high = float(ends[0]), float(ends[1])
    return (out - low) / (high - low) * 255.0


def through_lut(values, attributes):
    import numpy as np
    from pydicom.pixels import apply_voi

    bits = int(attributes.VOILUTSequence[0].LUTDescriptor[2])
    out = apply_voi(np.rint(values).astype(np.int64), attributes, 0)
    return out.astype(np.float64) * (255.0 / (2**bits - 1))


def spread(values, low: float, high: float):
    import numpy as np

    if not high > low:
        return np.full(values.shape, np.nan)  # one value: any grey is a fair picture
    return np.clip((values - low) / (high - low) * 255.0, 0.0, 255.0)


def grey_references(ds) -> list:
    """The picture by pydicom's own functions, float 0..255, one array per accepted rule:
    [whole-file range] or, for multi-frame files without a window, also [each frame's range]."""
    import numpy as np
    from pydicom.pixels import apply_modality_lut

    stored = ds.pixel_array
    frames = [stored[k] for k in range(len(stored))] if stored.ndim == 3 else [stored]
    attributes = [frame_attributes(ds, k) for k in range(len(frames))]
    modality = [np.asarray(apply_modality_lut(f, a), dtype=np.float64) for f, a in zip(frames, attributes)]
    voi = [usable_voi(a) for a in attributes]
    ranges = []
    for f, a, m in zip(frames, attributes, modality):
        kept = m[~padding_mask(f, a)]
        kept = kept if kept.size else m
        ranges.append((float(kept.min()), float(kept.max())))
    whole = (min(low for low, _ in ranges), max(high for _, high in ranges))

    def build(range_of) -> np.ndarray:
        pieces = []
        for k, (a, m) in enumerate(zip(attributes, modality)):
            if voi[k] and voi[k][0] == "window":
                pieces.append(windowed(m, a, voi[k][1]))
            elif voi[k]:
                pieces.append(through_lut(m, a))
            else:
                pieces.append(spread(m, *range_of(k)))
        picture = np.stack(pieces) if stored.ndim == 3 else pieces[0]
        if str(ds.get("PhotometricInterpretation", "")).strip() == "MONOCHROME1":
            picture = 255.0 - picture
        return picture

    references = [build(lambda k: whole)]
    if len(frames) > 1 and not all(voi):
        references.append(build(lambda k: ranges[k]))
    return references


# --- de-identification checks ---------------------------------------------------------------


def identifiers(ds) -> dict[bytes, tuple[str, str]]:
    """The original's identifying values, as bytes, each with the keyword and VR it came from."""
    from pydicom.uid import UID

    found: dict[bytes, tuple[str, str]] = {}

    def add(value, keyword: str, vr: str, raw: bytes | None = None) -> None:
        text = str(value).strip(" \0")
        if len(text) < SHORTEST_IDENTIFIER or text.upper() in DUMMIES:
            return
        found.setdefault(raw.strip(b" \0") if raw else text.encode("utf-8", "replace"), (keyword, vr))

    def walk(dataset, meta: bool = False) -> None:
        for tag in list(dataset.keys()):
            try:
                element = dataset[tag]
            except Exception:
                continue
            keyword = element.keyword or str(element.tag)
            if element.VR == "SQ":
                for item in element.value or []:
                    walk(item)
            elif keyword in ("PatientName", "PatientID") or element.VR in ("DA", "DT", "UI"):
                if meta and keyword == "ImplementationClassUID":
                    continue
                for value in as_list(element.value):
                    if element.VR == "UI":
                        text = str(value).strip(" \0")
                        if text.startswith(STANDARD_UID_ROOT) or UID(text).name != text:
                            continue
                    raw = getattr(value, "original_string", None)
                    add(value, keyword, element.VR, raw if isinstance(raw, bytes) else None)

    walk(ds)
    if getattr(ds, "file_meta", None) is not None:
        walk(ds.file_meta, meta=True)
    return found


NOT_TEXT_VRS = BULK_VRS | {"UN", "SQ", "US", "SS", "UL", "SL", "UV", "SV", "FL", "FD", "AT"}


def stored_values(ds) -> list[bytes]:
    """Every value in a dataset as the bytes it holds (raw, when it was read from a file
    and not yet converted), each value of a multi-valued text element on its own, nested
    sequences included; bulk binary values and file meta's Implementation Class UID
    (it names the software, and DCMTK writes it as the Instance Creator UID too) left out."""
    values: list[bytes] = []

    def text(value) -> bytes:
        raw = getattr(value, "original_string", None)
        return raw if isinstance(raw, bytes) else str(value).encode("utf-8", "replace")

    def walk(dataset, meta: bool = False) -> None:
        for tag in list(dataset.keys()):
            if meta and tag == 0x00020012:
                continue
            try:
                raw = dataset.get_item(tag)
                element = dataset[tag]
            except Exception:
                continue
            if element.VR == "SQ":
                for item in element.value or []:
                    walk(item)
                continue
            value = raw.value if raw is not element else element.value
            if isinstance(value, (bytes, bytearray)):
                if element.VR in BULK_VRS and len(value) >= BULK_BYTES:
                    continue
                parts = [bytes(value)] if element.VR in NOT_TEXT_VRS else bytes(value).split(b"\\")
            else:
                parts = [text(v) for v in as_list(value)]
            values.extend(part.strip(b" \0") for part in parts)

    walk(ds)
    if getattr(ds, "file_meta", None) is not None:
        walk(ds.file_meta, meta=True)
    return values


def written_values(out, ctx: FileContext) -> tuple[list[bytes], str]:
    """The values of the file save_dataset writes for `out`, read back; else of what
    pydicom writes for it, read back; else of `out` itself."""
    import dicomview
    import pydicom

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            path = dicomview.save_dataset(out, ctx.new_path("deid-check"))
            return stored_values(pydicom.dcmread(path, force=True)), "the saved file"
        except Exception:
            pass
        try:
            buffer = io.BytesIO()
            out.save_as(buffer, enforce_file_format=False)
            buffer.seek(0)
            back = pydicom.dcmread(buffer, force=True)
            return stored_values(back), "pydicom's write (save_dataset failed)"
        except Exception:
            return stored_values(out), "its values (no write succeeded)"


def occurs(identifier: bytes, vr: str, values: list[bytes]) -> bool:
    """`identifier` in one of `values` as a whole: a UID not inside a longer one; anything
    else not inside a longer word or number, except that a date may go on with a time."""
    word = rb"0-9A-Za-z"
    before, after = {"UI": (rb"(?<![0-9.])", rb"(?![0-9.])"),
                     "DA": (rb"(?<![" + word + rb"])", b"")}.get(
        vr, (rb"(?<![" + word + rb"])", rb"(?![" + word + rb"])"))
    pattern = re.compile(before + re.escape(identifier) + after)
    return any(identifier in value and pattern.search(value) for value in values)


def check_deidentified(out, ctx: FileContext) -> tuple[str, str]:
    from pydicom.dataset import Dataset

    if not isinstance(out, Dataset):
        return "wrong", f"returned {type(out).__name__}, not a Dataset"
    values, where = written_values(out, ctx)
    leaked = [(keyword, identifier) for identifier, (keyword, vr) in identifiers(ctx.read()).items()
              if occurs(identifier, vr, values)]
    if leaked:
        listed = ", ".join(f"{k} {v.decode('utf-8', 'replace')!r}" for k, v in leaked[:4])
        more = f" and {len(leaked) - 4} more" if len(leaked) > 4 else ""
        return "wrong", f"found in {where}: {listed}{more}"
    return "right", f"searched {where}"


def check_saved(path, ctx: FileContext) -> tuple[str, str]:
    import pydicom

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            back = pydicom.dcmread(path)
    except Exception as error:
        return "wrong", f"the saved file does not read back: {type(error).__name__}: {first_line(error)}"
    if str(back.get("PatientIdentityRemoved", "")).strip() != "YES":
        return "wrong", "read back without PatientIdentityRemoved YES"
    return "right", ""


# --- the parent: hands out files, keeps time, restarts workers --------------------------------


class Worker:
    """One worker process, its output lines on a queue (None when it ended)."""

    def __init__(self, package_root: Path, slow: float):
        env = dict(os.environ, MPLBACKEND="Agg", PYTHONDONTWRITEBYTECODE="1")
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker",
             "--package-root", str(package_root), "--slow", str(slow)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, bufsize=1, env=env)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        self.ready = self.next(120.0)

    def _pump(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def next(self, timeout: float) -> dict | None:
        """The next protocol message; None if the worker ended; raises queue.Empty on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            if line is None:
                return None
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue  # something printed to the protocol channel: not ours

    def send(self, job: dict) -> None:
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()

    def stop(self) -> str:
        """Kill (if running) and say how it ended."""
        if self.process.poll() is None:
            self.process.kill()
        code = self.process.wait()
        return f"exit code {code}" if code >= 0 else f"killed by signal {-code}"

    def close(self) -> None:
        try:
            self.process.stdin.close()
            self.process.wait(timeout=10)
        except Exception:
            self.stop()


def run_one(worker_box: list, name: str, path: Path, package_root: Path, limit: float,
            slow: float) -> dict:
    """All calls on one file, restarting the worker after a hang or crash."""
    entry: dict = {"name": name, "path": str(path), "read": None, "facts": {}, "calls": {}}
    start = 0
    while True:
        worker = worker_box[0]
        try:
            worker.send({"path": str(path), "start": start})
        except (BrokenPipeError, OSError):
            pass
        deadline = time.monotonic() + limit
        current, began, ended = None, time.monotonic(), None
        while True:
            try:
                message = worker.next(max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                ended = "hung"
                break
            if message is None:
                ended = "crashed"
                break
            event = message.pop("event")
            if event == "start":
                current, began = message["call"], time.monotonic()
            elif event == "read":
                if entry["read"] is None:
                    entry["read"], entry["facts"] = message["status"], message.get("facts", {})
            elif event == "result":
                entry["calls"][message.pop("call")] = message
            elif event == "done":
                return entry
        how = worker.stop()
        worker_box[0] = Worker(package_root, slow)
        seconds = round(time.monotonic() - began, 2)
        if current in (None, "dcmread"):
            entry["read"] = f"unreadable: {ended} while pydicom read it ({how})"
            return entry
        entry["calls"][current] = {"outcome": ended, "seconds": seconds,
                                   "detail": f"limit {limit:g} s per file" if ended == "hung" else how}
        start = CALLS.index(current) + 1
        if start >= len(CALLS):
            return entry


def collect(paths: list[str] | None) -> tuple[list[tuple[str, Path]], int, str]:
    """(display name, path) of each file; how many folders were left out; the source."""
    if paths is None:
        from pydicom.data import get_testdata_files

        listed = [Path(p) for p in get_testdata_files()]
        base = Path(os.path.commonpath([str(p) for p in listed]))
        files = sorted(p for p in listed if p.is_file())
        return ([(str(p.relative_to(base)), p) for p in files], len(listed) - len(files),
                f"pydicom.data.get_testdata_files(): {len(listed)} entries in {base}")
    found: list[Path] = []
    for given in paths:
        p = Path(given)
        if p.is_dir():
            found += [f for f in sorted(p.rglob("*")) if f.is_file()]
        elif p.is_file():
            found.append(p)
        else:
            print(f"(not found, left out: {given})")
    if not found:
        return [], 0, f"--files: {len(paths)} path(s), no files"
    base = Path(os.path.commonpath([str(f.resolve().parent) for f in found]))
    return ([(str(f.resolve().relative_to(base)), f) for f in found], 0,
            f"--files: {len(paths)} path(s), under {base}")


def normalise(message: str, name: str) -> str:
    name = Path(name).name
    if any(c in name for c in ".0123456789"):  # not a word such as DICOMDIR, which messages use
        message = message.replace(name, "<file>")
    message = re.sub(r"0x[0-9a-fA-F]+", "0x…", message)
    return message if len(message) <= 110 else message[:107] + "..."


def report(entries: list[dict], ready: dict, source: str, folders: int, package_root: Path,
           seconds: float, limit: float, slow: float, jobs: int) -> str:
    lines: list[str] = []
    out = lines.append
    out("# dicomview on the files learners bring")
    out("")
    out(f"Python {ready['python']}, pydicom {ready['pydicom']}, numpy {ready['numpy']}; "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, {jobs} worker(s)")
    out(f"dicomview imported from: {ready['dicomview']}")
    if not Path(ready["dicomview"]).is_relative_to(package_root.resolve()):
        out(f"  (NOT from --package-root {package_root}: check PYTHONPATH)")
    out(f"files: {source}")
    read = [e for e in entries if e["read"] in ("read", "force")]
    forced = [e for e in read if e["read"] == "force"]
    skipped = [e for e in entries if str(e["read"]).startswith("skipped")]
    unreadable = [e for e in entries if e not in read and e not in skipped]
    folder_note = f", {folders} folders left out" if folders else ""
    out(f"  {len(entries)} files{folder_note}: {len(read)} DICOM files read "
        f"({len(forced)} with force=True: {', '.join(e['name'] for e in forced) or '-'}), "
        f"{len(skipped)} skipped as not DICOM ({', '.join(e['name'] for e in skipped) or '-'}), "
        f"{len(unreadable)} unreadable")
    for e in unreadable:
        out(f"  unreadable: {e['name']}: {e['read']}")
    with_pixels = sum(1 for e in read if e["facts"].get("pixels"))
    out(f"  {with_pixels} of the {len(read)} have pixel data")
    out(f"limits: {limit:g} s per file (then hung), slow > {slow:g} s; the whole run took {seconds:.1f} s")
    out("")
    out("## Outcomes per call (files)")
    out("")
    out("| call | " + " | ".join(OUTCOMES) + " | median s | max s |")
    out("|---|" + "---:|" * (len(OUTCOMES) + 2))
    totals: Counter = Counter()
    for call in CALLS:
        counts = Counter(e["calls"].get(call, {}).get("outcome", "not run") for e in read)
        totals.update(counts)
        times = sorted(e["calls"][call]["seconds"] for e in read
                       if call in e["calls"] and e["calls"][call]["outcome"] != "not applicable")
        median = f"{times[len(times) // 2]:.3f}" if times else "-"
        worst = f"{times[-1]:.3f}" if times else "-"
        out(f"| {call} | " + " | ".join(str(counts.get(o, 0)) for o in OUTCOMES)
            + f" | {median} | {worst} |")
    out("| **all calls** | " + " | ".join(f"**{totals.get(o, 0)}**" for o in OUTCOMES) + " | | |")
    if totals.get("not run"):
        out(f"\n({totals['not run']} calls not run: a worker problem; see --json)")
    out("")

    def grouped(outcome: str, title: str) -> None:
        groups: dict[tuple[str, str], list[tuple[str, str, dict]]] = defaultdict(list)
        for e in read:
            for call, record in e["calls"].items():
                if record["outcome"] == outcome:
                    key = (record.get("type", ""), normalise(record.get("message", ""), e["name"]))
                    groups[key].append((call, e["name"], record))
        out(f"## {title}")
        out("")
        if not groups:
            out("none")
            out("")
            return
        out("| count | type | message (first line; <file> is the file's name) | calls | "
            "raised in | left dicomview at | example file |")
        out("|---:|---|---|---|---|---|---|")
        for (kind, message), members in sorted(groups.items(), key=lambda g: (-len(g[1]), g[0])):
            calls = Counter(call for call, _, _ in members)
            listed = ", ".join(f"{c} {n}" for c, n in sorted(calls.items(), key=lambda c: CALLS.index(c[0])))
            _, example, record = members[0]
            message = message.replace("|", "\\|")
            out(f"| {len(members)} | {kind} | {message} | {listed} | {record.get('raised_in', '')} "
                f"| {record.get('via', '') or '-'} | {example} |")
        out("")

    grouped("unclear error", "Unclear errors, grouped (what dicomview let through)")
    out("## Wrong")
    out("")
    wrong = [(call, e["name"], r["detail"]) for e in read for call, r in e["calls"].items()
             if r["outcome"] == "wrong"]
    for call, name, detail in sorted(wrong, key=lambda w: (CALLS.index(w[0]), w[1])):
        out(f"- {call}: {name}: {detail}")
    if not wrong:
        out("none")
    out("")
    out("## Hung, crashed, unchecked, and calls over the slow limit")
    out("")
    other = [(call, e["name"], r) for e in read for call, r in e["calls"].items()
             if r["outcome"] in ("hung", "crashed", "unchecked") or r.get("seconds", 0) > slow]
    for call, name, r in sorted(other, key=lambda w: (CALLS.index(w[0]), w[1])):
        out(f"- {call}: {name}: {r['outcome']}, {r.get('seconds', 0):.2f} s {r.get('detail', '')}")
    if not other:
        out("none")
    out("")
    grouped("clear message", "Clear messages, grouped (dicomview's own refusals: are they right?)")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", nargs="+", metavar="PATH", help="files or folders (default: pydicom's test files)")
    parser.add_argument("--json", metavar="OUT", help="save the raw results as JSON")
    parser.add_argument("--package-root", default=str(ROOT / "notebooks"),
                        help="the folder holding the dicomview package (default: this repository's notebooks/)")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--limit", type=float, default=20.0, help="seconds per file before it counts as hung")
    parser.add_argument("--slow", type=float, default=5.0, help="a call over this many seconds is slow")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker_main(args.package_root, args.slow)
        return
    package_root = Path(args.package_root)
    began = time.monotonic()
    files, folders, source = collect(args.files)
    jobs = max(1, args.jobs)
    boxes = [[Worker(package_root, args.slow)] for _ in range(jobs)]
    ready = boxes[0][0].ready
    if not ready or ready.get("event") != "ready":
        print(f"the worker did not start (could not import dicomview from {package_root}?)")
        return
    todo: queue.Queue = queue.Queue()
    for item in files:
        todo.put(item)
    entries: list[dict] = []
    lock = threading.Lock()

    def drain(box: list) -> None:
        while True:
            try:
                name, path = todo.get_nowait()
            except queue.Empty:
                return
            entry = run_one(box, name, path, package_root, args.limit, args.slow)
            with lock:
                entries.append(entry)

    threads = [threading.Thread(target=drain, args=(box,)) for box in boxes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for box in boxes:
        box[0].close()
    entries.sort(key=lambda e: e["name"])
    seconds = time.monotonic() - began
    print(report(entries, ready, source, folders, package_root, seconds, args.limit, args.slow, jobs))
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"python": ready["python"], "pydicom": ready["pydicom"], "numpy": ready["numpy"],
             "dicomview": ready["dicomview"], "source": source, "seconds": round(seconds, 1),
             "limit": args.limit, "slow": args.slow, "files": entries}, indent=1, default=str))
        print(f"\nraw results: {args.json}")


if __name__ == "__main__":
    try:
        main()
    except Exception:  # a measurement never fails the build: say what went wrong, exit 0
        traceback.print_exc()
    sys.exit(0)
