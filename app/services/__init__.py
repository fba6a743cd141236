"""Services: the one door the UI and the command line use."""

from app.services.clinic import ClinicService

__all__ = ["ClinicService"]
