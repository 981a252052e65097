"""Tests of the training package (run: python3 -m lumbarcds_training.run_tests)."""
