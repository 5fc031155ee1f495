"""The outbox of outgoing SUBMIT_SMs: one module per job (see each module's docstring).

``machine`` queues, windows and paces the parts and follows each attempt; ``retry`` decides
what an answer means and when a part goes again; ``snapshot`` is its persisted image;
``handover`` gives whole messages to the HTTP fallback; ``wakeup`` is where the link waits.
"""

from .handover import HttpHandover, http_attempts
from .machine import Outbox

__all__ = ["HttpHandover", "Outbox", "http_attempts"]
