"""The demo's account and owner: what the simulator accepts and what the entry is set up with."""

from __future__ import annotations

from typing import Any

LOGIN = "dev"
SMPP_PASSWORD = "devpass1"  # SMPP 3.4: at most 8 characters
SENDER = "HomeDev"
# A second account on the simulator that no entry uses: adding an account through the screens.
SPARE_LOGIN = "neighbour"
SPARE_PASSWORD = "spare123"
OWNER_NAME = "Developer"
OWNER_USERNAME = "dev"
OWNER_PASSWORD = "dev"
DEFAULT_RECIPIENT = "+7 999 000-00-01"
BALANCE = 250.0  # the simulator's HTTP API account, in RUB
FALLBACK_AFTER = 10  # s: the shortest the options allow
ASSIST_PHONE = "79991112233"  # the phone allowed to talk to Assist by SMS
DEMO_LIGHT = "light.demo_light"  # config/configuration.yaml


def account_form(sim_port: int) -> dict[str, Any]:
    """The config flow's user step, filled in for the simulator's account."""
    return {
        "username": LOGIN,
        "password": SMPP_PASSWORD,
        "host": "127.0.0.1",
        "encryption": "none",  # the simulator's plain port
        "port": sim_port,
        "sender": SENDER,
    }


def demo_options(api_url: str) -> dict[str, Any]:
    """What the demo changes in the options form: the simulator's HTTP API and its fallback,
    one default recipient, no backup server, and Assist by SMS for one phone."""
    return {
        "recipients": [DEFAULT_RECIPIENT],
        "backup_host": "",
        "api_password": SMPP_PASSWORD,  # the simulator's account takes it over HTTP too
        "api_url": api_url,
        "http_fallback": True,
        "http_fallback_after": FALLBACK_AFTER,
        "assist_senders": [ASSIST_PHONE],
    }
