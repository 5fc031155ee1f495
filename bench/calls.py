"""The ways the benchmark calls ``smscentre.send_sms``: every call at once, by 50 callers as
Kannel is fed, and calls of many recipients; each a timed block under its tag."""

from __future__ import annotations

import asyncio
from typing import Any

from .context import Bench, numbers


async def action_calls(bench: Bench, hass: Any, count: int, tag: str) -> tuple[float, int]:
    """``count`` concurrent send_sms calls, one recipient each; (msg/s, sent)."""
    from custom_components.smscentre.const import DOMAIN

    calls = [
        hass.services.async_call(
            DOMAIN,
            "send_sms",
            {"recipients": [number], "message": bench.text(tag, i)},
            blocking=True,
            return_response=True,
        )
        for i, number in enumerate(numbers(count))
    ]
    with bench.timer(tag, count) as timer:
        results = await asyncio.gather(*calls)
    sent = sum(1 for r in results for m in r["messages"] if m["status"] == "sent")
    return sent / timer.elapsed, sent


async def callers(bench: Bench, hass: Any, count: int, tag: str) -> tuple[float, int]:
    """``count`` send_sms calls, one recipient each, made as Kannel is fed: by
    ``kannel.CONNECTIONS`` (50) callers, each with one call in flight, the next made when
    the last answered; (msg/s, sent). A call answers once its SUBMIT_SM_RESP came (Kannel's
    ``sendsms`` answers once the message is queued)."""
    from custom_components.smscentre.const import DOMAIN

    from .kannel import CONNECTIONS

    recipients = numbers(count)
    work = iter(range(count))

    async def caller() -> int:
        sent = 0
        for index in work:
            response = await hass.services.async_call(
                DOMAIN,
                "send_sms",
                {"recipients": [recipients[index]], "message": bench.text(tag, index)},
                blocking=True,
                return_response=True,
            )
            sent += sum(1 for m in response["messages"] if m["status"] == "sent")
        return sent

    with bench.timer(tag, count) as timer:
        sent = sum(await asyncio.gather(*(caller() for _ in range(CONNECTIONS))))
    return sent / timer.elapsed, sent


async def multi_call(
    bench: Bench, hass: Any, count: int, tag: str, calls: int = 1, in_flight: int | None = None
) -> float:
    """``calls`` send_sms calls of ``count`` recipients each, at most ``in_flight`` at a
    time (all at once by default); msg/s. One action takes at most ``MAX_RECIPIENTS``
    (1,000): a larger ``count`` of one call is sent as equal calls made at once."""
    from custom_components.smscentre.const import DOMAIN
    from custom_components.smscentre.smsc.channels import MAX_RECIPIENTS

    if count > MAX_RECIPIENTS:
        if calls != 1:
            raise ValueError(f"at most {MAX_RECIPIENTS} recipients a call")
        calls = -(-count // MAX_RECIPIENTS)
        if count % calls:
            raise ValueError(f"{count} recipients do not split into {calls} equal calls")
        count //= calls
    gate = asyncio.Semaphore(in_flight or calls)

    async def one(index: int) -> int:
        # like an automation: read the response, keep what it needs (here: a count)
        async with gate:
            response = await hass.services.async_call(
                DOMAIN,
                "send_sms",
                {"recipients": numbers(count), "message": bench.text(tag, index)},
                blocking=True,
                return_response=True,
            )
        return sum(1 for m in response["messages"] if m["status"] == "sent")

    requests = [one(c) for c in range(calls)]
    with bench.timer(tag, count * calls) as timer:
        results = await asyncio.gather(*requests)
    sent = sum(results)
    if sent != count * calls:
        bench.notes.append(f"{tag}: only {sent} of {count * calls} sent")
    return sent / timer.elapsed
