"""The outbox of outgoing SUBMIT_SMs: one module per job (see each module's docstring).

``machine`` decides which part may go and what each answer means; ``backlog`` holds what is
queued, ``queue`` the order it goes in, ``attempts`` what awaits a response; ``outcomes``
is what an answer does to a message, ``retry`` when a part goes again; ``snapshot`` is its
persisted image; ``handover`` gives whole messages to the HTTP API; ``wakeup`` is where the
link waits.
"""

from .handover import HttpHandover, http_attempts
from .machine import Outbox

__all__ = ["HttpHandover", "Outbox", "http_attempts"]
