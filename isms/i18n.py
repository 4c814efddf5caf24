"""Message catalogues: German first, English available; no UI literals in Python logic."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from frontend import LOCALE_DIR

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"


@lru_cache
def catalogue(language: str) -> dict[str, str]:
    """The flat key -> message mapping of one language."""
    path = LOCALE_DIR / f"{language}.json"
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


def normalise_language(value: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """A supported language code from a cookie or an Accept-Language header."""
    if not value:
        return default
    for part in value.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return default


def translate(language: str, key: str, /, **params: Any) -> str:
    """The message for key in language, falling back to German, then to the key itself."""
    messages = catalogue(language)
    text = messages.get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    if params:
        # A parameter that is itself a message key (e.g. "grundwert.integrity") is translated too.
        params = {k: messages.get(v, v) if isinstance(v, str) else v for k, v in params.items()}
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text
    return text
