"""The one error a study's files can cause: permanent, so a job that raises it must not be retried."""


class InputError(ValueError):
    """The files cannot be scored: unreadable, wrong modality, missing MG views, too few CT slices."""
