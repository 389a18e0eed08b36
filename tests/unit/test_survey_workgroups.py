"""Work-group derivation (etl/workgroups.py) on small synthetic task rankings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from etl import workgroups


def test_published_profiles_shape() -> None:
    prof = workgroups.published_profiles()
    assert list(prof.index) == list(workgroups.GROUPS)
    assert prof.loc["hardware_maintenance", "task_inh_network_sec"] == pytest.approx(5.41)
    assert prof.loc["project_management", "task_out_vendor"] > prof.loc["non_core", "task_out_vendor"]
    assert prof[[c for c in prof.columns if c.startswith("task_pol_")]].isna().all().all()


def test_point_matrix_uses_domain_k() -> None:
    ranks = pd.DataFrame(
        {
            "respondent_id": ["a", "a", "b", "c"],
            "domain": ["out", "inh", "pol", "out"],
            "task_code": ["task_out_vendor", "task_inh_db", "task_pol_it_law", "task_out_none"],
            "rank": [1, 2, None, None],
        }
    )
    pm = workgroups.point_matrix(ranks)
    assert pm.loc["a", "task_out_vendor"] == 10 and pm.loc["a", "task_inh_db"] == 7
    assert pm.loc["b"].sum() == 0 and pm.loc["c"].sum() == 0
    assert "task_out_none" not in pm.columns


def test_derive_recovers_planted_groups() -> None:
    """Respondents drawn around the published profiles are assigned back to their own groups."""
    rng = np.random.default_rng(5)
    prof = workgroups.published_profiles().fillna(0.1)
    rows, truth = [], []
    for g in workgroups.GROUPS:
        for _ in range(60):
            rows.append(np.maximum(prof.loc[g].to_numpy() + rng.normal(0, 0.6, prof.shape[1]), 0))
            truth.append(g)
    pm = pd.DataFrame(rows, columns=prof.columns, index=[f"r{i}" for i in range(len(rows))])
    got = workgroups.derive_workgroups(pm)
    assert adjusted_rand_score(truth, got) >= 0.9
    # Naming: the majority label of each planted group is that group.
    table = pd.crosstab(pd.Series(truth, index=pm.index), got)
    for g in workgroups.GROUPS:
        assert table.loc[g].idxmax() == g


def test_derive_needs_enough_respondents() -> None:
    pm = pd.DataFrame(np.zeros((3, len(workgroups.task_codes()))), columns=workgroups.task_codes())
    with pytest.raises(ValueError):
        workgroups.derive_workgroups(pm)
