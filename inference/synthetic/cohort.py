"""A synthetic screening cohort: participants, studies with known lesions and outcomes, as files.

`cohort_plan` decides everything from a seed (cheap, no pixels); `write_study` renders and writes
one study's DICOM files; `write_ground_truth` writes the manifest a training script reads.
"""

import json
from dataclasses import asdict, dataclass, replace
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from inference.synthetic.chest_geometry import (
    FULL_CT_SHAPE,
    SMALL_CT_SHAPE,
    ChestAnatomy,
    CtGrid,
    chest_anatomy_sample,
)
from inference.synthetic.ct_phantom import CtNodule, nodule_centre_voxel, render_volume
from inference.synthetic.dicom_writer import (
    CtSliceSpec,
    MammographyImageSpec,
    PatientStudy,
    Vendor,
    deterministic_uid,
    write_dicom,
)
from inference.synthetic.lesion_sampling import SyntheticLesion, breast_lesion_sample, lung_nodule_sample
from inference.synthetic.mammography_phantom import (
    FULL_SHAPE,
    SMALL_SHAPE,
    VIEWS,
    BreastAnatomy,
    MammoLesion,
    breast_anatomy_sample,
    lesion_centre_px,
    pixel_spacing_mm,
    render_view,
)
from inference.synthetic.nhs_numbers import synthetic_nhs_number

PROGRAMMES = ("breast", "lung")
OUTCOMES = ("cancer_confirmed", "benign", "none", "interval_cancer")
SIZES = ("small", "full")
GROUND_TRUTH_FILE = "ground_truth.json"
MALIGNANT_SHARE = {"breast": 0.75, "lung": 0.7}
INTERVAL_CANCER_SHARE_OF_NEGATIVES = 0.02
INTERVAL_CANCER_SHARE_OF_SUBTLE = 0.3
VENDORS = {
    "breast": (
        Vendor("Aurora Imaging", "Aurora M3", "3.2.1", 12),
        Vendor("Northlight Medical", "Northlight DM-7", "7.0.3", 14),
        Vendor("Kestrel Systems", "Kestrel Vista", "11.2", 12),
    ),
    "lung": (
        Vendor("Aurora Imaging", "Aurora CT 128", "5.1"),
        Vendor("Northlight Medical", "Northlight LD-64", "1.4"),
        Vendor("Kestrel Systems", "Kestrel Helix", "2.9"),
    ),
}
AGE_RANGE = {"breast": (50, 71), "lung": (55, 75)}
FAMILY_NAMES = ("Smith", "Jones", "Taylor", "Brown", "Patel", "Evans", "Khan", "Walker", "Wright", "Hughes")
GIVEN_NAMES = {
    "F": ("Olivia", "Amelia", "Grace", "Margaret", "Susan", "Priya", "Aisha", "Helen", "Ruth", "Linda"),
    "M": ("John", "David", "Peter", "Robert", "James", "Mohammed", "Andrew", "Paul", "Richard", "Thomas"),
}
_FIRST_STUDY_DAY = date(2025, 1, 6)


@dataclass(frozen=True)
class SyntheticParticipant:
    """A participant with a valid NHS number (from the 999 test range), names, birth date and sex."""

    identifier: str
    issuer: str
    family_name: str
    given_name: str
    birth_date: date
    sex: str


@dataclass(frozen=True)
class SyntheticStudy:
    """One screening study: who, which images, what is in them and what happened afterwards."""

    index: int
    programme: str
    seed: int
    participant: SyntheticParticipant
    study_uid: str
    accession_number: str
    study_date: date
    study_time: time
    vendor: Vendor
    views: tuple[str, ...]
    anatomy: BreastAnatomy | ChestAnatomy
    lesions: tuple[SyntheticLesion, ...]
    outcome: str

    @property
    def lesion_present(self) -> bool:
        return bool(self.lesions)

    @property
    def density(self) -> str | None:
        """BI-RADS density (a-d) for mammography; None for CT."""
        return self.anatomy.density if isinstance(self.anatomy, BreastAnatomy) else None


