"""The statistics maths: no Django, no database, no other screening module; numpy and the standard
library only (tests/test_house_rules.py). Callers pass counts or arrays and get plain values back.

proportions          Wilson score intervals, shares and rates per 1 000
diagnostic_accuracy  sensitivity, specificity, PPV, NPV of a binary decision (its operating point)
roc                  AUC with DeLong's 95% interval, the ROC curve
reliability          reliability diagram, expected calibration error, prior-shift recalibration
agreement            Cohen's kappa with its interval, discordance
disclosure           small-count suppression ("<5") for every auditor-facing figure
standards            programme standards as data, red/amber/green against them
standard_values      the NHS BSP and European guideline values, with their sources
breach_forecast      episodes expected to miss the 14-day result standard, from the backlog
drift                population stability index, two-sample Kolmogorov-Smirnov, chi-square (monitoring)
cusum                Bernoulli CUSUM, its limit for a stated ARL0 and its detection delay (monitoring)
subgroups            whether a subgroup's interval excludes the overall value (equity flags)
"""
