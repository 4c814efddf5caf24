"""Modelling and the Grundschutz-Check: which controls apply to which target object, and how far."""
