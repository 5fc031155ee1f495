"""The reference clients on the same simulator: the raw pipelined ceiling (on both SMSC speeds)
and a bare aiosmpplib ESME with its stock correlator and with ours."""

from __future__ import annotations

from bench.context import Bench
from bench.simproc import REALISTIC_PDU_COST


async def run(bench: Bench) -> None:
    from bench.reference import bare_esme, raw_ceiling

    await bench.reset_sim()
    port = bench.sim.port
    n = 20_000 if not bench.quick else 5_000
    rates = [await raw_ceiling(port, n, prefix=f"{bench.run_id} r{i}") for i in range(2)]
    bench.figures["raw_ceiling_per_s"] = max(rates)
    await bench.reset_sim()
    n = 5_000 if not bench.quick else 1_000
    stock = await bare_esme(port, n, fast=False, prefix=f"{bench.run_id} s", timeout=90)
    bench.figures["esme_stock_per_s"] = stock["per_s"]
    bench.figures["esme_stock_accepted"] = stock["accepted"]
    await bench.reset_sim()
    fast = await bare_esme(port, n, fast=True, prefix=f"{bench.run_id} f")
    bench.figures["esme_fast_correlator_per_s"] = fast["per_s"]

    # the same raw client on the realistic-speed SMSC
    n = 20_000 if not bench.quick else 5_000
    await bench.reset_sim(pdu_cost=REALISTIC_PDU_COST)
    rates = [await raw_ceiling(port, n, prefix=f"{bench.run_id} rr{i}") for i in range(2)]
    bench.figures["real_raw_ceiling_per_s"] = max(rates)
