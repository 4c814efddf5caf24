"""Control catalogs (BSI Grundschutz++, ISO 27001), modelling and the Grundschutz-Check."""
