"""Benchmarks, load tests and the local servers they run against (`python -m benchmarks`)."""
