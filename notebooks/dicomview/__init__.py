"""dicomview: the small helper package the lessons build and later lessons reuse."""

from importlib import import_module

# Public names and the module each comes from. They are imported on first use, so that
# `from dicomview import setup_check` still works where pydicom or ipywidgets is missing
# (that check is what tells the learner so).
_EXPORTS = {
    "Window": "windows",
    "file_windows": "windows",
    "PRESETS": "windows",
    "frame_attributes": "frames",
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
    "deidentify": "deid", "save_dataset": "deid", "check_burned_in": "deid", "profile_action": "deid",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> object:
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
