#!/usr/bin/python3
"""Runs the training scripts' tests; fails when none ran (unittest alone exits 0 then)."""
import os
import sys
import unittest

here = os.path.dirname(os.path.abspath(__file__))
suite = unittest.defaultTestLoader.discover(os.path.join(here, "tests"), pattern="test_*.py")
if suite.countTestCases() == 0:
    sys.exit("no tests found in " + os.path.join(here, "tests"))
result = unittest.TextTestRunner(verbosity=1).run(suite)
sys.exit(0 if result.wasSuccessful() else 1)
