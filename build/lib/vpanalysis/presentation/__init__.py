"""The presentation layer: Swedish tables, captions, notices and charts per step.

Each module takes the tidy, English frames of the matching computation module in
:mod:`vpanalysis.steps` and turns them into what a report shows (Swedish column names,
formatted intervals, sentences). Nothing here computes a statistic, reads a file or
protects a count: that happens below (:mod:`vpanalysis.steps`, :mod:`vpanalysis.disclosure`).
"""
