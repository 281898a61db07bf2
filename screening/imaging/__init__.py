"""DICOM intake (upload, C-STORE, DICOMweb, API), storage, matching to episodes, and rendering."""
