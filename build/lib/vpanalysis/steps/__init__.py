"""One module per step's own logic: registers, scoring, gap analysis and follow-up.

``situation`` (step 2), ``collaboration`` (step 1), ``factors`` (step 3),
``interventions`` (step 4) and ``followup`` (step 5).
"""
