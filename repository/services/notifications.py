"""Notifications: an outbox written in the transaction of the change it reports, and the
worker that delivers it by SMTP (or to the log when no server is configured), retrying each
message until it is sent."""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..db import unit_of_work
from ..models import OutboxMessage
from ..models.base import utcnow

log = logging.getLogger("biorepo.notifications")
MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class Smtp:
    """Where and how to send mail; no host means: write each message to the log instead."""

    host: str | None = None
    port: int = 25
    sender: str = "biorepo@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0


def enqueue(
    session: Session,
    recipients: Iterable[str],
    subject: str,
    body: str,
    *,
    request_id: int | None = None,
) -> None:
    """One outbox message per recipient, in the current transaction."""
    now = utcnow()
    for recipient in sorted(set(recipients)):
        session.add(
            OutboxMessage(
                request_id=request_id,
                recipient=recipient,
                subject=subject[:300],
                body=body,
                created_at=now,
                next_attempt_at=now,
                attempts=0,
            )
        )
    session.flush()


def backoff(attempts: int) -> timedelta:
    """How long to wait before the next attempt: 1, 2, 4 ... minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def deliver(
    factory: sessionmaker[Session],
    smtp: Smtp,
    *,
    limit: int = 100,
    now: Callable[[], datetime] = utcnow,
) -> tuple[int, int]:
    """Send the messages that are due, each in its own transaction (locked, so that two
    workers never send one twice); a failure keeps the message with its attempts, error and
    next attempt time. Returns (sent, failed)."""
    sent = failed = 0
    with unit_of_work(factory, write=False) as session:
        due = list(
            session.scalars(
                select(OutboxMessage.id)
                .where(OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now())
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
        )
    for message_id in due:
        with unit_of_work(factory) as session:
            message = session.scalar(
                select(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None))
                .with_for_update(skip_locked=True)
            )
            if message is None:
                continue  # another worker has it, or sent it
            try:
                message.channel = _send(smtp, message)
            except (OSError, smtplib.SMTPException) as error:
                message.attempts += 1
                message.next_attempt_at = now() + backoff(message.attempts)
                message.last_error = f"{type(error).__name__}: {error}"[:1000]
                failed += 1
            else:
                message.attempts += 1
                message.sent_at = now()
                message.last_error = None
                sent += 1
    return sent, failed


def _send(smtp: Smtp, message: OutboxMessage) -> str:
    if not smtp.host:
        log.info("To %s: %s\n%s", message.recipient, message.subject, message.body)
        return "log"
    mail = EmailMessage()
    mail["From"] = smtp.sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Message-ID"] = f"<outbox-{message.id}@biorepo>"
    mail.set_content(message.body)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as client:
        if smtp.starttls:
            client.starttls()
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
        client.send_message(mail)
    return "smtp"
