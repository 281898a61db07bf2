"""The signed screening result of an episode's study as a DICOM Enhanced SR (built with highdicom).

The report holds what the readers signed, nothing the AI said: the procedure, the episode result
with its basis and time (and the earlier decisions an amendment replaced), then every signed
version of every read (role, reader, time, result, categories per side, findings, comment, and
the reason of each amendment). The readers of the current reads are the document's verifying
observers; a version sent after an amendment names the versions before it as predecessors.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from highdicom.sr import (
    CodeContentItem,
    ContainerContentItem,
    DateTimeContentItem,
    EnhancedSR,
    NumContentItem,
    PnameContentItem,
    RelationshipTypeValues,
    TextContentItem,
)
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as DataElementSequence
from pydicom.sr.coding import Code

from screening.imaging.models import Instance, Study
from screening.outbound import sr_codes
from screening.outbound.sr_evidence import (
    MANUFACTURER,
    REPORT_SERIES,
    derived_uid,
    instance_evidence,
    local_scheme_declare,
)

CONTAINS = RelationshipTypeValues.CONTAINS
HAS_OBS_CONTEXT = RelationshipTypeValues.HAS_OBS_CONTEXT
VERSION_UNIT = Code("1", "UCUM", "no units")


@dataclass(frozen=True)
class SignedReadVersion:
    """One signed version of a read, as the report prints it."""

    opinion_id: int
    role: str
    version: int
    reader_name: str  # DICOM person name, Family^Given
    signed_at: datetime
    result: str
    categories: dict[str, str]
    findings: list[str]
    comment: str
    amendment_reason: str
    current: bool


@dataclass(frozen=True)
class EpisodeDecision:
    result: str
    basis: str
    decided_at: datetime
    note: str


@dataclass(frozen=True)
class EpisodeReportFacts:
    """What the report of one study says (selected by report_selectors.episode_report_facts)."""

    study: Study
    episode_id: int
    instances: list[Instance]
    decisions: list[EpisodeDecision]  # oldest first; the last one is the result
    reads: list[SignedReadVersion]
    predecessors: list[str] = field(default_factory=list)  # SOP Instance UIDs of reports sent before

    @property
    def version_key(self) -> str:
        """The reads and decisions this report shows: a new one gets a new document."""
        return ",".join(str(read.opinion_id) for read in self.reads) + f"/{len(self.decisions)}"


def report_sop_instance_uid(facts: EpisodeReportFacts) -> str:
    return derived_uid("episode-report", facts.study.study_instance_uid, facts.version_key)


def episode_report_sr(facts: EpisodeReportFacts) -> EnhancedSR:
    """The Enhanced SR of the episode's signed result and its history."""
    study = facts.study
    decision = facts.decisions[-1]
    root = ContainerContentItem(name=sr_codes.IMAGING_REPORT, template_id="2000")
    procedure = sr_codes.PROCEDURES.get(study.modality, sr_codes.FINDING)
    items: list[Dataset] = [CodeContentItem(sr_codes.PROCEDURE_REPORTED, procedure, HAS_OBS_CONTEXT)]
    conclusions = _container(
        sr_codes.CONCLUSIONS,
        [
            CodeContentItem(sr_codes.EPISODE_RESULT, sr_codes.RESULTS[decision.result], CONTAINS),
            TextContentItem(sr_codes.DECISION_BASIS, decision.basis, CONTAINS),
            DateTimeContentItem(sr_codes.DECIDED_AT, decision.decided_at, CONTAINS),
        ],
    )
    items.append(conclusions)
    items.append(_container(sr_codes.FINDINGS, [_read_container(read) for read in facts.reads]))
    if len(facts.decisions) > 1:
        history = [
            _container(
                sr_codes.EPISODE_RESULT,
                [
                    CodeContentItem(sr_codes.EPISODE_RESULT, sr_codes.RESULTS[earlier.result], CONTAINS),
                    TextContentItem(sr_codes.DECISION_BASIS, earlier.basis, CONTAINS),
                    DateTimeContentItem(sr_codes.DECIDED_AT, earlier.decided_at, CONTAINS),
                ]
                + (
                    [TextContentItem(sr_codes.READER_COMMENT, earlier.note, CONTAINS)] if earlier.note else []
                ),
            )
            for earlier in facts.decisions[:-1]
        ]
        items.append(_container(sr_codes.DECISION_HISTORY, history))
    root.ContentSequence = DataElementSequence(items)
    previous = [_predecessor(study, uid) for uid in facts.predecessors]
    document = EnhancedSR(
        evidence=instance_evidence(study, facts.instances),
        content=root,
        series_instance_uid=derived_uid("episode-report", study.study_instance_uid, "series"),
        series_number=REPORT_SERIES,
        sop_instance_uid=report_sop_instance_uid(facts),
        instance_number=1 + len(facts.predecessors),
        manufacturer=MANUFACTURER,
        is_complete=True,
        is_final=True,
        is_verified=True,
        verifying_observer_name=_current_signers(facts)[0][0],
        verifying_organization=MANUFACTURER,
        previous_versions=previous or None,
        series_description="Screening result (signed)",
    )
    document.VerifyingObserverSequence = [_verifier(name, at) for name, at in _current_signers(facts)]
    local_scheme_declare(document)
    return document


