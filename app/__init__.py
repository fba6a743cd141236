"""Cofactor: lab trends and micronutrient gaps for clinics running hormone protocols."""

__version__ = "0.1.0"
