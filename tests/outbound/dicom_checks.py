"""Checks of produced DICOM objects: dicom3tools' dciodvfy (errors against the IODs)."""

import shutil
import subprocess
from pathlib import Path

from pydicom.dataset import Dataset

DCIODVFY = shutil.which("dciodvfy")


def dciodvfy_errors(dataset: Dataset, directory: Path) -> list[str]:
    """The lines dciodvfy reports as errors for the dataset written as a file."""
    assert DCIODVFY, "dciodvfy is not installed (Debian package dicom3tools)"
    path = directory / f"{dataset.SOPInstanceUID}.dcm"
    dataset.save_as(path, enforce_file_format=True)
    run = subprocess.run([DCIODVFY, str(path)], capture_output=True, text=True, timeout=60)
    return [line for line in (run.stdout + run.stderr).splitlines() if line.startswith("Error")]
