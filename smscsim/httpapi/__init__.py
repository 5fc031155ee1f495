"""The provider's HTTP API beside the SMPP server (aiohttp, its own listener).

``/sys/balance.php``, ``/sys/send.php`` (``cost=0..3``, a client-assigned ``id``, the channel
flags ``call``/``viber``/``soc``/``mail``/``hlr``/``ping``/``flash``) and ``/sys/status.php``,
by GET or POST, answering in ``fmt`` 0 (text lines), 1 (numbers), 2 (XML) or 3 (JSON), with
the provider's error codes. What is known of the real API and how sure it is, is in
``custom_components/smscentre/smsc/http/provider.py``; where the simulator has to guess (the
``fmt=0`` wording of a price, the blocking thresholds) it says so in docs/SIMULATOR.md.

Messages sent here are the simulator's messages like those sent over SMPP: the same message-id
counter, ``sim.messages()`` (``via == "http"``, the text as the same message would read over
SMPP: ``__CALL__: ...``), records for QUERY_SM and status.php, and the one-minute duplicate
rule across both ways. Their statuses are POSTed to ``callback_url`` the way the provider's
HTTP handler does (form fields or ``fmt=3`` JSON, ``md5``/``sha1``/``crc32`` of
``id:phone:status:<secret>``).

The API uses the simulator only through ``api.Backend`` (its rules, store and reports) and
does not import ``smscsim.server``.
"""

from .api import Backend, HttpApi
from .faults import DOWN_MODES
from .records import Callback, HttpRequest
from .send import CHANNEL_FLAGS, MAX_CLIENT_ID, count_parts, smpp_text
from .wire import ERRORS, HTTP_STATUS, ApiError, money

__all__ = [
    "CHANNEL_FLAGS",
    "DOWN_MODES",
    "ERRORS",
    "HTTP_STATUS",
    "MAX_CLIENT_ID",
    "ApiError",
    "Backend",
    "Callback",
    "HttpApi",
    "HttpRequest",
    "count_parts",
    "money",
    "smpp_text",
]
