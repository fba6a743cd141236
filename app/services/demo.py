"""Build the synthetic demo clinic (``cofactor demo`` and the first-run dialog)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from app.core.demo import DEFAULT_SEED, generate_clinic
from app.services.clinic import ClinicService

DEMO_CLINIC_NAME = "Demo clinic (synthetic patients)"
_CHUNK = 500


@dataclass(frozen=True)
class DemoCounts:
    patients: int
    regimen_items: int
    observations: int


def build_demo_clinic(
    path: Path | None,
    *,
    patients: int,
    today: date | None = None,
    seed: int = DEFAULT_SEED,
    max_draws: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[ClinicService, DemoCounts]:
    """Create a plain (unencrypted) clinic at ``path`` filled with synthetic patients."""
    if patients < 1:
        raise ValueError("A demo clinic needs at least one patient.")
    today = today or date.today()
    service = ClinicService.create(path, name=DEMO_CLINIC_NAME, demo=True, today=lambda: today)
    kb = service.knowledge

    def canonicalise(key: str, value: float, unit: str):
        if key not in kb.analytes:
            return None
        try:
            return kb.to_canonical(key, value, unit), kb.analyte(key).canonical_unit
        except Exception:  # an unknown unit stays raw, exactly as a real import would
            return None

    kinds = {key: substance.kind for key, substance in kb.substances.items()}
    n_regimen = n_obs = 0
    batch_patients, batch_regimen, batch_obs = [], [], []
    with service.database.transaction():
        for done, demo in enumerate(
            generate_clinic(
                patients, today=today, seed=seed, canonicalise=canonicalise, max_draws=max_draws
            ),
            start=1,
        ):
            batch_patients.append(demo.patient)
            # Rows carry the knowledge base's kind (anastrozole a medication), not the
            # profile's rough one, as a row added from the regimen dialog does.
            batch_regimen.extend(
                replace(item, kind=kinds.get(item.substance, item.kind)) for item in demo.regimen
            )
            batch_obs.extend(demo.observations)
            if len(batch_patients) >= _CHUNK or done == patients:
                service.patients_repo.add_many(batch_patients)
                service.regimen_repo.add_many(batch_regimen)
                n_obs += service.observations_repo.add_many(batch_obs)
                n_regimen += len(batch_regimen)
                batch_patients, batch_regimen, batch_obs = [], [], []
                if progress:
                    progress(done, patients)
    return service, DemoCounts(patients, n_regimen, n_obs)
