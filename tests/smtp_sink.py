"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives, for mail tests.

Import the ``smtp`` fixture into a test module; give the app ``**smtp.config`` so it sends there.
"""
from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

LINK = re.compile(r"https?://\S+")


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        return self.message.get_content()

    def links(self) -> list[str]:
        return LINK.findall(self.body)


@dataclass
class Sink:
    """The aiosmtpd handler: every message that arrives is parsed and kept in order."""
    messages: list[Received] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)
    host: str = "127.0.0.1"
    port: int = 0

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content,
                                           policy=email.policy.default)
        with self.arrived:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
            self.arrived.notify_all()
        return "250 OK"

    @property
    def config(self) -> dict:
        return {"MAIL_SERVER": self.host, "MAIL_PORT": self.port, "MAIL_USE_TLS": False,
                "MAIL_USERNAME": "", "MAIL_PASSWORD": ""}

    def to(self, address: str) -> list[Received]:
        return [m for m in self.messages if address in m.rcpt_tos]

    def wait_for(self, address: str, count: int = 1, timeout: float = 5.0) -> Received:
        """The ``count``-th message to ``address``; the app sends synchronously, so this is quick."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.to(address)) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no email #{count} to {address}; got {[m.rcpt_tos for m in self.messages]}")
                self.arrived.wait(left)
            return self.to(address)[count - 1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    """A running SMTP server for one test; stopped afterwards."""
    sink = Sink()
    for _attempt in range(5):
        sink.port = free_port()
        controller = Controller(sink, hostname=sink.host, port=sink.port)
        try:
            controller.start()
            break
        except OSError:  # the port was taken between choosing and binding: choose again
            continue
    else:  # pragma: no cover
        pytest.fail("could not start the SMTP test server")
    yield sink
    controller.stop()
