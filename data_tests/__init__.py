"""Data-quality gates: great-expectations suites over the raw tables and report marts, run before publish."""
