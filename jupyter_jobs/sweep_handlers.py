"""REST handlers of sweeps: HTTP in, SweepManager call, JSON out. Nothing else happens here."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from .errors import InvalidRequest
from .handlers import JobsAPIHandler
from .sweep_manager import SweepManager

SWEEP_ID = r"(?P<sweep_id>[^/]+)"
SWEEP_FIELDS = {
    "path",
    "grid",
    "parameters",
    "backend",
    "resources",
    "name",
    "kernel_name",
    "max_concurrent",
}
RERUN_FIELDS = {"only_failed"}


class SweepsAPIHandler(JobsAPIHandler):
    @property
    def sweeps(self) -> SweepManager:
        return self.settings["jupyter_jobs_sweeps"]

    def fields_of(self, body: dict, allowed: set[str]) -> dict:
        unknown = sorted(set(body) - allowed)
        if unknown:
            raise InvalidRequest(f"Unknown field(s): {', '.join(map(str, unknown))}")
        return body


class SweepsHandler(SweepsAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        with self.errors_as_http():
            sweeps, total = await self.worker.run(
                self.sweeps.list_sweeps,
                statuses=self.get_query_arguments("status") or None,
                since=self.get_query_argument("since", None),
                until=self.get_query_argument("until", None),
                backend=self.get_query_argument("backend", None),
                limit=self.int_argument("limit", 100),
                offset=self.int_argument("offset", 0),
            )
        self.write_json({"sweeps": sweeps, "total": total})

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_object_body()
        with self.errors_as_http():
            fields = self.fields_of(body, SWEEP_FIELDS)
            sweep = await self.worker.run(
                self.sweeps.submit, **{"path": None, "grid": None, **fields}
            )
        self.write_json(sweep, status=201)


class SweepHandler(SweepsAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, sweep_id: str) -> None:
        with self.errors_as_http():
            sweep = await self.worker.run(self.sweeps.get, sweep_id)
        self.write_json(sweep)

    @tornado.web.authenticated
    @authorized
    async def delete(self, sweep_id: str) -> None:
        with self.errors_as_http():
            await self.worker.run(self.sweeps.remove, sweep_id, force=self.bool_argument("force"))
        self.set_status(204)
        self.finish()


class SweepCancelHandler(SweepsAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self, sweep_id: str) -> None:
        with self.errors_as_http():
            sweep = await self.worker.run(self.sweeps.cancel, sweep_id)
        self.write_json(sweep)


class SweepRerunHandler(SweepsAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self, sweep_id: str) -> None:
        body = self.json_object_body() if self.request.body.strip() else {}
        with self.errors_as_http():
            fields = self.fields_of(body, RERUN_FIELDS)
            sweep = await self.worker.run(
                self.sweeps.rerun, sweep_id, only_failed=fields.get("only_failed", False)
            )
        self.write_json(sweep, status=201)


def sweep_routes() -> list[tuple[str, type[JobsAPIHandler]]]:
    return [
        (r"/jupyter-jobs/sweeps", SweepsHandler),
        (rf"/jupyter-jobs/sweeps/{SWEEP_ID}", SweepHandler),
        (rf"/jupyter-jobs/sweeps/{SWEEP_ID}/cancel", SweepCancelHandler),
        (rf"/jupyter-jobs/sweeps/{SWEEP_ID}/rerun", SweepRerunHandler),
    ]