def _container(name: Code, children: Sequence[Dataset]) -> ContainerContentItem:
    container = ContainerContentItem(name=name, relationship_type=CONTAINS)
    container.ContentSequence = DataElementSequence(children)
    return container


def _read_container(read: SignedReadVersion) -> ContainerContentItem:
    children: list[Dataset] = [
        PnameContentItem(sr_codes.PERSON_OBSERVER_NAME, read.reader_name, HAS_OBS_CONTEXT),
        TextContentItem(sr_codes.READER_ROLE, read.role, CONTAINS),
        NumContentItem(sr_codes.READ_VERSION, read.version, VERSION_UNIT, relationship_type=CONTAINS),
        DateTimeContentItem(sr_codes.SIGNED_AT, read.signed_at, CONTAINS),
        CodeContentItem(sr_codes.READER_RESULT, sr_codes.RESULTS[read.result], CONTAINS),
    ]
    children += [
        TextContentItem(sr_codes.CATEGORY, f"{side}: {code}", CONTAINS)
        for side, code in sorted(read.categories.items())
    ]
    children += [TextContentItem(sr_codes.FINDING, finding, CONTAINS) for finding in read.findings]
    if read.comment:
        children.append(TextContentItem(sr_codes.READER_COMMENT, read.comment, CONTAINS))
    if read.amendment_reason:
        children.append(TextContentItem(sr_codes.AMENDMENT_REASON, read.amendment_reason, CONTAINS))
    return _container(sr_codes.SIGNED_READ, children)


def _current_signers(facts: EpisodeReportFacts) -> list[tuple[str, datetime]]:
    return [(read.reader_name, read.signed_at) for read in facts.reads if read.current]


def _verifier(name: str, at: datetime) -> Dataset:
    verifier = Dataset()
    verifier.VerifyingObserverName = name
    verifier.VerifyingObserverIdentificationCodeSequence = []
    verifier.VerifyingOrganization = MANUFACTURER
    verifier.VerificationDateTime = at.strftime("%Y%m%d%H%M%S")
    return verifier


def _predecessor(study: Study, sop_instance_uid: str) -> Dataset:
    earlier = Dataset()
    earlier.StudyInstanceUID = study.study_instance_uid
    earlier.SeriesInstanceUID = derived_uid("episode-report", study.study_instance_uid, "series")
    earlier.SOPClassUID = EnhancedSR_UID
    earlier.SOPInstanceUID = sop_instance_uid
    return earlier


EnhancedSR_UID = "1.2.840.10008.5.1.4.1.1.88.22"
