"""The breast screening standards the app ships with, as data, each with its source and edition.

Shares are fractions (0.07 is 7%). A programme may add its own standards beside these; where an
edition changes a value, add the new edition rather than editing the old one.
"""

from .standards import ProgrammeStandard, Threshold

NHS_BSP = "NHS Breast Screening Programme screening standards (Public Health England, England)"
NHS_BSP_EDITION = "consolidated standards, April 2017"
EUROPEAN = (
    "European guidelines for quality assurance in breast cancer screening and diagnosis "
    "(Perry et al., European Commission), table of performance indicators"
)
EUROPEAN_EDITION = "4th edition, 2006"

BREAST_STANDARDS: tuple[ProgrammeStandard, ...] = (
    ProgrammeStandard(
        code="nhs_bsp.uptake",
        programme="breast",
        measure="uptake",
        name="Uptake: women invited who are screened",
        screening_round="any",
        unit="share",
        acceptable=Threshold(">=", 0.70),
        achievable=Threshold(">=", 0.80),
        source=NHS_BSP,
        edition=NHS_BSP_EDITION,
        note=(
            "levels as the programme's uptake thresholds are reported against in NHS Digital, "
            "'Breast Screening Programme, England 2017-18' (acceptable 70%, achievable 80%); the "
            "standard counts women screened within 6 months of invitation, this app women who "
            "attended, by month of invitation"
        ),
    ),
    ProgrammeStandard(
        code="nhs_bsp.recall_rate.first",
        programme="breast",
        measure="recall_rate",
        name="Women recalled for assessment, prevalent (first) screen",
        screening_round="first",
        unit="share",
        acceptable=Threshold("<", 0.10),
        achievable=Threshold("<", 0.07),
        source=NHS_BSP,
        edition=NHS_BSP_EDITION,
    ),
    ProgrammeStandard(
        code="nhs_bsp.recall_rate.subsequent",
        programme="breast",
        measure="recall_rate",
        name="Women recalled for assessment, incident (subsequent) screen",
        screening_round="subsequent",
        unit="share",
        acceptable=Threshold("<", 0.07),
        achievable=Threshold("<", 0.05),
        source=NHS_BSP,
        edition=NHS_BSP_EDITION,
    ),
    ProgrammeStandard(
        code="nhs_bsp.technical_recall_rate",
        programme="breast",
        measure="technical_recall_rate",
        name="Technical recall",
        screening_round="any",
        unit="share",
        acceptable=Threshold("<", 0.03),
        achievable=Threshold("<", 0.02),
        source=NHS_BSP,
        edition=NHS_BSP_EDITION,
        note="values as named in the outcomes and statistics issue; confirm against the edition in force",
    ),
    ProgrammeStandard(
        code="nhs_bsp.invasive_sdr.first",
        programme="breast",
        measure="invasive_standardised_detection_ratio",
        name="Invasive cancer standardised detection ratio (observed / expected), prevalent screen",
        screening_round="first",
        unit="ratio",
        acceptable=Threshold(">=", 1.00),
        achievable=Threshold(">=", 1.40),
        source=NHS_BSP,
        edition=NHS_BSP_EDITION,
        note="the standard's 'minimum' and 'target' levels",
    ),
    ProgrammeStandard(
        code="european.recall_rate.first",
        programme="breast",
        measure="recall_rate",
        name="Recall rate, initial screening",
        screening_round="first",
        unit="share",
        acceptable=Threshold("<", 0.07),
        achievable=Threshold("<", 0.05),
        source=EUROPEAN,
        edition=EUROPEAN_EDITION,
        note="achievable is the guidelines' 'desirable' level",
    ),
    ProgrammeStandard(
        code="european.recall_rate.subsequent",
        programme="breast",
        measure="recall_rate",
        name="Recall rate, subsequent screening",
        screening_round="subsequent",
        unit="share",
        acceptable=Threshold("<", 0.05),
        achievable=Threshold("<", 0.03),
        source=EUROPEAN,
        edition=EUROPEAN_EDITION,
    ),
    ProgrammeStandard(
        code="european.technical_recall_rate",
        programme="breast",
        measure="technical_recall_rate",
        name="Technical repeat rate",
        screening_round="any",
        unit="share",
        acceptable=Threshold("<", 0.03),
        achievable=Threshold("<", 0.01),
        source=EUROPEAN,
        edition=EUROPEAN_EDITION,
    ),
    ProgrammeStandard(
        code="european.detection_ratio.first",
        programme="breast",
        measure="detection_to_incidence_ratio",
        name="Cancer detection rate as a multiple of the background incidence rate, initial screening",
        screening_round="first",
        unit="ratio",
        acceptable=Threshold(">=", 3.0),
        achievable=Threshold(">", 3.0),
        source=EUROPEAN,
        edition=EUROPEAN_EDITION,
    ),
    ProgrammeStandard(
        code="european.detection_ratio.subsequent",
        programme="breast",
        measure="detection_to_incidence_ratio",
        name="Cancer detection rate as a multiple of the background incidence rate, subsequent screening",
        screening_round="subsequent",
        unit="ratio",
        acceptable=Threshold(">=", 1.5),
        achievable=Threshold(">", 1.5),
        source=EUROPEAN,
        edition=EUROPEAN_EDITION,
    ),
    ProgrammeStandard(
        code="european.interval_cancer_proportion.0_12",
        programme="breast",
        measure="interval_cancer_to_incidence_0_12",
        name="Interval cancers in the first year (0-11 months) as a share of the background incidence",
        screening_round="any",
        unit="share",
        acceptable=Threshold("<=", 0.30),
        achievable=Threshold("<", 0.30),
        source=EUROPEAN,
        edition=EUROPEAN_EDITION,
    ),
    ProgrammeStandard(
        code="european.interval_cancer_proportion.12_24",
        programme="breast",
        measure="interval_cancer_to_incidence_12_24",
        name="Interval cancers in the second year (12-23 months) as a share of the background incidence",
        screening_round="any",
        unit="share",
        acceptable=Threshold("<=", 0.50),
        achievable=Threshold("<", 0.50),
        source=EUROPEAN,
        edition=EUROPEAN_EDITION,
    ),
)
