"""Barcodes: scanner-safe alphabet, check character, normalisation."""

import itertools

from repository import barcodes


def test_alphabet_has_no_confusable_or_special_characters():
    for char in "01OQIL5S2Z8BUV_^~":
        assert char not in barcodes.ALPHABET


def test_check_character_catches_every_single_substitution():
    code = "347AC9D"
    full = code + barcodes.check_character(code)
    assert barcodes.is_valid(full)
    for index, replacement in itertools.product(range(len(full)), barcodes.ALPHABET):
        if full[index] != replacement:
            assert not barcodes.is_valid(full[:index] + replacement + full[index + 1 :])


def test_check_character_catches_adjacent_transpositions():
    code = "HJKMNPR"
    full = code + barcodes.check_character(code)
    for index in range(len(full) - 1):
        swapped = full[:index] + full[index + 1] + full[index] + full[index + 2 :]
        if swapped != full:
            assert not barcodes.is_valid(swapped)


def test_normalise_accepts_what_scanners_and_people_send():
    assert barcodes.normalise("  ac3d-e4fw \n") == "AC3DE4FW"


def test_random_codes_are_valid_and_distinct():
    codes = {barcodes._random_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(barcodes.is_valid(c) and len(c) == 8 for c in codes)