def _participant(programme: str, study_day: date, rng: np.random.Generator) -> SyntheticParticipant:
    sex = "F" if programme == "breast" or rng.random() < 0.5 else "M"
    age_days = int(rng.integers(AGE_RANGE[programme][0] * 365, AGE_RANGE[programme][1] * 365))
    return SyntheticParticipant(
        identifier=synthetic_nhs_number(rng),
        issuer="NHS",
        family_name=str(rng.choice(FAMILY_NAMES)),
        given_name=str(rng.choice(GIVEN_NAMES[sex])),
        birth_date=study_day - timedelta(days=age_days),
        sex=sex,
    )


def _outcome(lesions: tuple[SyntheticLesion, ...], rng: np.random.Generator) -> str:
    """Malignant lesions are mostly confirmed, subtle ones sometimes missed; negatives rarely interval."""
    if not lesions:
        return "interval_cancer" if rng.random() < INTERVAL_CANCER_SHARE_OF_NEGATIVES else "none"
    lesion = lesions[0]
    if not lesion.malignant:
        return "benign"
    missed = lesion.contrast_band == "subtle" and rng.random() < INTERVAL_CANCER_SHARE_OF_SUBTLE
    return "interval_cancer" if missed else "cancer_confirmed"


def _study(programme: str, index: int, seed: int, study_seed: int, positive: bool) -> SyntheticStudy:
    """Plan one study from its own seed, independent of the other studies."""
    rng = np.random.default_rng(study_seed)
    study_day = _FIRST_STUDY_DAY + timedelta(days=int(rng.integers(0, 360)))
    participant = _participant(programme, study_day, rng)
    minutes = int(rng.integers(8 * 60, 17 * 60))
    anatomy: BreastAnatomy | ChestAnatomy
    views: tuple[str, ...]
    if programme == "breast":
        anatomy, views = breast_anatomy_sample(rng), VIEWS
        sample = breast_lesion_sample
    else:
        anatomy, views = chest_anatomy_sample(rng), ("AXIAL",)
        sample = lung_nodule_sample
    malignant = rng.random() < MALIGNANT_SHARE[programme]
    lesions = (sample(rng, malignant),) if positive else ()
    vendors = VENDORS[programme]
    return SyntheticStudy(
        index=index,
        programme=programme,
        seed=study_seed,
        participant=participant,
        study_uid=deterministic_uid("study", programme, seed, index),
        accession_number=f"{programme[0].upper()}{seed % 10**6:06d}{index:06d}",
        study_date=study_day,
        study_time=time(minutes // 60, minutes % 60, int(rng.integers(0, 60))),
        vendor=vendors[int(rng.integers(len(vendors)))],
        views=views,
        anatomy=anatomy,
        lesions=lesions,
        outcome=_outcome(lesions, rng),
    )


def cohort_plan(programme: str, patients: int, seed: int, prevalence: float = 0.2) -> list[SyntheticStudy]:
    """One study per patient; round(patients * prevalence) of them, chosen at random, hold a lesion."""
    if programme not in PROGRAMMES:
        raise ValueError(f"Unknown programme {programme!r}; choose from {PROGRAMMES}")
    if not 0 <= prevalence <= 1:
        raise ValueError("Prevalence must lie between 0 and 1")
    sequence = np.random.SeedSequence([seed, PROGRAMMES.index(programme)])
    positives = set(np.random.default_rng(sequence).permutation(patients)[: round(patients * prevalence)])
    study_seeds = [int(child.generate_state(1, np.uint64)[0]) for child in sequence.spawn(patients)]
    return [_study(programme, i, seed, study_seeds[i], i in positives) for i in range(patients)]


def cohort_dated(cohort: list[SyntheticStudy], first_day: date, *, days: int = 28) -> list[SyntheticStudy]:
    """The cohort screened over `days` days from `first_day` (each study's day drawn from its own
    seed); birth dates move with it, so ages at screening and every pixel stay as planned."""
    dated = []
    for study in cohort:
        offset = int(np.random.default_rng([study.seed, 1]).integers(0, max(days, 1)))
        shift = first_day + timedelta(days=offset) - study.study_date
        person = replace(study.participant, birth_date=study.participant.birth_date + shift)
        dated.append(replace(study, participant=person, study_date=study.study_date + shift))
    return dated


def _patient_study(study: SyntheticStudy) -> PatientStudy:
    person = study.participant
    description = "Breast screening mammography" if study.programme == "breast" else "Lung screening LDCT"
    return PatientStudy(
        patient_id=person.identifier,
        issuer=person.issuer,
        family_name=person.family_name,
        given_name=person.given_name,
        birth_date=person.birth_date,
        sex=person.sex,
        study_uid=study.study_uid,
        accession_number=study.accession_number,
        study_date=study.study_date,
        study_time=study.study_time,
        study_description=description,
        vendor=study.vendor,
    )


def image_shape(programme: str, size: str) -> tuple[int, ...]:
    """The image (MG, rows x cols) or volume (CT, slices x rows x cols) shape for a size."""
    if size not in SIZES:
        raise ValueError(f"Unknown size {size!r}; choose from {SIZES}")
    if programme == "breast":
        return SMALL_SHAPE if size == "small" else FULL_SHAPE
    return SMALL_CT_SHAPE if size == "small" else FULL_CT_SHAPE


def sop_uid(study: SyntheticStudy, image: str | int) -> str:
    """The SOP Instance UID of a view ("R-CC") or a CT slice index."""
    return deterministic_uid("sop", study.study_uid, image)


def write_study(
    study: SyntheticStudy, out_dir: Path | str, *, size: str = "small", transfer_syntax: str = "explicit"
) -> list[Path]:
    """Render the study and write its DICOM files under out_dir/<accession number>/."""
    folder = Path(out_dir) / study.accession_number
    if study.programme == "breast":
        return _write_mammography(study, folder, image_shape("breast", size), transfer_syntax)
    return _write_ct(study, folder, image_shape("lung", size), transfer_syntax)


def _write_mammography(
    study: SyntheticStudy, folder: Path, shape: tuple[int, ...], transfer_syntax: str
) -> list[Path]:
    assert isinstance(study.anatomy, BreastAnatomy)
    lesions = [lesion.phantom for lesion in study.lesions if isinstance(lesion.phantom, MammoLesion)]
    series_uid, paths = deterministic_uid("series", study.study_uid), []
    for number, view in enumerate(VIEWS, start=1):
        rng = np.random.default_rng([study.seed, number])
        rendered = render_view(
            study.anatomy,
            view,
            rng,
            lesions=lesions,
            shape=(shape[0], shape[1]),
            bits_stored=study.vendor.bits_stored,
        )
        spec = MammographyImageSpec(
            study=_patient_study(study),
            series_uid=series_uid,
            sop_uid=sop_uid(study, view),
            instance_number=number,
            laterality=view[0],
            view_position=view[2:],
            pixels=rendered.pixels,
            pixel_spacing_mm=rendered.pixel_spacing_mm,
            bits_stored=rendered.bits_stored,
        )
        paths.append(write_dicom(spec, folder / f"{number}_{view}.dcm", transfer_syntax))
    return paths


def _write_ct(
    study: SyntheticStudy, folder: Path, shape: tuple[int, ...], transfer_syntax: str
) -> list[Path]:
    assert isinstance(study.anatomy, ChestAnatomy)
    nodules = [lesion.phantom for lesion in study.lesions if isinstance(lesion.phantom, CtNodule)]
    volume_shape = (shape[0], shape[1], shape[2])
    volume = render_volume(
        study.anatomy, np.random.default_rng([study.seed, 0]), nodules=nodules, shape=volume_shape
    )
    grid, stored, paths = volume.grid, volume.stored, []
    series_uid = deterministic_uid("series", study.study_uid)
    frame_uid = deterministic_uid("frame", study.study_uid)
    for index in range(shape[0]):
        spec = CtSliceSpec(
            study=_patient_study(study),
            series_uid=series_uid,
            frame_of_reference_uid=frame_uid,
            sop_uid=sop_uid(study, index),
            instance_number=index + 1,
            pixels=stored[index],
            pixel_spacing_mm=grid.pixel_spacing_mm,
            slice_thickness_mm=grid.slice_thickness_mm,
            position_mm=(float(grid.x_mm(0)), float(grid.y_mm(0)), float(grid.z_mm(index))),
        )
        paths.append(write_dicom(spec, folder / f"CT{index + 1:04d}.dcm", transfer_syntax))
    return paths


def _mammography_positions(study: SyntheticStudy, lesion: MammoLesion, size: str) -> list[dict[str, Any]]:
    """The lesion centre in both views of its breast, in pixels and in mm on the detector."""
    assert isinstance(study.anatomy, BreastAnatomy)
    shape = image_shape("breast", size)
    spacing = pixel_spacing_mm((shape[0], shape[1]))
    positions = []
    for view in (view for view in VIEWS if view[0] == lesion.laterality):
        row, col = lesion_centre_px(study.anatomy, view, lesion, (shape[0], shape[1]))
        positions.append(
            {
                "view": view,
                "sop_instance_uid": sop_uid(study, view),
                "row": round(row, 2),
                "col": round(col, 2),
                "x_mm": round(col * spacing, 2),
                "y_mm": round(row * spacing, 2),
                "radius_px": round(lesion.diameter_mm / 2 / spacing, 2),
            }
        )
    return positions


def _ct_positions(study: SyntheticStudy, nodule: CtNodule, size: str) -> list[dict[str, Any]]:
    """The nodule centre as (slice, row, col) and in patient mm (DICOM LPS)."""
    assert isinstance(study.anatomy, ChestAnatomy)
    shape = image_shape("lung", size)
    grid = CtGrid((shape[0], shape[1], shape[2]))
    slice_index, row, col = nodule_centre_voxel(study.anatomy, nodule, grid.shape)
    nearest = min(max(round(slice_index), 0), shape[0] - 1)
    position = {"slice": round(slice_index, 2), "row": round(row, 2), "col": round(col, 2)}
    physical = {"x_mm": grid.x_mm(col), "y_mm": grid.y_mm(row), "z_mm": grid.z_mm(slice_index)}
    return [
        {
            **position,
            **{key: round(float(value), 2) for key, value in physical.items()},
            "sop_instance_uid": sop_uid(study, nearest),
            "radius_px": round(nodule.diameter_mm / 2 / grid.pixel_spacing_mm, 2),
        }
    ]


def _lesion_record(study: SyntheticStudy, lesion: SyntheticLesion, size: str) -> dict[str, Any]:
    phantom = lesion.phantom
    if isinstance(phantom, MammoLesion):
        positions, laterality = _mammography_positions(study, phantom, size), phantom.laterality
    else:
        positions, laterality = _ct_positions(study, phantom, size), None
    return {
        "kind": phantom.kind,
        "malignant": lesion.malignant,
        "laterality": laterality,
        "diameter_mm": phantom.diameter_mm,
        "contrast": phantom.contrast,
        "size_band": lesion.size_band,
        "contrast_band": lesion.contrast_band,
        "positions": positions,
    }


def ground_truth_records(cohort: list[SyntheticStudy], *, size: str = "small") -> list[dict[str, Any]]:
    """One JSON-ready record per study: identity, images, lesions with positions, and outcome."""
    return [
        {
            "participant_identifier": study.participant.identifier,
            "issuer": study.participant.issuer,
            "study_instance_uid": study.study_uid,
            "accession_number": study.accession_number,
            "programme": study.programme,
            "views": list(study.views),
            "image_shape": list(image_shape(study.programme, size)),
            "density": study.density,
            "lesion_present": study.lesion_present,
            "outcome": study.outcome,
            "anatomy": json.loads(json.dumps(asdict(study.anatomy))),
            "lesions": [_lesion_record(study, lesion, size) for lesion in study.lesions],
        }
        for study in cohort
    ]


def write_ground_truth(cohort: list[SyntheticStudy], out_dir: Path | str, *, size: str = "small") -> Path:
    """Write ground_truth.json next to the studies' folders."""
    path = Path(out_dir) / GROUND_TRUTH_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    manifest = {"format": "synthetic-screening-ground-truth", "version": 1, "size": size}
    manifest["studies"] = ground_truth_records(cohort, size=size)  # type: ignore[assignment]
    path.write_text(json.dumps(manifest, indent=1))
    return path


def load_ground_truth(path: Path | str) -> dict[str, Any]:
    """Read a ground_truth.json (a file, or the folder holding it)."""
    target = Path(path)
    return dict(json.loads((target / GROUND_TRUTH_FILE if target.is_dir() else target).read_text()))
