"""Transports behind the notifier port: SMTP for email, an SMS gateway interface (R-NOTE-1)."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib


class EmailTransport(Protocol):
    async def send(self, *, to: str, subject: str, body: str) -> None: ...


class SmsGateway(Protocol):
    async def send(self, *, to: str, body: str) -> None: ...


class SmtpTransport:
    """Plain SMTP (optionally STARTTLS or implicit TLS, optionally authenticated)."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        starttls: bool = False,
        use_tls: bool = False,
        username: str = "",
        password: str = "",
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.starttls, self.use_tls = starttls, use_tls
        self.username, self.password, self.timeout = username, password, timeout

    async def send(self, *, to: str, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = to
        msg["Subject"] = subject
        msg.set_content(body)
        await aiosmtplib.send(
            msg,
            hostname=self.host,
            port=self.port,
            start_tls=self.starttls,
            use_tls=self.use_tls,
            username=self.username or None,
            password=self.password or None,
            timeout=self.timeout,
        )


@dataclass
class RecordingSmsGateway:
    """The built-in SMS gateway only records (a real one would call a provider's API)."""

    sent: list[tuple[str, str]] = field(default_factory=list)

    async def send(self, *, to: str, body: str) -> None:
        self.sent.append((to, body))
        del self.sent[:-1000]
