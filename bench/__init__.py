"""``scripts/bench``: throughput, latency, memory and restart figures of the integration.

Every figure is measured in one run against the project's simulator (``smscsim``), which runs
in a child process on its own core; Home Assistant, the integration and the reference clients
run in this process. Nothing here asserts on timing: it prints figures (and ``--json``).
"""
