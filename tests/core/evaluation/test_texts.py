"""Numbers and word lists as findings print them."""

from app.core.evaluation.texts import format_number, join_words


def test_numbers_print_without_float_noise():
    assert format_number(0.1 + 0.2) == "0.3"
    assert format_number(9.18) == "9.18"
    assert format_number(0.0042) == "0.0042"


def test_large_numbers_print_whole_not_in_exponent_form():
    """A platelet range of 150000-450000 /uL must not print as 1.5e+05."""
    assert format_number(150000) == "150000"
    assert format_number(12345.0) == "12345"
    assert format_number(2500000) == "2500000"


def test_word_lists_read_as_a_sentence():
    assert join_words(["zinc"]) == "zinc"
    assert join_words(["zinc", "copper"]) == "zinc and copper"
    assert join_words(["zinc", "copper", "boron"]) == "zinc, copper and boron"
