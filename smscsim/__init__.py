"""SMSC simulator for tests and development: an asyncio SMPP 3.4 server imitating SMS Center."""

from .server import BindAttempt, Message, MessageRecord, Session, SmscSimulator, Submit

__all__ = ["BindAttempt", "Message", "MessageRecord", "Session", "SmscSimulator", "Submit"]
