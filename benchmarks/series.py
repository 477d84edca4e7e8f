"""How fast is loading a series, and moving through it? dicomview.series against the naive way.

Prints, for the bundled head CT series (or a folder given on the command line):
- `find_series` + `load_series` against the naive way (read every file whole with its
  pixels, convert to HU, stack in a loop with np.stack), medians over several runs;
- the slice-slider update in the kernel: `VolumeViewer.show_slice` (window one slice into
  preallocated buffers, encode JPEG), and the same steps by hand (apply_window + JPEG);
- the peak memory of `load_series` (tracemalloc) against 2 x the volume's float32 size,
  and the naive way's peak.
It measures and prints; it asserts nothing. Run from the repository root:

    .venv/bin/python benchmarks/series.py [FOLDER]
"""

from __future__ import annotations

import io
import statistics
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pydicom
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "notebooks"))
from timing import spread, timed  # noqa: E402  (benchmarks/timing.py)
from dicomview import VolumeViewer, apply_window, find_series, load_series  # noqa: E402
from dicomview.viewer import JPEG_QUALITY  # noqa: E402

LOADS = 7  # runs of each way of loading
SLIDER_UPDATES = 60


def dicomview_load(folder: Path):
    """The course's way: headers to find the series, then one read per slice."""
    return load_series(find_series(folder)[0])


def naive_load(folder: Path) -> np.ndarray:
    """What blog tutorials do: read every file whole, sort, convert, stack in a loop."""
    datasets = [pydicom.dcmread(path) for path in sorted(folder.iterdir())]
    datasets.sort(key=lambda ds: float(ds.ImagePositionPatient[2]))
    slices = []
    for ds in datasets:
        slices.append(ds.pixel_array.astype(np.float64) * float(ds.RescaleSlope)
                      + float(ds.RescaleIntercept))
    return np.stack(slices).astype(np.float32)


def peak(action) -> int:
    """Peak bytes allocated (tracemalloc) while action() runs."""
    tracemalloc.start()
    action()
    result = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result


def bench_loading(folder: Path):
    found = find_series(folder)
    volume = dicomview_load(folder)  # warm the file cache and imports for both ways
    naive_load(folder)
    find_ms = timed(lambda i: find_series(folder), LOADS)
    ours_ms = timed(lambda i: dicomview_load(folder), LOADS)
    naive_ms = timed(lambda i: naive_load(folder), LOADS)
    size = volume.values.nbytes
    ours_peak = peak(lambda: load_series(folder))
    naive_peak = peak(lambda: naive_load(folder))
    slices, rows, columns = volume.values.shape
    spacing = " x ".join(f"{s:.4g}" for s in volume.spacing)
    print(f"\n{folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder}: "
          f"{len(found)} series, {found.skipped} files skipped; volume {slices} x {rows} x "
          f"{columns}, spacing {spacing} mm, {size / 1e6:.1f} MB float32")
    print(f"  find_series alone ({LOADS} runs):            {spread(find_ms)}")
    print(f"  find_series + load_series ({LOADS} runs):    {spread(ours_ms)}")
    print(f"  naive: read whole + stack ({LOADS} runs):    {spread(naive_ms)}")
    print(f"  ratio naive / dicomview: {statistics.median(naive_ms) / statistics.median(ours_ms):.2f}x")
    print(f"  load_series peak memory: {ours_peak / 1e6:.1f} MB = {ours_peak / size:.2f}x the "
          f"volume (target <= 2x: {'met' if ours_peak <= 2 * size else 'NOT met'}); "
          f"naive: {naive_peak / 1e6:.1f} MB = {naive_peak / size:.2f}x")
    return volume


def bench_slider(volume) -> None:
    viewer = VolumeViewer(volume)
    count = viewer.slice.max
    viewer_ms = timed(lambda i: viewer.show_slice((i * 7) % count), SLIDER_UPDATES)
    shown_rows, shown_columns = viewer._values.shape

    # The same steps by hand on a full-size slice: window into preallocated buffers, JPEG.
    pixels = np.empty(volume.values.shape[1:], dtype=np.uint8)
    scratch = np.empty(volume.values.shape[1:], dtype=np.float32)
    window = volume.windows[0] if volume.windows else None
    center, width = (window.center, window.width) if window else (40.0, 80.0)

    def by_hand(i: int) -> int:
        apply_window(volume.values[(i * 7) % count], center, width, out=pixels, scratch=scratch)
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="JPEG", quality=JPEG_QUALITY)
        return len(buffer.getvalue())

    hand_ms = timed(by_hand, SLIDER_UPDATES)
    median = statistics.median(viewer_ms)
    axial_bytes = len(viewer.image.value)
    viewer.plane.value = "coronal"
    rows = viewer.slice.max
    coronal_ms = timed(lambda i: viewer.show_slice((i * 7) % rows), SLIDER_UPDATES)
    print(f"\nslice slider ({SLIDER_UPDATES} moves, {shown_rows} x {shown_columns} shown):")
    print(f"  VolumeViewer.show_slice (window + JPEG q{JPEG_QUALITY}): {spread(viewer_ms)} "
          f"(target <= 5 ms: {'met' if median <= 5 else 'NOT met'})")
    print(f"  VolumeViewer.show_slice, coronal plane ({viewer._values.shape[0]} x "
          f"{viewer._values.shape[1]} shown):    {spread(coronal_ms)}")
    print(f"  by hand, full size (apply_window into buffers + JPEG):  {spread(hand_ms)}")
    print(f"  bytes sent per axial move: {axial_bytes / 1000:.0f} kB")


if __name__ == "__main__":
    folder = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT / "data" / "head_ct_series"
    print(f"Python {sys.version.split()[0]}, pydicom {pydicom.__version__}, numpy {np.__version__}")
    if not folder.is_dir():
        sys.exit(f"{folder} does not exist: make the data first (see data/README.md).")
    bench_slider(bench_loading(folder))
    enhanced = ROOT / "data" / "head_ct_enhanced.dcm"
    if enhanced.is_file():
        size = load_series(enhanced).values.nbytes
        multi_ms = timed(lambda i: load_series(enhanced), LOADS)
        multi_peak = peak(lambda: load_series(enhanced))
        print(f"\nmulti-frame {enhanced.name} ({size / 1e6:.2f} MB float32): load_series "
              f"{spread(multi_ms)}; peak {multi_peak / size:.2f}x the volume")
