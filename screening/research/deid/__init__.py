"""De-identification of DICOM files for research exports (DICOM PS3.15 Annex E), with no Django import.

`deidentify.deidentify_file` is the entry point; `canary_scan.scan_for_canaries` checks a package.
"""
