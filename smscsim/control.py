"""A tiny HTTP control API for scripts (aiohttp), beside a running simulator.

GET  /messages   JSON list of the reassembled accepted messages
GET  /stats      counters and live sessions
POST /deliver    {"source", "destination", "text"[, "system_id"]}: inject an incoming SMS
POST /receipt    {"message_id"[, "stat", "err", "system_id"]}: send a delivery receipt
POST /fault      {"kind": "drop_all"|"refuse_binds"|"hang"|"clear"[, "duration", "status"]}
                 HTTP API: {"kind": "http_down", "mode"}, {"kind": "http_fail", "code", "count"},
                 {"kind": "http_block", "duration"}
POST /account    {"balance", "currency", "price"}: the HTTP API's account (any subset)
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .faults import KINDS as SMPP_FAULTS
from .httpapi.faults import KINDS as HTTP_FAULTS
from .server import SmscSimulator

FAULTS = (*SMPP_FAULTS, *HTTP_FAULTS)  # each kind is set by its side's faults module


class ControlServer:
    """HTTP control API for one simulator."""

    def __init__(self, sim: SmscSimulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sim = sim
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None
        app = web.Application()
        app.add_routes(
            [
                web.get("/messages", self._messages),
                web.get("/stats", self._stats),
                web.post("/deliver", self._deliver),
                web.post("/receipt", self._receipt),
                web.post("/fault", self._fault),
                web.post("/account", self._account),
            ]
        )
        self.app = app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self._runner.addresses:
            self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @staticmethod
    async def _json(request: web.Request) -> dict[str, Any]:
        try:
            data = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(reason="body must be JSON") from None
        if not isinstance(data, dict):
            raise web.HTTPBadRequest(reason="body must be a JSON object")
        return data

    async def _messages(self, request: web.Request) -> web.Response:
        return web.json_response([m.as_dict() for m in self.sim.messages()])

    async def _stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.sim.stats())

    async def _deliver(self, request: web.Request) -> web.Response:
        data = await self._json(request)
        try:
            sequence = await self.sim.deliver_sm(
                source=str(data["source"]),
                destination=str(data["destination"]),
                text=str(data["text"]),
                system_id=data.get("system_id"),
            )
        except KeyError as err:
            raise web.HTTPBadRequest(reason=f"missing {err}") from None
        except LookupError as err:
            return web.json_response({"error": str(err)}, status=409)
        return web.json_response({"sequence": sequence})

    async def _receipt(self, request: web.Request) -> web.Response:
        data = await self._json(request)
        if "message_id" not in data:
            raise web.HTTPBadRequest(reason="missing message_id")
        try:
            sequence = await self.sim.send_receipt(
                str(data["message_id"]),
                stat=str(data.get("stat", "DELIVRD")),
                err=int(data.get("err", 0)),
                system_id=data.get("system_id"),
            )
        except LookupError as err:
            return web.json_response({"error": str(err)}, status=409)
        return web.json_response({"sequence": sequence})

    async def _account(self, request: web.Request) -> web.Response:
        data = await self._json(request)
        http = self.sim.http
        if http is None:
            return web.json_response({"error": "the HTTP API is off (--http-port)"}, status=409)
        try:
            if "balance" in data:
                http.balance = float(data["balance"])
            if "price" in data:
                http.price = float(data["price"])
        except (TypeError, ValueError):
            raise web.HTTPBadRequest(reason="balance and price are numbers") from None
        if "currency" in data:
            http.currency = str(data["currency"])
        return web.json_response(http.stats())

    async def _fault(self, request: web.Request) -> web.Response:
        data = await self._json(request)
        kind = str(data.get("kind"))
        sim = self.sim
        if kind == "clear":
            sim.clear_faults()
        elif kind.startswith("http_"):
            if sim.http is None:
                return web.json_response({"error": "the HTTP API is off (--http-port)"}, status=409)
            try:
                known = sim.http.faults.apply(kind, data)
            except ValueError as err:
                raise web.HTTPBadRequest(reason=str(err)) from None
            if not known:
                raise web.HTTPBadRequest(reason=f"kind must be one of {', '.join(FAULTS)}")
        elif not sim.faults.apply(kind, data):
            raise web.HTTPBadRequest(reason=f"kind must be one of {', '.join(FAULTS)}")
        return web.json_response({"ok": True, "kind": kind})
