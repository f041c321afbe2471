"""Key material: Argon2id costs, recovery phrases, handles and passphrase normalisation."""

from __future__ import annotations

import math

import pytest

from confidante.errors import InputError, TamperedError
from confidante.vault import KdfParams
from confidante.vault.kdf import derive
from confidante.vault.phrases import (
    check_passphrase,
    clean_handle,
    new_handle,
    new_recovery_phrase,
    normalise_secret,
    words,
)


def test_default_costs_are_argon2id_t3_64mib_p1() -> None:
    assert KdfParams().encode() == "argon2id$v=19$t=3$m=65536$p=1"
    assert KdfParams.decode("argon2id$v=19$t=3$m=65536$p=1") == KdfParams()


@pytest.mark.parametrize(
    "stored",
    [
        "argon2i$v=19$t=3$m=65536$p=1",
        "argon2id$v=19$t=0$m=65536$p=1",
        "argon2id$v=19$t=3$m=4$p=1",
        "argon2id$v=19$t=3$m=99999999$p=1",
        "argon2id$v=19$t=3$m=65536$p=1 ",
    ],
)
def test_stored_costs_out_of_bounds_mean_tampering(stored: str) -> None:
    with pytest.raises(TamperedError):
        KdfParams.decode(stored)


def test_costs_are_checked_when_chosen() -> None:
    with pytest.raises(ValueError, match="memory_kib"):
        KdfParams(time_cost=1, memory_kib=4, parallelism=1)


def test_keys_depend_on_secret_salt_costs_and_context() -> None:
    cheap = KdfParams(time_cost=1, memory_kib=1024, parallelism=1)
    base = derive("a passphrase", b"s" * 16, cheap, b"one")
    assert derive("a passphrase", b"s" * 16, cheap, b"one") == base
    others = [
        derive("b passphrase", b"s" * 16, cheap, b"one"),
        derive("a passphrase", b"t" * 16, cheap, b"one"),
        derive("a passphrase", b"s" * 16, KdfParams(2, 1024, 1), b"one"),
        derive("a passphrase", b"s" * 16, cheap, b"two"),
    ]
    assert all(o.enc != base.enc and o.check != base.check for o in others)
    assert base.enc.hex() not in repr(base)


def test_the_word_list_gives_about_80_bits_in_eight_words() -> None:
    pool = words()
    assert len(set(pool)) == len(pool) >= 1024
    assert 8 * math.log2(len(pool)) >= 80
    phrase = new_recovery_phrase().split()
    assert len(phrase) == 8 and all(w in pool for w in phrase)


def test_handles_are_two_words_and_four_digits() -> None:
    handle = new_handle()
    first, second, digits = handle.split("-")
    assert first in words() and second in words() and len(digits) == 4 and digits.isdigit()
    assert clean_handle(f"  {handle.upper()} ") == handle
    assert clean_handle("willow lantern 0427") is None


def test_a_recovery_phrase_is_read_however_it_is_typed() -> None:
    phrase = "acorn amber anchor apple apron arbor arch arrow"
    for typed in (phrase.upper(), " acorn-amber-anchor-apple apron, arbor. arch\tarrow "):
        assert normalise_secret(typed) == phrase


def test_a_passphrase_keeps_its_case_but_not_stray_spacing() -> None:
    assert normalise_secret("  Correct  Horse\u00a0Battery ") == "Correct Horse Battery"
    assert normalise_secret("ﬁsh ＆ chips") == "fish & chips"  # NFKC: ligature, full width
    assert normalise_secret("Acorn Amber") == "Acorn Amber"  # not eight list words


def test_a_short_passphrase_is_refused_with_what_to_do() -> None:
    with pytest.raises(InputError, match="recovery phrase instead"):
        check_passphrase("  abc  ")
    assert check_passphrase("long enough") == "long enough"
