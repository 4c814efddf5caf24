"""Reports (BSI reference documents A.1-A.6, SoA) and signed evidence packs."""
