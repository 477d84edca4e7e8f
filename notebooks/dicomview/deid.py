"""De-identify a dataset by the DICOM Basic Application Level Confidentiality Profile.

`deidentify(ds, salt=...)` returns a new dataset in which every attribute that PS3.15
Table E.1-1 lists is removed, emptied or replaced as the table's "Basic Prof." column says
(the table itself is in `deid_profile.py`, generated from the standard's 2026c edition),
in nested sequences too; private elements are removed (the table's last row); and every
UID that is not one of the standard's own (SOP classes, transfer syntaxes…) is replaced by
one derived from the salt and the original, so all the files of a series or a study get
the same new UIDs and still belong together. No option of the profile is applied: no
dates, device or institution identities are retained, and UIDs are not retained.

Why refuse burned-in text: the profile works on attributes only. Text written into the
pixels (names, dates on ultrasound or screen captures) survives it, so a file that says
it has such text (BurnedInAnnotation YES), or whose modality often has it and does not
say, is refused until the caller states that the pixels were cleaned.

`save_dataset(ds, path)` writes a DICOM file and refuses to replace an existing one unless
`overwrite=True`: a de-identification run must never destroy its originals.

pydicom is the only dependency.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from pathlib import Path

from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import PYDICOM_ROOT_UID, UID, generate_uid

from .deid_profile import BASIC_PROFILE, EDITION, REPEATING

# Modalities whose images often carry burned-in text (measurements, names, dates on the
# screen): ultrasound, X-ray angiography and fluoroscopy, endoscopy and photography,
# secondary capture (screenshots) and "other". For these, a missing BurnedInAnnotation
# counts as a "maybe".
BURNS_TEXT_IN = frozenset({"US", "XA", "RF", "ES", "XC", "GM", "SM", "SC", "OT", "DOC"})

# The codes of PS3.16 CID 7050 (De-identification Method) this module can claim.
_BASIC_PROFILE_CODE = ("113100", "Basic Application Confidentiality Profile")
_CLEAN_PIXEL_CODE = ("113101", "Clean Pixel Data Option")

# D: "a non-zero length value that may be a dummy value and consistent with the VR"
# (PS3.15 E.1.1). One fixed dummy per VR; every text VR accepts "ANONYMIZED".
_DUMMY_TEXT = "ANONYMIZED"
_DUMMY_BY_VR: dict[str, object] = {
    "DA": "20000101", "DT": "20000101000000", "TM": "000000", "AS": "000Y",
    "IS": "0", "DS": "0",
    "US": 0, "SS": 0, "UL": 0, "SL": 0, "UV": 0, "SV": 0, "FL": 0.0, "FD": 0.0,
    "AT": 0,
    "OB": b"\0" * 8, "OD": b"\0" * 8, "OF": b"\0" * 8, "OL": b"\0" * 8,
    "OV": b"\0" * 8, "OW": b"\0" * 8, "UN": b"\0" * 8,
}

# File meta elements that name the sending or receiving system, or carry private data.
_FILE_META_TO_REMOVE = ("SourceApplicationEntityTitle", "SendingApplicationEntityTitle",
                        "ReceivingApplicationEntityTitle", "PrivateInformationCreatorUID",
                        "PrivateInformation")


def profile_action(tag: int) -> str | None:
    """The Basic Profile's action code for `tag` (e.g. "X", "Z", "X/Z/U*"), or None if
    PS3.15 Table E.1-1 does not list it. Private tags are not looked up here."""
    code = BASIC_PROFILE.get(int(tag))
    if code is None:
        for value, mask, repeating_code, _name in REPEATING:
            if int(tag) & mask == value:
                return repeating_code
    return code


def chosen_action(code: str) -> str:
    """The one action taken for a table code that leaves a choice.

    Which of X/Z/D is needed depends on the attribute's Type in each IOD (PS3.3), which
    this module does not look up. So: U wherever allowed (keeps references between files
    working), else Z (an empty element is valid for Type 2 and Type 3 and reveals nothing),
    else D (a dummy value, for attributes that must have one), else X.
    """
    for action in ("U", "Z", "D", "X"):
        if action in code:
            return action
    raise ValueError(f"unknown action code {code!r}")


def uid_replacer(salt: str) -> Callable[[str], str]:
    """A function that maps a UID to its replacement: the same original and salt always
    give the same new UID (a valid UID of at most 64 characters under pydicom's root);
    UIDs the standard defines (SOP classes, transfer syntaxes, coding schemes…) are kept.
    """
    if not salt:
        raise ValueError("salt must be a non-empty string: keep it secret, and use the "
                         "same one for every file that must keep belonging together")

    def replace(uid: str) -> str:
        uid = str(uid).strip("\0 ")
        if not uid or UID(uid).name != uid:  # registered in the standard: not identifying
            return uid
        # prefix given, so the hash of salt + uid decides (without one it is random)
        return str(generate_uid(prefix=PYDICOM_ROOT_UID, entropy_srcs=[salt, "\n", uid]))

    return replace


def _replace_uids(elem: DataElement, replace: Callable[[str], str]) -> None:
    if elem.VM > 1:
        elem.value = [replace(v) for v in elem.value]
    elif elem.value:
        elem.value = replace(elem.value)


def _dummy(elem: DataElement) -> object:
    return _DUMMY_BY_VR.get(elem.VR, _DUMMY_TEXT)


def _clean(ds: Dataset, replace: Callable[[str], str]) -> None:
    """Apply the profile to `ds` in place, and to every item of its sequences."""
    for elem in list(ds):
        tag = elem.tag
        if tag.is_private:  # Table E.1-1, last row: private attributes, X
            del ds[tag]
            continue
        code = profile_action(tag)
        action = chosen_action(code) if code else None
        if action == "X":
            del ds[tag]
        elif action == "Z":
            elem.value = Sequence() if elem.VR == "SQ" else None
        elif elem.VR == "SQ":  # D, U or not listed: keep the items, clean them too
            for item in elem.value:
                _clean(item, replace)
        elif elem.VR == "UI":  # U, or a UID the table does not list: replace it anyway
            _replace_uids(elem, replace)
        elif action == "D":
            elem.value = _dummy(elem)
        elif action == "U":  # U on another VR (none in the 2026c table): empty it
            elem.value = None


def check_burned_in(ds: Dataset) -> None:
    """Raise ValueError if `ds` says its pixels show text, or may show it.

    BurnedInAnnotation (0028,0301) YES: refused. Absent or empty in a modality that often
    burns text in (`BURNS_TEXT_IN`): refused too, since nobody checked.
    """
    value = str(ds.get("BurnedInAnnotation", "") or "").strip().upper()
    modality = str(ds.get("Modality", "") or "").strip().upper()
    if value == "YES":
        why = "its BurnedInAnnotation (0028,0301) is YES: the pixels show text"
    elif not value and modality in BURNS_TEXT_IN:
        why = (f"it has no BurnedInAnnotation (0028,0301), and {modality} images often "
               "show text in their pixels")
    else:
        return
    raise ValueError(
        f"not de-identified: {why}, such as a name or a date, which the profile cannot "
        "remove (it changes attributes, not pixels). Look at the image, mask the text in "
        "the pixels, then call deidentify(ds, salt=..., pixels_cleaned=True).")


def deidentify(ds: Dataset, *, salt: str, pixels_cleaned: bool = False) -> Dataset:
    """A de-identified copy of `ds`; `ds` itself is left untouched.

    Applies PS3.15 Table E.1-1's Basic Profile column (2026c edition) to every element,
    nested sequences included; removes private elements; replaces every non-standard UID,
    file meta's MediaStorageSOPInstanceUID included, by one derived from `salt` and the
    original (same salt, same new UID in every file: series and references stay intact).
    Sets PatientIdentityRemoved YES, DeidentificationMethod and
    DeidentificationMethodCodeSequence (PS3.16 CID 7050: 113100, plus 113101 when
    `pixels_cleaned`). Pixel data is not changed.

    pixels_cleaned: the caller states that no identifying text is left in the pixels.
    Without it, a file with BurnedInAnnotation YES (or, for modalities that often burn
    text in, without that attribute) raises ValueError. With it, BurnedInAnnotation is
    set to NO.
    """
    if not pixels_cleaned:
        check_burned_in(ds)
    replace = uid_replacer(salt)
    out = copy.deepcopy(ds)
    _clean(out, replace)
    meta = getattr(out, "file_meta", None)
    if meta is not None:
        for keyword in _FILE_META_TO_REMOVE:
            if keyword in meta:
                delattr(meta, keyword)
        if "MediaStorageSOPInstanceUID" in meta:
            meta.MediaStorageSOPInstanceUID = replace(meta.MediaStorageSOPInstanceUID)
    if pixels_cleaned:
        out.BurnedInAnnotation = "NO"
    out.PatientIdentityRemoved = "YES"
    out.DeidentificationMethod = [
        "PS3.15 Basic Application Level Confidentiality Profile",
        f"Table E.1-1 {EDITION}; UIDs replaced; private removed",
    ]
    codes = [_BASIC_PROFILE_CODE] + ([_CLEAN_PIXEL_CODE] if pixels_cleaned else [])
    items = []
    for value, meaning in codes:
        item = Dataset()
        item.CodeValue = value
        item.CodingSchemeDesignator = "DCM"
        item.CodeMeaning = meaning
        items.append(item)
    out.DeidentificationMethodCodeSequence = items
    return out


def save_dataset(ds: Dataset, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write `ds` as a DICOM file (`save_as(..., enforce_file_format=True)`: preamble,
    "DICM" and a complete file meta) and return the path.

    Refuses with FileExistsError when `path` exists, unless `overwrite=True`. The refusal
    is atomic (the file is opened in exclusive-create mode), and a write that fails leaves
    no half-written file behind.
    """
    path = Path(path)
    try:
        with open(path, "wb" if overwrite else "xb") as f:
            try:
                ds.save_as(f, enforce_file_format=True)
            except BaseException:
                f.close()
                path.unlink()
                raise
    except FileExistsError:
        raise FileExistsError(
            f"{path.name} exists already: not overwritten. Choose another path, or pass "
            "overwrite=True if replacing it is what you want.") from None
    return path
