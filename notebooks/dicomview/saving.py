"""Saving a dataset as a DICOM file, safely.

`save_dataset(ds, path)` writes what pydicom 3's `save_as(path, enforce_file_format=True,
overwrite=False)` writes (an existing file is not replaced unless `overwrite=True`), plus
what it adds: no half-written file (a temporary file in the same folder, renamed when
complete), command elements (0000,eeee) left out, and the file meta a file read with
`force=True` lacks filled in where that is sound (see its docstring).
"""

from __future__ import annotations

import copy
import os
import tempfile
import warnings
from pathlib import Path

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    PYDICOM_IMPLEMENTATION_UID,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
)

_ITEM_TAG = b"\xfe\xff\x00\xe0"  # (FFFE,E000) little-endian: encapsulated pixel data starts so


def _encapsulated(ds: Dataset) -> bool:
    if "PixelData" not in ds:
        return False
    elem = ds["PixelData"]
    value = elem.value if isinstance(elem.value, (bytes, bytearray)) else b""
    return bool(elem.is_undefined_length or value[:4] == _ITEM_TAG)


def _uid_or_none(dataset: Dataset | None, keyword: str) -> str | None:
    if dataset is None or keyword not in dataset or dataset[keyword].is_empty:
        return None
    return str(dataset[keyword].value)


def _complete_file_meta(ds: Dataset) -> tuple[FileMetaDataset, list[str], bool]:
    """A completed copy of `ds`'s file meta (PS3.10 7.1), what to say about it, and whether
    anything was filled in; raises ValueError naming what the caller must set where it
    cannot be filled in soundly.

    Said: every change to the file meta of a dataset read from a file (it came without
    them, as with `force=True`), a transfer syntax inferred, and a Media Storage UID that
    disagreed with the dataset's. Not said: the routine filling of a dataset made in memory
    (Media Storage UIDs from its own SOP UIDs, pydicom's implementation), which is what
    pydicom's `save_as(..., enforce_file_format=True)` documents it does.
    """
    old = getattr(ds, "file_meta", None)
    meta = copy.deepcopy(old) if old is not None else FileMetaDataset()
    read_from_file = None not in ds.original_encoding
    notes: list[str] = []
    needed: list[str] = []
    changed = False
    for meta_keyword, ds_keyword, how in (
            ("MediaStorageSOPClassUID", "SOPClassUID",
             "ds.SOPClassUID = <the SOP Class of what it holds, e.g. "
             "pydicom.uid.CTImageStorage for a CT image>"),
            ("MediaStorageSOPInstanceUID", "SOPInstanceUID",
             "ds.SOPInstanceUID = pydicom.uid.generate_uid()")):
        in_meta, in_ds = _uid_or_none(meta, meta_keyword), _uid_or_none(ds, ds_keyword)
        if in_ds and in_meta != in_ds:
            setattr(meta, meta_keyword, in_ds)
            changed = True
            label = "Media Storage " + ("SOP Class UID" if "Class" in ds_keyword
                                        else "SOP Instance UID")
            if in_meta:
                notes.append(f"{label} {in_meta} replaced by the dataset's {ds_keyword}")
            elif read_from_file:
                notes.append(f"{label} set from the dataset's {ds_keyword}")
        elif not in_meta and not in_ds:
            needed.append(how)
    if not _uid_or_none(meta, "TransferSyntaxUID"):
        syntax = {(True, True): ImplicitVRLittleEndian, (False, True): ExplicitVRLittleEndian,
                  (False, False): ExplicitVRBigEndian}.get(tuple(ds.original_encoding))
        prefix = "" if old is not None else "ds.file_meta = pydicom.dataset.FileMetaDataset(); "
        if _encapsulated(ds):
            needed.append(
                f"{prefix}ds.file_meta.TransferSyntaxUID = <the UID of the compression its "
                "Pixel Data is in, e.g. pydicom.uid.JPEGBaseline8Bit> (the pixel data is "
                "compressed, and which compression cannot be told for sure from the bytes)")
        elif syntax is None:
            needed.append(
                f"{prefix}ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian "
                "(the dataset was not read from a file, so how to encode it is yours to say; "
                "its pixel data, if any, is not compressed)")
        else:
            meta.TransferSyntaxUID = syntax
            changed = True
            notes.append(f"Transfer Syntax UID set to {syntax.name} ({syntax}), the encoding "
                         "the dataset was read in")
    if needed:
        unread = ("" if any(elem.keyword for elem in ds) else
                  " (pydicom recognised no standard element in it: was it read with "
                  "force=True from something that is not a DICOM data set?)")
        raise ValueError(
            "not written: a DICOM file's meta information (PS3.10 7.1) needs what this "
            f"dataset cannot supply{unread}. Set: " + "; ".join(needed))
    if not _uid_or_none(meta, "ImplementationClassUID"):
        meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
        changed = True
        if read_from_file:
            notes.append("Implementation Class UID set to pydicom's")
    if "FileMetaInformationVersion" not in meta or meta["FileMetaInformationVersion"].is_empty:
        meta.FileMetaInformationVersion = b"\x00\x01"
        changed = True
        if read_from_file:
            notes.append("File Meta Information Version set to 00\\01")
    return meta, notes, changed


