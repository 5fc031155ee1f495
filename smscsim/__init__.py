"""SMSC simulator for tests and development: an asyncio SMPP 3.4 server imitating SMS Center."""

from .model import BindAttempt, Message, MessageRecord, Submit
from .server import SmscSimulator
from .session import Session

__all__ = ["BindAttempt", "Message", "MessageRecord", "Session", "SmscSimulator", "Submit"]
