"""Synthetic screening images with known ground truth: breast and chest phantoms written as DICOM.

Django-free (like all of ``inference``): a training script or a benchmark can build a cohort with
``python -m inference.synthetic`` without any database.
"""
