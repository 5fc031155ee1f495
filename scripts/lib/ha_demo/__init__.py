"""A real Home Assistant with SMS Center set up against the bundled simulator, as a library.

``scripts/develop`` (the interactive run and the smoke run) is its first user; anything else
that needs the same demo (a browser driving the real frontend, a long run of traffic and
faults) imports the same parts. Importable as ``ha_demo`` with ``scripts/lib`` on the path
(as the scripts run) or as ``scripts.lib.ha_demo`` from the repository's root.

- ``demo``: the whole demo, started, set up as a user would, and stopped (``Demo``, ``Ports``)
- ``config_folder``: a Home Assistant config folder written for it, and its log read after
- ``processes``: the simulator and ``hass`` as supervised child processes
- ``client``: Home Assistant's REST API as the frontend uses it (login, flows, states, actions)
- ``websocket``: Home Assistant's websocket API (commands, events)
- ``simulator``: the simulator's control API (messages sent, incoming SMS, faults)
- ``account``: the demo's account, owner and options
- ``common``: the error every check raises, the log line and bounded polling
"""
