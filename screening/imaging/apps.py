from django.apps import AppConfig


class ImagingConfig(AppConfig):
    name = "screening.imaging"
    label = "imaging"
    verbose_name = "Imaging: DICOM intake and viewing"
