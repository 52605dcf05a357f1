"""An SMTP server inside the test process (aiosmtpd), keeping every message it receives.

The app under test sends real mail to it over a local socket; tests read the messages back.
"""

import logging
import re
import socket
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from types import TracebackType
from typing import Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

TOKEN_IN_LINK = re.compile(r"[?&]token=([A-Za-z0-9_-]+)")
# aiosmtpd logs every connection at INFO.
logging.getLogger("mail.log").setLevel(logging.WARNING)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class Inbox:
    """aiosmtpd handler: accepts every message and keeps it."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802  # aiosmtpd's hook name
        content = (envelope.original_content or b"").replace(b"\r\n", b"\n")
        self.messages.append(message_from_bytes(content, policy=policy.default))
        return "250 Message accepted"


class MailServer:
    """`with MailServer(port) as server:` runs aiosmtpd in a thread until the block ends."""

    def __init__(self, port: int, **smtp_options: Any) -> None:
        self.port = port
        self.inbox = Inbox()
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=port, **smtp_options)

    def __enter__(self) -> Self:
        self.controller.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        return self.inbox.messages

    def clear(self) -> None:
        self.inbox.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]

    def wait_for(self, address: str, timeout: float = 10.0) -> EmailMessage:
        """The first message to `address`, waiting for it (mail is sent after the answer)."""
        deadline = time.monotonic() + timeout
        while not (received := self.to(address)):
            if time.monotonic() > deadline:
                raise AssertionError(f"no e-mail to {address} within {timeout} s")
            time.sleep(0.05)
        return received[0]


def body_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the message has no text part"
    content: str = part.get_content()
    return content


def token_from(message: EmailMessage) -> str:
    """The token in the message's link."""
    match = TOKEN_IN_LINK.search(body_of(message))
    assert match, f"no link with a token in:\n{body_of(message)}"
    return match.group(1)
