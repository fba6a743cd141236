"""Trend series and chart presets for one patient, for the Trends tab and the PDF."""

from __future__ import annotations

from datetime import date, timedelta

from app.core.evaluation.regimen import (
    ProtocolShape,
    RegimenIndex,
    active_components,
    detect_protocols,
)
from app.core.series import TrendSeries, build_trend_series

# Preset analyte lists (display order). Protocols without one here use their
# KB monitoring analytes; the general ones are offered to everyone.
_TRT = [
    "testosterone_total",
    "free_testosterone_calc",
    "estradiol",
    "shbg",
    "hematocrit",
    "psa",
    "zinc",
    "magnesium_serum",
]
_FEMALE = [
    "testosterone_total",
    "free_testosterone_calc",
    "shbg",
    "estradiol",
    "progesterone",
    "fsh",
    "lh",
    "dhea_s",
]
_BONE = [
    "bmd_tscore",
    "bmd_tscore_lumbar",
    "bmd_tscore_femur",
    "bmd_tscore_hip",
    "vitamin_d_25oh",
    "calcium_total",
    "pth",
]
_THYROID = ["tsh", "free_t4", "free_t3"]
# What hormone therapy is also watched for: blood pressure, weight, lipids and glucose
# (cardiometabolic), and the blood count, liver and kidney labs (safety).
_CARDIOMETABOLIC = [
    "bp_systolic",
    "bp_diastolic",
    "body_weight",
    "bmi",
    "cholesterol_ldl",
    "cholesterol_hdl",
    "triglycerides",
    "hba1c",
    "glucose_fasting",
]
_SAFETY = [
    "hematocrit",
    "hemoglobin",
    "rbc",
    "platelets",
    "alt",
    "ast",
    "creatinine",
    "egfr",
    "potassium",
]
PROTOCOL_PRESETS = {
    "male_trt": ("TRT", _TRT),
    "female_low_dose_testosterone": ("Female", _FEMALE),
    "estradiol_therapy": ("Female", _FEMALE),
    "thyroid_replacement": ("Thyroid", _THYROID),
}
GENERAL_PRESETS = {
    "TRT": _TRT,
    "Female": _FEMALE,
    "Bone": _BONE,
    "Thyroid": _THYROID,
    "Cardiometabolic": _CARDIOMETABOLIC,
    "Blood count, liver, kidney": _SAFETY,
}


def patient_protocols(service, patient_id: int, on: date | None = None) -> tuple[str, ...]:
    """Protocols whose required components the patient takes on ``on`` (default today)."""
    kb = service.knowledge
    patient = service.get_patient(patient_id)
    shapes = tuple(
        ProtocolShape(
            key=key,
            sex=protocol.sex,
            required=tuple(c.substances for c in protocol.components if c.required),
            optional=tuple(c.substances for c in protocol.components if not c.required),
        )
        for key, protocol in kb.protocols.items()
    )
    index = RegimenIndex.build(service.regimen(patient_id))
    roles_of = {k: (s.role,) for k, s in kb.substances.items()}
    kinds = {k: s.kind for k, s in kb.substances.items()}
    components = active_components(index, on or service.today(), roles_of, kinds)
    return detect_protocols(shapes, components, patient.sex_at_birth)


def series_for(
    service,
    patient_id: int,
    analyte_keys,
    unit_system: str = "conventional",
    years: float | None = None,
) -> TrendSeries:
    """The trend series for a patient's analytes over the last ``years`` (None: all).

    Only the drawn analytes' results are read (and a derived lane's inputs), or taken
    from the patient's whole read when the service keeps one.
    """
    kb = service.knowledge
    keys = list(analyte_keys)
    today = service.today()
    start = today - timedelta(days=round(365.25 * years)) if years else None
    return build_trend_series(
        kb,
        service.get_patient(patient_id),
        service.regimen(patient_id),
        service.observations(patient_id, kb.derived.measured_for(keys)),
        keys,
        unit_system=unit_system,
        start=start,
        end=today,
        protocols=patient_protocols(service, patient_id),
    )


def presets(service, patient_id: int) -> dict[str, list[str]]:
    """Preset name -> analyte keys: the patient's protocols first, then general ones."""
    kb = service.knowledge
    found = protocol_presets(service, patient_id)
    for name, keys in GENERAL_PRESETS.items():
        found.setdefault(name, list(keys))
    return {name: [k for k in keys if k in kb.analytes] for name, keys in found.items()}


def protocol_presets(service, patient_id: int) -> dict[str, list[str]]:
    """The presets of the protocols the patient is on (name -> analyte keys)."""
    kb = service.knowledge
    found: dict[str, list[str]] = {}
    for key in patient_protocols(service, patient_id):
        name, keys = PROTOCOL_PRESETS.get(key, (None, None))
        if name is None:
            protocol = kb.protocols[key]
            name = protocol.name
            keys = list(dict.fromkeys(a for m in protocol.monitoring for a in m.analytes))
        found.setdefault(name, list(keys))
    return found


def analytes_with_results(service, patient_id: int) -> list[str]:
    """Analyte keys the patient has results for, plus derived ones computable from them."""
    kb = service.knowledge
    have = service.analytes_with_values(patient_id)
    keys = [k for k in kb.analytes if k in have]
    for key, definition in kb.derived.definitions.items():
        needed = [i.analyte for i in definition.inputs if not i.use_default]
        if key in kb.analytes and all(a in have for a in needed):
            keys.append(key)
    return keys
