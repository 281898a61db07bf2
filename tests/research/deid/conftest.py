"""Fixtures for the de-identification tests: a key, a participant, and the Debian tools they drive."""

import os
import shutil

import pytest

from screening.research.deid.pseudonyms import Pseudonymiser


def required_tool(name: str, package: str) -> str:
    """The tool's path; missing, the test fails under CI (which installs it) and is skipped locally."""
    path = shutil.which(name)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{name} is missing: .ci/run installs Debian's {package} package.")
        pytest.skip(f"{name} is not installed (apt-get install {package})")
    return path


@pytest.fixture
def tesseract() -> str:
    return required_tool("tesseract", "tesseract-ocr")


@pytest.fixture
def dciodvfy() -> str:
    return required_tool("dciodvfy", "dicom3tools")


@pytest.fixture
def pseudonymiser() -> Pseudonymiser:
    return Pseudonymiser(b"research-export-test-key-0123456789")
