"""Templates, static files and message catalogues of the web UI (no Python logic)."""

from pathlib import Path

FRONTEND_DIR = Path(__file__).resolve().parent
TEMPLATE_DIR = FRONTEND_DIR / "templates"
STATIC_DIR = FRONTEND_DIR / "static"
LOCALE_DIR = FRONTEND_DIR / "locales"
