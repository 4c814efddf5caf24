"""Risk analysis per BSI 200-3: threats, risk register, treatment, Realisierungsplan."""
