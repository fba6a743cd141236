"""``cofactor regimen``: a patient's hormones, medications and supplements from a script.

``list`` shows every row (earlier doses and stopped items too, as the Regimen tab
does); ``add`` starts an item, ``dose`` changes its dose from a date (the old row is
ended and the new one chained to it), ``stop`` ends it. The knowledge base's
defaults fill in what is left out (kind, unit, route), as the window's form does.
"""

from __future__ import annotations

from app.cli import UserError
from app.core.formatting import dose_text
from app.core.models import RegimenItem
from app.core.validation import DoseChange


def run_regimen(service, args) -> int:
    patient = service.find_patient(args.patient)
    if patient is None:
        raise UserError(f"No patient with MRN {args.patient}.")
    action = args.regimen_command
    if action == "add":
        item = service.add_regimen_item(_new_item(service, patient.id, args))
        print(f"Added {_line(service, item)}.")
    elif action == "dose":
        current = _item_of(service, patient.id, args.item)
        item = service.change_dose(
            DoseChange(
                current.id,
                args.dose,
                args.unit or current.dose_unit,
                _interval(args, current.interval_days),
                args.start or service.today(),
                args.note or "",
            )
        )
        print(f"Dose changed: {_line(service, item)}.")
    elif action == "stop":
        current = _item_of(service, patient.id, args.item)
        service.stop_regimen_item(current.id, args.on or service.today(), args.reason or "")
        print(f"Stopped item {current.id} on {(args.on or service.today()).isoformat()}.")
    else:
        items = service.regimen(patient.id)
        for item in sorted(items, key=lambda i: (i.start_date, i.id or 0)):
            print(_line(service, item))
        print(f"{len(items)} regimen row(s)")
    return 0


def _new_item(service, patient_id: int, args) -> RegimenItem:
    substance = service.knowledge.substances.get(args.substance)
    if substance is None:
        known = ", ".join(sorted(service.knowledge.substances))
        raise UserError(f"Unknown substance {args.substance!r}. Known: {known}.")
    return RegimenItem(
        None,
        patient_id,
        args.kind or substance.kind,
        substance.key,
        args.dose,
        args.unit or substance.default_unit,
        args.route or substance.default_route,
        _interval(args, None),
        args.start or service.today(),
        note=args.note or "",
    )


def _interval(args, default: float | None) -> float | None:
    if args.every is None:
        return default
    return None if args.every == 0 else args.every


def _item_of(service, patient_id: int, item_id: int) -> RegimenItem:
    for item in service.regimen(patient_id):
        if item.id == item_id:
            return item
    raise UserError(
        f"The patient has no regimen item {item_id}; `cofactor regimen list` shows them."
    )


def _line(service, item: RegimenItem) -> str:
    until = f" until {item.stop_date.isoformat()}" if item.stop_date else " (current)"
    return (
        f"#{item.id:<5} {service.substance_label(item):<34} {dose_text(item):<26} "
        f"from {item.start_date.isoformat()}{until}"
    )
