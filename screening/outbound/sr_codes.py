"""The codes of the outbound SR documents: DICOM (DCM), SNOMED CT (SCT) and LOINC (LN) where the
standard has one, and this product's own scheme (99SPM, declared in each document) where it has not."""

from pydicom.sr.codedict import codes
from pydicom.sr.coding import Code

LOCAL_SCHEME = "99SPM"
LOCAL_SCHEME_NAME = "Screening programme manager"

PROBABILITY_OF_CANCER = codes.DCM.ProbabilityOfCancer
NO_UNITS = Code("1", "UCUM", "no units")
FINDING = codes.SCT.Finding
BREAST = codes.SCT.Breast
LUNG = codes.SCT.Lung
LATERALITY = {"R": codes.SCT.Right, "L": codes.SCT.Left}
IMAGING_REPORT = Code("18748-4", "LN", "Diagnostic imaging report")
FINDINGS = codes.DCM.Findings
CONCLUSIONS = codes.DCM.Conclusions
PROCEDURE_REPORTED = codes.DCM.ProcedureReported
PERSON_OBSERVER_NAME = Code("121008", "DCM", "Person Observer Name")

# The screening procedure each modality's programmes report.
PROCEDURES = {
    "MG": Code("24623002", "SCT", "Screening mammography"),
    "CT": Code("16334891000119106", "SCT", "Low dose computed tomography of thorax"),
}
ANATOMY = {"MG": BREAST, "CT": LUNG}

TRIAGE_BAND = Code("TRIAGE-BAND", LOCAL_SCHEME, "AI triage band")
BANDS = {
    "high": Code("TRIAGE-HIGH", LOCAL_SCHEME, "High suspicion"),
    "intermediate": Code("TRIAGE-INTERMEDIATE", LOCAL_SCHEME, "Intermediate suspicion"),
    "low": Code("TRIAGE-LOW", LOCAL_SCHEME, "Low suspicion"),
}
HEAT_PEAK = Code("HEAT-PEAK", LOCAL_SCHEME, "Peak of the AI heat map")
EPISODE_RESULT = Code("EPISODE-RESULT", LOCAL_SCHEME, "Screening episode result")
DECISION_BASIS = Code("DECISION-BASIS", LOCAL_SCHEME, "Basis of the decision")
DECIDED_AT = Code("DECIDED-AT", LOCAL_SCHEME, "Decided at")
SIGNED_READ = Code("SIGNED-READ", LOCAL_SCHEME, "Signed read")
READER_ROLE = Code("READER-ROLE", LOCAL_SCHEME, "Reader role")
READ_VERSION = Code("READ-VERSION", LOCAL_SCHEME, "Version of the signed read")
SIGNED_AT = Code("SIGNED-AT", LOCAL_SCHEME, "Signed at")
AMENDMENT_REASON = Code("AMENDMENT-REASON", LOCAL_SCHEME, "Reason for the amendment")
READER_RESULT = Code("READER-RESULT", LOCAL_SCHEME, "Reader's result")
CATEGORY = Code("CATEGORY", LOCAL_SCHEME, "Assessment category")
READER_COMMENT = Code("READER-COMMENT", LOCAL_SCHEME, "Reader's comment")
DECISION_HISTORY = Code("DECISION-HISTORY", LOCAL_SCHEME, "Earlier decisions")
RESULTS = {
    "routine": Code("RESULT-ROUTINE", LOCAL_SCHEME, "Routine recall"),
    "recall": Code("RESULT-RECALL", LOCAL_SCHEME, "Recall for assessment"),
    "technical_recall": Code("RESULT-TECHNICAL", LOCAL_SCHEME, "Technical recall"),
}
