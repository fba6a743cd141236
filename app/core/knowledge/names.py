"""Fold analyte names the way lab CSVs vary them, for exact matching."""

from __future__ import annotations

import unicodedata

_MICRO_SIGNS = ("\u00b5", "\u03bc")
# Greek letters labs use in analyte names (TNF-α, β-CrossLaps), spelt out so that
# "TNF-α" and "TNF-alpha" fold to the same key.
_GREEK = {"\u03b1": "alpha", "\u03b2": "beta", "\u03b3": "gamma", "\u0394": "delta"}


def normalise_name(text: str) -> str:
    """Return a matching key: case-folded, micro signs as ``u``, only letters and digits.

    ``"Zinc, Serum"``, ``"ZINC SERUM"`` and ``"zinc-serum"`` all give ``"zincserum"``;
    ``"25-OH Vitamin D"`` gives ``"25ohvitamind"``. Accents are dropped (NFKD), so
    ``"Södergård"`` matches ``"Sodergard"``.
    """
    for sign in _MICRO_SIGNS:
        text = text.replace(sign, "u")
    for letter, spelt in _GREEK.items():
        text = text.replace(letter, spelt)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed.casefold() if char.isalnum() and char.isascii())
