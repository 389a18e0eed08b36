"""The roster's whole-column helpers give the same answers as their one-value originals."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd

from etl.feeds import roster
from etl.identity import staff_key_from_national_id, staff_keys_from_national_ids


def _ids(n: int) -> list[str]:
    rng = random.Random(7)
    out = []
    for _ in range(n):
        out.append(
            rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            + rng.choice("12")
            + "".join(rng.choices("0123456789", k=8))
        )
    return out + ["", "a123456789", "A323456789", "A12345678", "A1234567890", "１23456789", "A12345678X"]


def test_valid_ids_equal_the_scalar_check() -> None:
    ids = _ids(3000)
    got = roster._valid_ids(pd.Series(ids, dtype="str"))
    want = np.array([roster.national_id_is_valid(i) for i in ids])
    assert got.tolist() == want.tolist()
    assert 100 < int(want.sum()) < 3000  # both valid and invalid IDs are exercised


def test_batch_staff_keys_equal_single_hmac() -> None:
    ids = _ids(200)[:200] + [" a123456789 "]
    secret = b"s3cret"
    assert staff_keys_from_national_ids(secret, ids) == [staff_key_from_national_id(secret, i) for i in ids]
    keys = roster._staff_keys(secret, np.array(ids, dtype=object))
    assert keys.tolist() == [staff_key_from_national_id(secret, i) for i in ids]
    # another secret is never served from the first secret's cache
    assert roster._staff_keys(b"other", np.array(ids[:3], dtype=object)).tolist() == [
        staff_key_from_national_id(b"other", i) for i in ids[:3]
    ]


def test_vectorized_tiers_equal_tier_of() -> None:
    ranks = ["elementary", "junior", "senior", "unknown", "junior", "junior", "elementary"]
    grades = pd.array([3, 7, 10, None, 9, None, 5], dtype="Int16")
    sups = [True, True, False, True, True, True, False]
    for rule in ("questionnaire", "report_8_9"):
        got = roster._tiers(np.array(ranks, dtype=object), pd.Series(grades), np.array(sups), rule).tolist()
        want = [
            roster.tier_of(r, None if pd.isna(g) else int(g), s, rule)
            for r, g, s in zip(ranks, grades, sups, strict=True)
        ]
        assert got == want, rule
