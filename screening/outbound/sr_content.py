"""SR content items (PS3.3 C.17.3) written straight as pydicom datasets, for documents built per
study on the send path: highdicom's document classes deep-copy the whole content tree and search
it for the evidence, which cost most of a study's send time (docs/benchmarks.md). The items are
the ones highdicom writes for the same templates (tests read them back with highdicom).

Each call builds new items, even for a code: a dataset shared by several documents (they were
cached) would carry one caller's change into every later document.
"""

from collections.abc import Sequence

from pydicom.dataset import Dataset
from pydicom.sr.coding import Code
from pydicom.valuerep import DS

CONTAINS = "CONTAINS"
HAS_CONCEPT_MOD = "HAS CONCEPT MOD"
HAS_OBS_CONTEXT = "HAS OBS CONTEXT"
SELECTED_FROM = "SELECTED FROM"


def coded(code: Code) -> Dataset:
    """A code as a new Code Sequence item."""
    item = Dataset()
    item.CodeValue = code.value
    item.CodingSchemeDesignator = code.scheme_designator
    item.CodeMeaning = code.meaning
    return item


def _item(relationship: str | None, value_type: str, name: Code) -> Dataset:
    item = Dataset()
    if relationship is not None:
        item.RelationshipType = relationship
    item.ValueType = value_type
    item.ConceptNameCodeSequence = [coded(name)]
    return item


def code_item(relationship: str, name: Code, value: Code, children: Sequence[Dataset] = ()) -> Dataset:
    """A CODE content item."""
    item = _item(relationship, "CODE", name)
    item.ConceptCodeSequence = [coded(value)]
    if children:
        item.ContentSequence = list(children)
    return item


def text_item(relationship: str, name: Code, value: str) -> Dataset:
    """A TEXT content item."""
    item = _item(relationship, "TEXT", name)
    item.TextValue = value
    return item


def uid_item(relationship: str, name: Code, value: str) -> Dataset:
    """A UIDREF content item."""
    item = _item(relationship, "UIDREF", name)
    item.UID = value
    return item


def num_item(
    relationship: str, name: Code, value: float, unit: Code, children: Sequence[Dataset] = ()
) -> Dataset:
    """A NUM content item with its measured value."""
    item = _item(relationship, "NUM", name)
    measured = Dataset()
    measured.MeasurementUnitsCodeSequence = [coded(unit)]
    measured.FloatingPointValue = float(value)
    measured.NumericValue = DS(float(value), auto_format=True)
    item.MeasuredValueSequence = [measured]
    if children:
        item.ContentSequence = list(children)
    return item


def container_item(
    relationship: str | None, name: Code, children: Sequence[Dataset], *, template: str | None = None
) -> Dataset:
    """A CONTAINER content item (continuous), naming its DCMR template if it has one."""
    item = _item(relationship, "CONTAINER", name)
    item.ContinuityOfContent = "CONTINUOUS"
    if template is not None:
        item.ContentTemplateSequence = [template_item(template)]
    item.ContentSequence = list(children)
    return item


def template_item(identifier: str) -> Dataset:
    """A Content Template Sequence item naming a DCMR template."""
    item = Dataset()
    item.MappingResource = "DCMR"
    item.TemplateIdentifier = identifier
    return item


def point_on_image(
    name: Code,
    source: Code,
    point: tuple[float, float],
    *,
    sop_class_uid: str,
    sop_instance_uid: str,
    frame: int | None,
) -> Dataset:
    """A 2D SCOORD POINT (column, row) selected from one image (and frame)."""
    item = _item(CONTAINS, "SCOORD", name)
    item.GraphicType = "POINT"
    item.GraphicData = [float(point[0]), float(point[1])]
    image = _item(SELECTED_FROM, "IMAGE", source)
    reference = Dataset()
    reference.ReferencedSOPClassUID = sop_class_uid
    reference.ReferencedSOPInstanceUID = sop_instance_uid
    if frame is not None:
        reference.ReferencedFrameNumber = frame
    image.ReferencedSOPSequence = [reference]
    item.ContentSequence = [image]
    return item