def _ready_to_write(ds: Dataset) -> tuple[Dataset, list[str]]:
    """`ds`, or a copy of it that can be written as a file, and what to say about the
    changes. The copy shares `ds`'s elements and does not change them; `ds` is left as it
    is."""
    meta, notes, changed = _complete_file_meta(ds)
    commands = [elem for elem in ds if elem.tag.group == 0x0000]
    if commands:
        notes.append(
            f"{len(commands)} command element{'s' if len(commands) > 1 else ''} "
            f"({', '.join(elem.keyword or str(elem.tag) for elem in commands)}) removed: "
            "group 0000 belongs to network messages (PS3.5 7.1, PS3.7), not to a file's "
            "data set (PS3.10 7.2)")
    if not changed and not commands:
        return ds, notes
    out = Dataset()
    for elem in ds:
        if elem.tag.group != 0x0000:
            out.add(elem)
    out.set_original_encoding(*ds.original_encoding, ds.original_character_set)
    out.preamble = getattr(ds, "preamble", None)
    out.file_meta = meta
    return out, notes


def save_dataset(ds: Dataset, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write `ds` as a DICOM file (`save_as(..., enforce_file_format=True)`: preamble,
    "DICM" and a complete file meta) and return the path.

    Refuses with FileExistsError when `path` exists, unless `overwrite=True`: that much
    pydicom 3 does too, with `save_as(path, overwrite=False)` (its default is True). What
    this adds:

    - No half-written file: the file is written under a temporary name in the same folder
      and only then given its name, in one step, so `path` holds either the whole new file
      or what it held before (a failed or interrupted write leaves nothing). Without
      `overwrite`, that last step fails if `path` appeared meanwhile.
    - A dataset that cannot go into a file as it is, as one read with `force=True`:
      - command elements (0000,eeee), which belong to network messages (PS3.5 7.1,
        PS3.7), not to a file's data set (PS3.10 7.2), are left out of the file;
      - missing file meta (PS3.10 7.1) is filled in where that is sound: Media Storage SOP
        Class/Instance UID from the dataset's SOP Class/Instance UID, the Transfer Syntax
        UID from the encoding the dataset was read in (`ds.original_encoding`; never for
        compressed pixel data), Implementation Class UID and File Meta Information
        Version from pydicom.
      One warning says what was changed in a dataset read from a file (the file meta it
      came without, command elements) and any Media Storage UID that disagreed with the
      dataset's. For a dataset made in memory, filling the Media Storage UIDs from its
      own SOP UIDs is what `save_as(..., enforce_file_format=True)` does too, unsaid.
      `ds` itself is not changed. Where the file meta cannot be filled in soundly (no SOP
      Class UID, a dataset made in memory without a Transfer Syntax UID, compressed pixel
      data with none), ValueError says exactly what to set, e.g.
      `ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian`.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise _exists(path)
    out, notes = _ready_to_write(ds)
    if notes:
        warnings.warn(f"{path.name}: " + "; ".join(notes) + ".", stacklevel=2)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f:
            out.save_as(f, enforce_file_format=True)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # as an ordinary new file (mkstemp makes 0600)
        if overwrite:
            os.replace(temporary, path)
        else:
            _rename_no_replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _exists(path: Path) -> FileExistsError:
    return FileExistsError(
        f"{path.name} exists already: not overwritten. Choose another path, or pass "
        "overwrite=True if replacing it is what you want.")


def _rename_no_replace(source: str, target: Path) -> None:
    """Give `source` the name `target` in one step that fails if `target` exists."""
    try:
        os.link(source, target)  # atomic, and refuses an existing name
    except FileExistsError:
        raise _exists(target) from None
    except OSError:  # a file system without hard links
        if os.name == "nt":
            try:
                os.rename(source, target)  # Windows refuses an existing name
            except FileExistsError:
                raise _exists(target) from None
            return
        if target.exists():
            raise _exists(target) from None
        os.replace(source, target)
        return
    os.unlink(source)
