"""dicomview: the small helper package the lessons build and later lessons reuse.

One convention holds across the package (tests/test_viewer_conventions.py keeps it):

- `frame` is keyword-only wherever it appears (`frame_attributes(ds, k)` aside), counted
  from 0, and `frame=None` means the whole file: every frame (`to_display`, `to_rgb`,
  `modality_values`, `display_values`, a viewer's frame slider), the range over every frame
  (`value_range`), or what every frame shares (`file_windows`, `patient_orientation`).
- Every viewer (WindowingViewer, VolumeViewer, BrowserViewer) takes the same keywords with
  the same defaults: `windows=None` (the source's own windows), `ct=None` (presets and HU
  when the source's Modality is CT) and `max_size=512`; every viewer has `reset()` (back
  to the first window), `set_window(center, width)`, `window`, and `show_slice(index)`,
  counted from 0, which raises IndexError out of range (the sliders count from 1, as the
  status lines do). CinePlayer has `reset()` and `show_frame(index)` likewise.
- Every view labels its four edges with the patient directions (PS3.3 C.7.6.1.1.1), where
  the file says them: `patient_orientation`, and `label_axes` for a Matplotlib figure.
- What a view needs is prepared once by `display.prepare`; the viewers are layout and
  events on top of it. No module imports another's private (`_underscore`) names.
"""

from importlib import import_module

# Public names and the module each comes from. They are imported on first use, so that
# `from dicomview import setup_check` still works where pydicom or ipywidgets is missing
# (that check is what tells the learner so).
_EXPORTS = {
    "Window": "windows",
    "file_windows": "windows",
    "PRESETS": "windows",
    "frame_attributes": "frames",
    "patient_orientation": "orientation",
    "Orientation": "orientation",
    "prepare": "display",
    "label_axes": "display",
    "to_rgb": "colour",
    "CinePlayer": "cine",
    "modality_values": "pipeline",
    "to_display": "pipeline",
    "value_range": "pipeline",
    "padding_values": "pipeline",
    "apply_window": "pipeline",
    "downsample": "pipeline",
    "display_values": "pipeline",
    "WindowingViewer": "viewer",
    "BrowserViewer": "browser_viewer",
    "VolumeViewer": "volume_viewer",
    "find_series": "series",
    "load_series": "series",
    "Series": "series",
    "Volume": "series",
    "deidentify": "deid", "check_burned_in": "deid", "profile_action": "deid",
    "compound_actions": "deid",
    "save_dataset": "saving",
}

__all__ = list(_EXPORTS)

# 12-bit JPEG Extended, which pydicom's own plugins refuse, decoded by GDCM (jpeg12.py).
# Where pydicom is missing, setup_check must still import: it is what says so.
try:
    from .jpeg12 import register as _register_jpeg12
except ModuleNotFoundError as missing:
    if missing.name != "pydicom" and not (missing.name or "").startswith("pydicom."):
        raise
else:
    _register_jpeg12()


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
