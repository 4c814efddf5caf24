"""Structure analysis, protection requirements and risk analysis per BSI 200-2/200-3."""
