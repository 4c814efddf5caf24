"""Hash-chained audit trail of every change, login, logout and permission denial."""
