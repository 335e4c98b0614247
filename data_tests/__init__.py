"""data_tests package."""
