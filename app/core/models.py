"""Plain records shared by every layer: patients, regimen items, observations.

These are the nouns of the app. They carry no behaviour that needs Qt, SQL or
reportlab, so the engine, the importers, the store and the UI all speak them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

SEX_AT_BIRTH = ("female", "male", "intersex", "unknown")
REGIMEN_KINDS = ("hormone", "supplement", "medication")
ROUTES = (
    "IM",
    "SC",
    "oral",
    "transdermal",
    "topical",
    "sublingual",
    "vaginal",
    "intranasal",
    "pellet",
    "other",
)
COMPARATORS = ("<", "<=", ">", ">=")
OBSERVATION_SOURCES = ("manual", "csv", "hl7", "fhir", "demo")


@dataclass(frozen=True, slots=True)
class Patient:
    """A person whose records the clinic keeps."""

    id: int | None
    mrn: str
    family_name: str
    given_name: str
    date_of_birth: date
    sex_at_birth: str
    gender_identity: str = ""
    phone: str = ""
    email: str = ""
    address: str = ""
    notes: str = ""
    archived: bool = False

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_name}"

    def age_on(self, day: date) -> int:
        """Whole years of age on ``day``."""
        before_birthday = (day.month, day.day) < (
            self.date_of_birth.month,
            self.date_of_birth.day,
        )
        return day.year - self.date_of_birth.year - int(before_birthday)


@dataclass(frozen=True, slots=True)
class RegimenItem:
    """One hormone drug, medication or supplement at one dose over one period.

    A dose change ends the current row (``stop_date``) and starts a new row whose
    ``previous_id`` points back, so the history of doses is a chain of rows.
    ``interval_days`` is the dosing interval: 1 daily, 3.5 twice weekly, 7 weekly,
    ``None`` when there is no fixed schedule.
    """

    id: int | None
    patient_id: int
    kind: str
    substance: str
    dose: float | None
    dose_unit: str
    route: str
    interval_days: float | None
    start_date: date
    stop_date: date | None = None
    note: str = ""
    previous_id: int | None = None
    stop_reason: str = ""
    display_name: str = ""

    def active_on(self, day: date) -> bool:
        """True when the item was being taken on ``day`` (stop date exclusive)."""
        return self.start_date <= day and (self.stop_date is None or day < self.stop_date)

    @property
    def label(self) -> str:
        return self.display_name or self.substance.replace("_", " ")


@dataclass(frozen=True, slots=True)
class Observation:
    """One measured (or recorded) value for one patient at one time.

    ``value`` and ``unit`` are as reported; ``value_canonical`` and
    ``unit_canonical`` are converted with the knowledge base's factor, or ``None``
    and ``""`` when the unit was not recognised. A censored result such as
    ``<0.5`` has ``comparator="<"`` and ``value=0.5``. A non-result (``QNS``,
    ``Pending``) has ``value=None`` and keeps its text in ``raw_value``. Reference
    range bounds are in the reported unit.
    """

    id: int | None
    patient_id: int
    analyte_key: str
    collected_at: datetime
    raw_value: str
    value: float | None = None
    comparator: str | None = None
    unit: str = ""
    value_canonical: float | None = None
    unit_canonical: str = ""
    lab: str = ""
    source: str = "manual"
    loinc: str = ""
    ref_low: float | None = None
    ref_high: float | None = None
    ref_text: str = ""
    flag: str = ""
    batch_id: int | None = None
    note: str = ""
    excluded_reason: str = ""

    @property
    def excluded(self) -> bool:
        return bool(self.excluded_reason)

    @property
    def censored(self) -> bool:
        return self.comparator is not None


@dataclass(frozen=True, slots=True)
class PatientSummary:
    """The few fields the patient list shows; cheap to load by the thousand."""

    id: int
    mrn: str
    family_name: str
    given_name: str
    date_of_birth: date
    sex_at_birth: str
    archived: bool = False

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_name}"
