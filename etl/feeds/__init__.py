"""Feed parsers: one module per feed (survey, selfassessment, roster, badges)."""
