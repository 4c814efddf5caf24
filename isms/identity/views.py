"""Pages for logging in and out and changing the own password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from isms.database import SessionDep
from isms.errors import DomainError
from isms.identity import auth
from isms.identity.deps import TOKEN_COOKIE, UiUser, client_addr, current_claims
from isms.security import TokenClaims
from isms.web.forms import FormData, FormErrors, attempt, read_form
from isms.web.render import render, secure_cookies

router = APIRouter(include_in_schema=False)


def _safe_next(target: object) -> str:
    value = str(target or "/")
    return (
        value if value.startswith("/") and not value.startswith("//") and "\\" not in value else "/"
    )


def _with_token(request: Request, response: Response, token: str) -> Response:
    response.set_cookie(
        TOKEN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
        max_age=request.app.state.settings.access_token_minutes * 60,
        path="/",
    )
    return response


@router.get("/login")
def login_page(request: Request) -> Response:
    return render(
        request,
        "login.html",
        {
            "next": _safe_next(request.query_params.get("next")),
            "errors": FormErrors(),
            "values": {},
        },
    )


@router.post("/login")
def login(
    request: Request, session: SessionDep, form: Annotated[FormData, Depends(read_form)]
) -> Response:
    errors = FormErrors()
    username = str(form.get("username") or "")
    password = str(form.get("password") or "")
    if not username:
        errors.add("username", "error.field_required")
    if not password:
        errors.add("password", "error.field_required")
    status = 400
    if not errors:
        settings = request.app.state.settings
        try:
            user = auth.authenticate(
                session,
                settings,
                username=username,
                password=password,
                remote_addr=client_addr(request),
            )
        except DomainError as exc:
            errors.add("username", exc.message_key, **exc.params)
            status = exc.status_code
        else:
            token, _ = auth.issue_token(user, key=request.app.state.secret_key, settings=settings)
            target = _safe_next(form.get("next"))
            return _with_token(request, RedirectResponse(target, status_code=303), token)
    context = {
        "next": _safe_next(form.get("next")),
        "errors": errors,
        "values": {"username": username},
    }
    return render(request, "login.html", context, status_code=status)


@router.post("/logout")
def logout(
    request: Request,
    session: SessionDep,
    user: UiUser,
    claims: Annotated[TokenClaims, Depends(current_claims)],
    _form: Annotated[FormData, Depends(read_form)],
) -> Response:
    auth.logout(session, user=user, claims=claims)
    response = RedirectResponse("/login?logged_out=1", status_code=303)
    response.delete_cookie(TOKEN_COOKIE, path="/")
    return response


@router.get("/account/password")
def password_page(request: Request, user: UiUser) -> Response:
    return render(request, "account/password.html", {"errors": FormErrors(), "done": False})


@router.post("/account/password")
def change_password(
    request: Request,
    session: SessionDep,
    user: UiUser,
    form: Annotated[FormData, Depends(read_form)],
) -> Response:
    errors = FormErrors()
    new = str(form.get("new_password") or "")
    if new != str(form.get("new_password_repeat") or ""):
        errors.add("new_password_repeat", "error.passwords_differ")
    else:
        attempt(
            session,
            errors,
            lambda: auth.change_own_password(
                session,
                user=user,
                current_password=str(form.get("current_password") or ""),
                new_password=new,
            ),
            field_name="current_password",
        )
    if errors:
        return render(
            request, "account/password.html", {"errors": errors, "done": False}, status_code=400
        )
    # The change revoked every earlier token, this one included: hand out a fresh one.
    token, _ = auth.issue_token(
        user, key=request.app.state.secret_key, settings=request.app.state.settings
    )
    return _with_token(
        request, render(request, "account/password.html", {"errors": errors, "done": True}), token
    )
