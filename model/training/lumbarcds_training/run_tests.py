"""Runs the tests in model/training/tests; fails when none ran (unittest alone exits 0 then).

    PYTHONPATH=model/training /usr/bin/python3 -m lumbarcds_training.run_tests [-v]
"""
import os
import sys
import unittest


def main():
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # model/training
    tests = os.path.join(top, "tests")
    # top_level_dir on the module path already: the tests import the package as it is installed
    suite = unittest.defaultTestLoader.discover(tests, pattern="test_*.py", top_level_dir=top)
    if suite.countTestCases() == 0:
        sys.exit("no tests found in " + tests)
    verbosity = 2 if "-v" in sys.argv[1:] else 1
    result = unittest.TextTestRunner(verbosity=verbosity).run(suite)
    sys.exit(0 if result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
