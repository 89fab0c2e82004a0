"""Notifications: the outbox is delivered to a real SMTP server on loopback; while the
server is down, messages wait with their attempts and next attempt time, and go out when it
is back."""

from __future__ import annotations

from datetime import UTC, timedelta

from aiosmtpd.controller import Controller
from sqlalchemy import select

from repository.audit import as_utc
from repository.db import unit_of_work
from repository.models import OutboxMessage
from repository.models.base import utcnow
from repository.services import notifications
from tests.servers import free_port


class Inbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(envelope)
        return "250 Message accepted"


def test_outbox_waits_for_the_server_and_is_sent_when_it_is_back(factory):
    with unit_of_work(factory) as db:
        notifications.enqueue(db, ["ada@far.example"], "Request R1: shipped", "On its way.")
    port = free_port()
    smtp = notifications.Smtp(host="127.0.0.1", port=port, sender="biorepo@example.org")

    assert notifications.deliver(factory, smtp) == (0, 1)  # nobody listens yet
    with unit_of_work(factory, write=False) as db:
        waiting = db.scalar(select(OutboxMessage))
        assert waiting.sent_at is None and waiting.attempts == 1
        assert "Connection" in waiting.last_error or "refused" in waiting.last_error.lower()
        next_attempt = waiting.next_attempt_at
    assert notifications.deliver(factory, smtp) == (0, 0)  # not due again yet

    inbox = Inbox()
    server = Controller(inbox, hostname="127.0.0.1", port=port)
    server.start()
    try:
        later = as_utc(next_attempt).replace(tzinfo=UTC) + timedelta(seconds=1)
        sent = notifications.deliver(factory, smtp, now=lambda: later)
    finally:
        server.stop()
    assert sent == (1, 0)
    assert [m.rcpt_tos for m in inbox.messages] == [["ada@far.example"]]
    assert b"Subject: Request R1: shipped" in inbox.messages[0].content
    with unit_of_work(factory, write=False) as db:
        done = db.scalar(select(OutboxMessage))
        assert done.sent_at is not None and done.channel == "smtp" and done.attempts == 2
    assert notifications.deliver(factory, smtp, now=lambda: later) == (0, 0)  # never twice


def test_without_smtp_messages_go_to_the_log(factory, caplog):
    with unit_of_work(factory) as db:
        notifications.enqueue(db, ["a@x.org", "b@x.org"], "Hello", "Body")
    caplog.set_level("INFO", logger="biorepo.notifications")
    assert notifications.deliver(factory, notifications.Smtp()) == (2, 0)
    assert "To a@x.org: Hello" in caplog.text
    with unit_of_work(factory, write=False) as db:
        assert {m.channel for m in db.scalars(select(OutboxMessage))} == {"log"}


def test_backoff_grows_to_an_hour():
    assert notifications.backoff(1) == timedelta(minutes=1)
    assert notifications.backoff(3) == timedelta(minutes=4)
    assert notifications.backoff(30) == timedelta(hours=1)
    assert utcnow().tzinfo is not None
