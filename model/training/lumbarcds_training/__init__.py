"""lumbar-cds training: synthetic phantoms, preprocessing, training, evaluation and export of the
three-view model, and the STOW-RS loader for sample studies.

Every tool is a module with a main(), run from the repository root with model/training on the
module path (model/training/README.md):

    PYTHONPATH=model/training /usr/bin/python3 -m lumbarcds_training.phantom OUT --patients 8
"""
