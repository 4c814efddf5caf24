"""Rendering pages with the user's language, navigation and CSRF token."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader
from starlette.responses import Response

from frontend import TEMPLATE_DIR
from isms.errors import Forbidden
from isms.i18n import LANGUAGES, normalise_language, translate
from isms.identity.models import Principal, Role

LANG_COOKIE = "isms_lang"
CSRF_COOKIE = "isms_csrf"
CSRF_FIELD = "csrf_token"

templates = Jinja2Templates(
    env=Environment(loader=FileSystemLoader(TEMPLATE_DIR), autoescape=True, auto_reload=False)
)


@dataclass(frozen=True)
class NavItem:
    """A link in the main navigation, shown to the roles listed."""

    label_key: str
    href: str
    roles: frozenset[Role]


NAVIGATION: list[NavItem] = []


def register_nav(label_key: str, href: str, roles: set[Role] | frozenset[Role]) -> None:
    """Add a navigation entry (called by the app factory for each domain)."""
    if all(item.href != href for item in NAVIGATION):
        NAVIGATION.append(NavItem(label_key, href, frozenset(roles)))


def request_language(request: Request) -> str:
    """The UI language: the cookie, else the user's setting, else the browser's, else German."""
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGES:
        return cookie
    user = getattr(request.state, "user", None)
    if isinstance(user, Principal) and user.language in LANGUAGES:
        return user.language
    return normalise_language(
        request.headers.get("accept-language"), request.app.state.settings.default_language
    )


def csrf_token(request: Request) -> str:
    """The request's CSRF token (double-submit cookie), created on first use."""
    token = getattr(request.state, "csrf_token", None) or request.cookies.get(CSRF_COOKIE)
    if not token or len(token) < 32:
        token = secrets.token_urlsafe(32)
    request.state.csrf_token = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a form post whose token does not match its cookie."""
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    if not submitted or not cookie or not hmac.compare_digest(cookie, submitted):
        raise Forbidden("error.csrf")


def secure_cookies(request: Request) -> bool:
    setting = request.app.state.settings.cookie_secure
    return setting if setting is not None else request.url.scheme == "https"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> Response:
    """A page rendered in the user's language with navigation and a CSRF token."""
    language = request_language(request)
    user = getattr(request.state, "user", None)
    token = csrf_token(request)

    def t(key: str, /, **params: Any) -> str:
        return translate(language, key, **params)

    nav = [item for item in NAVIGATION if isinstance(user, Principal) and user.role in item.roles]
    page = {
        "request": request,
        "t": t,
        "lang": language,
        "languages": LANGUAGES,
        "user": user,
        "nav": nav,
        "csrf_token": token,
        "csrf_field": CSRF_FIELD,
        "current_path": request.url.path,
    }
    page.update(context or {})
    response = templates.TemplateResponse(request, template, page, status_code=status_code)
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=secure_cookies(request),
            path="/",
        )
    return response
