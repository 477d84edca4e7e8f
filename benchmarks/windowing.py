"""How fast is a window/level update? WindowingViewer against the naive slider.

Prints, for the chest CR and the dental DX phantom: the median and spread of
`WindowingViewer.set_window` over many updates, the naive slider's cost (a new figure,
`imshow` of the full image, PNG, as blog tutorials do) measured in the same run, their
ratio, the bytes sent to the browser per update, and the peak memory of one `to_display`.
It measures and prints; it asserts nothing. Run from the repository root:

    .venv/bin/python benchmarks/windowing.py
"""

from __future__ import annotations

import io
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed; the inline backend also renders with Agg
import matplotlib.pyplot as plt  # noqa: E402
import pydicom  # noqa: E402
from PIL import Image  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "notebooks"))
from dicomview import WindowingViewer, to_display  # noqa: E402

FILES = ["chest_cr.dcm", "dental_dx_phantom.dcm"]
UPDATES = 40  # set_window calls per file
NAIVE_UPDATES = 8  # the naive slider is slow; fewer of them give a stable median
EXACT_UPDATES = 10


def timed(update, count: int) -> tuple[list[float], list[int]]:
    """Milliseconds and bytes sent for `count` calls of update(i), which returns bytes."""
    times, sizes = [], []
    for i in range(count):
        start = time.perf_counter()
        sent = update(i)
        times.append((time.perf_counter() - start) * 1000)
        sizes.append(sent)
    return times, sizes


def spread(times: list[float]) -> str:
    """Median, the middle half (quartiles) and the extremes, in ms."""
    q1, median, q3 = statistics.quantiles(times, n=4)
    return f"median {median:7.2f} ms  (quartiles {q1:.2f}-{q3:.2f}, min {min(times):.2f}, max {max(times):.2f})"


def naive_update(ds: pydicom.Dataset, center: float, width: float) -> int:
    """What a blog tutorial's slider callback does: a new figure per move."""
    fig, ax = plt.subplots()
    ax.imshow(ds.pixel_array, cmap="gray", vmin=center - width / 2, vmax=center + width / 2)
    ax.axis("off")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")  # what the inline backend sends
    plt.close(fig)
    return len(buffer.getvalue())


def peak_memory(ds_path: Path) -> tuple[int, int, int]:
    """Peak bytes allocated by one to_display call, on a fresh dataset (decoding the
    pixels included) and again once pydicom holds the decoded pixels; and the image size."""
    ds = pydicom.dcmread(ds_path)
    peaks = []
    for _ in range(2):
        tracemalloc.start()
        to_display(ds)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    return peaks[0], peaks[1], ds.pixel_array.nbytes


def bench(name: str) -> None:
    path = ROOT / "data" / name
    ds = pydicom.dcmread(path)
    start = time.perf_counter()
    viewer = WindowingViewer(ds)
    built_ms = (time.perf_counter() - start) * 1000
    center, width = viewer.center.value, viewer.width.value
    shown_width, shown_height = Image.open(io.BytesIO(viewer.image.value)).size

    def fast(i: int) -> int:
        viewer.set_window(center + 7 * i, width * (1 - 0.01 * i))
        return len(viewer.image.value)

    def exact(i: int) -> int:
        viewer.set_window(center - 5 * i, width)
        viewer.refresh()
        return len(viewer.image.value)

    def naive(i: int) -> int:
        return naive_update(ds, center + 7 * i, width * (1 - 0.01 * i))

    naive_update(ds, center, width)  # first figure pays one-off costs (fonts, caches)
    fast_ms, fast_bytes = timed(fast, UPDATES)
    exact_ms, exact_bytes = timed(exact, EXACT_UPDATES)
    naive_ms, naive_bytes = timed(naive, NAIVE_UPDATES)
    cold, warm, size = peak_memory(path)
    ratio = statistics.median(naive_ms) / statistics.median(fast_ms)

    print(f"\n{name}: {ds.Rows} x {ds.Columns}, shown at {shown_height} x {shown_width} "
          f"(viewer built in {built_ms:.0f} ms)")
    print(f"  set_window, {UPDATES} updates (JPEG q85): {spread(fast_ms)}")
    print(f"      bytes sent per update: {statistics.mean(fast_bytes) / 1000:.0f} kB")
    print(f"  exact image at rest (set_window + refresh, PNG): {spread(exact_ms)}")
    print(f"      bytes sent: {statistics.mean(exact_bytes) / 1000:.0f} kB, once per rest")
    print(f"  naive slider, {NAIVE_UPDATES} updates (new figure + imshow full size + PNG): "
          f"{spread(naive_ms)}")
    print(f"      bytes sent per update: {statistics.mean(naive_bytes) / 1000:.0f} kB")
    print(f"  ratio naive / set_window: {ratio:.0f}x")
    print(f"  to_display peak memory: {cold / 1e6:.1f} MB with decoding "
          f"({cold / size:.2f}x the {size / 1e6:.1f} MB image), "
          f"{warm / 1e6:.1f} MB once decoded ({warm / size:.2f}x)")
    verdicts = [
        ("set_window median <= 10 ms", statistics.median(fast_ms) <= 10),
        (">= 40x faster than naive", ratio >= 40),
        ("to_display peak <= 2x image", cold <= 2 * size),
    ]
    print("  targets: " + "; ".join(f"{what}: {'met' if ok else 'NOT met'}" for what, ok in verdicts))


if __name__ == "__main__":
    print(f"Python {sys.version.split()[0]}, pydicom {pydicom.__version__}, "
          f"matplotlib {matplotlib.__version__}")
    for file_name in FILES:
        bench(file_name)
