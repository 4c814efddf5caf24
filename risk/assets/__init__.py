"""Structure analysis (BSI 200-2): target objects, dependencies and protection requirements."""
