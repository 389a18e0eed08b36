"""Pseudonymisation keys (etl/identity.py) and the viewer scope (dashboard/scope.py)."""

from __future__ import annotations

import hashlib

import pytest

from dashboard.scope import Scope
from etl import identity


def test_staff_key_is_keyed_and_normalised() -> None:
    a = identity.staff_key_from_national_id(b"k1", "a123456789")
    assert a == identity.staff_key_from_national_id(b"k1", " A123456789 ")
    assert a != identity.staff_key_from_national_id(b"k2", "A123456789")
    assert len(a) == 64 and all(c in "0123456789abcdef" for c in a)


def test_ob_recipient_hash_matches_spec_form() -> None:
    expected = "sha256$" + hashlib.sha256(b"someone@moda.gov.twdeadsea").hexdigest()
    assert identity.ob_recipient_hash("Someone@MODA.gov.tw ", "deadsea") == expected


def test_scope_rules() -> None:
    hr = Scope(role="agency_hr", user="hr", agencies=("C3005",))
    assert not hr.all_agencies and hr.may_export and not hr.aggregates_only
    assert Scope(role="executive", user="e", agencies=None).aggregates_only
    assert not Scope(role="executive", user="e", agencies=None).may_export
    with pytest.raises(ValueError):
        Scope(role="agency_hr", user="hr", agencies=None)
    with pytest.raises(ValueError):
        Scope(role="analyst", user="a", agencies=None, unsuppressed=True)
    with pytest.raises(ValueError):
        Scope(role="root", user="x", agencies=None)


def test_scope_cache_token_differs_by_visibility() -> None:
    a = Scope(role="agency_hr", user="u1", agencies=("B", "A"))
    b = Scope(role="agency_hr", user="u2", agencies=("A", "B"))
    c = Scope(role="agency_hr", user="u1", agencies=("A",))
    assert a.cache_token() == b.cache_token()  # same visibility, same cache entries
    assert a.cache_token() != c.cache_token()
    assert (
        Scope(role="planner", user="p", agencies=None, unsuppressed=True).cache_token()
        != Scope(role="planner", user="p", agencies=None).cache_token()
    )
