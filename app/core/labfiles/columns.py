"""Guess what each CSV column holds from its header, and fingerprint the header.

Lab and EHR exports name the same thing many ways (``Test Name``, ``Component``,
``DESCRIPTION``); the synonyms below are the English spellings seen in such exports,
Synthea's ``DATE,PATIENT,ENCOUNTER,CODE,DESCRIPTION,VALUE,UNITS,TYPE`` included. The user
can always override a guess through ``ReadOptions.column_map``.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

from .model import ROLES, FileRejected
from .values import looks_like_unit

__all__ = [
    "guess_roles",
    "header_fingerprint",
    "normalise_header",
    "scale_note",
    "split_header_unit",
]

_SYNONYMS: dict[str, str] = {
    "mrn": "mrn|medical record number|medical record no|med rec no|mr number|mr no|mrn number|"
    "record number|chart number|chart no|chart id|hospital number|hospital no|patient mrn|"
    "nhs number|urn|patient chart number",
    "source_patient_id": "patient|patient id|patientid|pid|patient no|patient nr|patient number|"
    "person id|subject id|subject|client id|patient identifier|patient code|external id",
    # The analyzer's number for a tube; it groups rows when no patient is named.
    "sample_id": "sample id|sampleid|sample id no|sample no|sample nr|sample number|sample|"
    "specimen id|specimen no|specimen number|accession|accession id|accession no|"
    "accession number|accession nr",
    "patient_name": "patient name|name|full name|patient full name",
    "family_name": "last name|lastname|family name|surname|patient last name|lname|family",
    "given_name": "first name|firstname|given name|forename|patient first name|fname|given",
    "date_of_birth": "dob|date of birth|birth date|birthdate|birthday|patient dob|d o b",
    "sex": "sex|gender|patient sex|patient gender|sex at birth",
    "analyte": "test|test name|analyte|analyte name|component|component name|description|"
    "observation|observation name|result name|test description|assay|assay name|parameter|"
    "lab test|test item|item|investigation|determination|examination|measurement|"
    "result description|observation description|name of test",
    "loinc": "loinc|loinc code|loinc num|loinc number|result loinc|loinc id",
    "code": "code|test code|result code|observation code|component code|analyte code|local code",
    "value": "value|result|result value|observation value|numeric result|value numeric|"
    "result numeric|results|measurement value|concentration|result concentration|reading|"
    "final result|test result|lab result|lab value",
    "value_type": "type|value type|result type|data type",
    "unit": "unit|units|uom|unit of measure|units of measure|unit of measurement|result unit|"
    "result units|std unit|unit name|measurement unit",
    "ref_range": "reference range|ref range|range|normal range|reference interval|ref interval|"
    "reference|reference values|reference value|normal values|expected range|normal limits|"
    "reference ranges|ref",
    "ref_low": "ref low|reference low|range low|low|lower limit|normal low|low normal|"
    "reference range low|ref range low|lower reference limit|ref min",
    "ref_high": "ref high|reference high|range high|high|upper limit|normal high|high normal|"
    "reference range high|ref range high|upper reference limit|ref max",
    "flag": "flag|flags|abnormal flag|abnormal flags|abn flag|abnormal|h l|hl flag|result flag|"
    "abnormality",
    "collected_at": "collected|collection date|collection datetime|collection date time|"
    "collected date|collected at|date collected|collected on|specimen date|"
    "specimen collection date|sample date|sampling date|draw date|date drawn|drawn|"
    "collection|collection dt|specimen collected|sample collected",
    "collected_time": "time|collection time|collected time|analysis time|sample time|draw time|"
    "specimen time|time collected",
    "lab": "lab|laboratory|performing lab|lab name|performing laboratory|performing site|"
    "lab site|performing organization|testing lab",
    "note": "comment|comments|note|notes|result comment|remarks|remark",
}
_ROLE_OF: dict[str, str] = {
    name: role for role, names in _SYNONYMS.items() for name in names.split("|")
}
# Second-choice names for the collection time: used only when no first-choice name exists.
_DATE_SECOND = set(
    [
        "date",
        "datetime",
        "date time",
        "observation date",
        "result date",
        "test date",
        "date of test",
        "effective date",
        "effective",
        "date of service",
        "service date",
        "analysis date",
        "resulted",
        "result datetime",
        "report date",
        "reported",
        "lab date",
        "visit date",
        "order date",
        "date reported",
    ]
)
_DATE_WORDS = re.compile(r"\b(?:date|time|datetime|dt|timestamp)\b")
# Second-choice names for the sample: an analyzer export may number each tube only by
# the order it was run for (``order_id``). Without one, all of a file's rows from many
# tubes (QC material included) would read as one unidentified patient.
_SAMPLE_SECOND = frozenset(
    (
        "order id",
        "orderid",
        "order no",
        "order number",
        "order nr",
        "requisition",
        "requisition id",
        "requisition no",
        "requisition number",
        "request id",
        "request no",
        "request number",
    )
)

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_HEADER_UNIT = re.compile(
    r"^(?P<name>.*?[^\s(\[])\s*[(\[](?P<unit>(?:[^()\[\]]|\([^()]*\))+)[)\]]\s*$"
)
_SCALE = re.compile(
    r"^\s*(?:x\s*)?(?P<factor>10\s*(?:\^|\*\*?)\s*\(?[-+]?\d+\)?|\d+(?:\.\d+)?(?:\s*[x*]\s*10"
    r"\s*(?:\^|\*\*?)\s*\(?[-+]?\d+\)?)?)(?=\s*[/%a-zA-Z\u00b5\u03bc]|\s*$)"
)


def normalise_header(header: str) -> str:
    """Lower-case ``header`` and reduce punctuation to single spaces (``'Patient no.'`` → ``'patient no'``)."""
    return _NON_ALNUM.sub(" ", header.lower()).strip()


def header_fingerprint(headers: list[str]) -> str:
    """Return a stable 16-hex-digit hash of the normalised header names."""
    joined = "\x1f".join(normalise_header(h) for h in headers)
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:16]


def split_header_unit(header: str) -> tuple[str, str]:
    """Split ``'Zinc (ug/dL)'`` into ``('Zinc', 'ug/dL')``; ``(header, '')`` when no unit.

    Handles nested parentheses (``'HCT(10^(-1)%)'`` → ``('HCT', '10^(-1)%')``). The part in
    brackets counts as a unit only when it reads as one, so ``'Error(Func)'`` keeps its name.
    """
    match = _HEADER_UNIT.match(header.strip())
    if match:
        unit = match.group("unit").strip()
        if looks_like_unit(unit) or _SCALE.match(unit):
            return match.group("name").strip(), unit
    return header.strip(), ""


#: How a test name that carries its unit ends (``'Ferritin (ng/mL)'``): a cheap test
#: before :func:`named_unit` is asked.
NAMED_UNIT_ENDS = (")", "]")


@lru_cache(maxsize=4096)
def named_unit(analyte: str, unit: str) -> tuple[str, str]:
    """A long file's test named with its unit (``'Ferritin (ng/mL)'``): its name, and the
    unit the row is in.

    The unit in the name is the row's unit when the row gives none, and is cut from the
    name when the row gives the same one (so the name matches the test). When the row
    gives another unit, the name is kept whole: which one is meant is not guessed, and
    the user maps the name.
    """
    name, written = split_header_unit(analyte)
    if not written:
        return analyte, unit
    if not unit:
        return name, written
    if _unit_spelling(written) == _unit_spelling(unit):
        return name, unit
    return analyte, unit


def _unit_spelling(unit: str) -> str:
    return unit.replace("\u00b5", "u").replace("\u03bc", "u").replace(" ", "").casefold()


def scale_note(unit: str) -> str:
    """Describe a numeric factor inside ``unit`` (``'10^(-1)%'``), or return ``''``.

    The factor is reported, never applied: whether ``10/uL`` means "tens per microlitre"
    depends on the instrument, and a wrong guess would shift results tenfold.
    """
    match = _SCALE.match(unit)
    if not match:
        return ""
    factor = re.sub(r"\s+", "", match.group("factor"))
    return f"unit {unit!r} includes the factor {factor}; values are kept as written, not rescaled"


def guess_roles(headers: list[str], overrides: dict[str, str] | None = None) -> dict[str, int]:
    """Map roles to column indexes from header names.

    Args:
        headers: Header cells as written.
        overrides: Role → header chosen by the user; ``''`` unsets a role.

    Returns:
        Role → 0-based column index. The first header wins a role; a header gets one role.

    Raises:
        FileRejected: When an override names an unknown role or a header not in the file.
    """
    roles: dict[str, int] = {}
    taken: set[int] = set()
    names = [normalise_header(split_header_unit(h)[0]) for h in headers]
    if overrides:
        for role, header in overrides.items():
            if role not in ROLES:
                raise FileRejected(f"{role!r} is not a column role this reader knows.")
            if not header:
                taken.add(-1)
                roles[role] = -1
                continue
            if header not in headers:
                raise FileRejected(f"The column {header!r} chosen for {role} is not in the file.")
            roles[role] = headers.index(header)
            taken.add(roles[role])
    for index, name in enumerate(names):
        role = _ROLE_OF.get(name)
        if role and role not in roles and index not in taken:
            roles[role] = index
            taken.add(index)
    if "sample_id" not in roles:
        orders = [i for i, n in enumerate(names) if i not in taken and n in _SAMPLE_SECOND]
        if orders:
            roles["sample_id"] = orders[0]
            taken.add(orders[0])
    if "collected_at" not in roles:
        candidates = [i for i, n in enumerate(names) if i not in taken and n in _DATE_SECOND]
        candidates += [i for i, n in enumerate(names) if i not in taken and _DATE_WORDS.search(n)]
        if candidates:
            roles["collected_at"] = candidates[0]
    return {role: index for role, index in roles.items() if index >= 0}
