"""The ETL's 'unknown' (an attribute the source did not give) gets a label, never its raw code."""

from __future__ import annotations

import logging

import pytest

from dashboard.i18n import label


@pytest.mark.parametrize("kind", ["tier", "workgroup", "gov_level", "personnel_type", "rank_class"])
def test_unknown_is_labelled_in_both_languages(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="dashboard.i18n"):
        assert (
            label(kind, "unknown", "zh-TW") == "不詳"
        )  # as the catalogs that list it (gov_levels.csv, rank_classes.csv)
        assert label(kind, "unknown", "en") == "Unknown"
    assert not caplog.records  # no "no label" warning
    with caplog.at_level(logging.WARNING, logger="dashboard.i18n"):
        assert label(kind, "no-such-code", "en") == "no-such-code"
    assert caplog.records  # a real gap still warns
