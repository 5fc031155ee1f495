"""``scripts/soak``: hours of traffic and random, overlapping faults against a real Home
Assistant and the simulator; nothing lost, nothing sent twice, memory flat.

- ``plan``: the faults and the traffic's shape, drawn from the seed
- ``traffic``: outgoing actions (steady and bursts), incoming SMS, HLR lookups
- ``faults``: the plan's faults applied to the simulator and to Home Assistant (restarts)
- ``calls``: actions over Home Assistant's websocket API, many at once
- ``hass``: Home Assistant's folder (with the probe), start, account, restart
- ``ledger``: what was called and what the simulator accepted, kept small
- ``checks``: the verdicts and figures; ``report``: the table and JSON; ``plot``: the PNG
- ``run``: one run from start to report; ``probe/soak_probe``: the custom integration that
  measures from inside Home Assistant (memory, heap by type, tracemalloc, stalls, events)
"""
