"""ETL layer: synthetic data, feed parsers, and the atomic DuckDB warehouse build."""
