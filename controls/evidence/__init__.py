"""Evidence files for the Grundschutz-Check: content-addressed storage and type checks."""
