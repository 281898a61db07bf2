"""Statistics: programme KPIs against the standards, reader and AI accuracy (docs/statistics.md).

The maths lives in `maths/`, plain Python and numpy without Django, so that every figure can be
checked against an independent implementation and any app may use it.
"""
