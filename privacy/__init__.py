"""GDPR documentation: records of processing activities (Art. 30) with the technical and
organisational measures derived from the Grundschutz-Check (Art. 32)."""
