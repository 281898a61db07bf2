"""The programmes the app ships with, declared as data.

A programme names its modality, who is eligible, how often, the views a complete study has and
the result categories readers choose from. Adding a programme means adding an entry here (and an
AI model for it), not changing code elsewhere.
"""

from typing import Any

BI_RADS = [
    {"code": "0", "label": "BI-RADS 0: incomplete, needs additional imaging", "recall": True},
    {"code": "1", "label": "BI-RADS 1: negative", "recall": False},
    {"code": "2", "label": "BI-RADS 2: benign", "recall": False},
    {"code": "3", "label": "BI-RADS 3: probably benign", "recall": True},
    {"code": "4", "label": "BI-RADS 4: suspicious", "recall": True},
    {"code": "5", "label": "BI-RADS 5: highly suggestive of malignancy", "recall": True},
    {"code": "6", "label": "BI-RADS 6: known biopsy-proven malignancy", "recall": True},
]

LUNG_RADS = [
    {"code": "0", "label": "Lung-RADS 0: incomplete", "recall": True},
    {"code": "1", "label": "Lung-RADS 1: negative", "recall": False},
    {"code": "2", "label": "Lung-RADS 2: benign appearance or behaviour", "recall": False},
    {"code": "3", "label": "Lung-RADS 3: probably benign", "recall": True},
    {"code": "4A", "label": "Lung-RADS 4A: suspicious", "recall": True},
    {"code": "4B", "label": "Lung-RADS 4B: very suspicious", "recall": True},
    {"code": "4X", "label": "Lung-RADS 4X: very suspicious, additional features", "recall": True},
]

PROGRAMMES: list[dict[str, Any]] = [
    {
        "code": "breast",
        "name": "Breast screening (mammography)",
        "modality": "MG",
        "min_age": 50,
        "max_age": 70,
        "eligible_sexes": ["F"],
        "interval_months": 36,
        "views": ["R-CC", "L-CC", "R-MLO", "L-MLO"],
        "result_categories": BI_RADS,
        "results_per_side": True,
    },
    {
        "code": "lung",
        "name": "Lung screening (low-dose CT)",
        "modality": "CT",
        "min_age": 55,
        "max_age": 74,
        "eligible_sexes": ["F", "M", "O"],
        "interval_months": 12,
        "views": ["AXIAL"],
        "result_categories": LUNG_RADS,
        "results_per_side": False,
    },
]


def programmes_seed(programme_model: Any) -> None:
    """Create or update the shipped programmes (used by a data migration and the demo seed)."""
    for definition in PROGRAMMES:
        programme_model.objects.update_or_create(
            code=definition["code"], defaults={k: v for k, v in definition.items() if k != "code"}
        )
