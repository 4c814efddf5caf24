"""The ISO 27001 Statement of Applicability, derived from the Grundschutz-Check."""
