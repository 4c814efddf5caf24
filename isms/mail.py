"""Sending e-mail over SMTP (plain, STARTTLS or TLS); the password is never logged."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from isms.settings import Settings


class MailError(Exception):
    """The message could not be handed to the SMTP server."""


def send_mail(settings: Settings, *, to: list[str], subject: str, body: str) -> None:
    if not settings.smtp_host:
        raise MailError("no SMTP host configured")
    context = ssl.create_default_context()
    try:
        message = EmailMessage()
        message["From"] = settings.mail_from
        message["To"] = ", ".join(to)
        message["Subject"] = " ".join(subject.split())  # no line breaks: no header injection
        message.set_content(body)
        if settings.smtp_security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host, settings.smtp_port, timeout=30, context=context
            )
        else:
            client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30)
        with client:
            if settings.smtp_security == "starttls":
                client.starttls(context=context)
            if settings.smtp_user and settings.smtp_password:
                client.login(settings.smtp_user, settings.smtp_password.get_secret_value())
            client.send_message(message)
    except (OSError, ValueError, smtplib.SMTPException) as exc:
        raise MailError(f"{type(exc).__name__}: {exc}"[:300]) from exc
