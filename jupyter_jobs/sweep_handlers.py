"""REST handlers of sweeps: HTTP in, SweepManager call, JSON out. Nothing else happens here."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

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


class SweepsHandler(SweepsAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        sweeps, total = await self.call(self.sweeps.list_sweeps, **self.list_filters())
        self.write_json({"sweeps": sweeps, "total": total})

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        fields = self.fields_of(self.json_object_body(), SWEEP_FIELDS)
        sweep = await self.call(self.sweeps.submit, **{"path": None, "grid": None, **fields})
        self.write_json(sweep, status=201)


class SweepHandler(SweepsAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, sweep_id: str) -> None:
        self.write_json(await self.call(self.sweeps.get, sweep_id))

    @tornado.web.authenticated
    @authorized
    async def delete(self, sweep_id: str) -> None:
        await self.call(self.sweeps.remove, sweep_id, force=self.bool_argument("force"))
        self.write_no_content()


class SweepCancelHandler(SweepsAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self, sweep_id: str) -> None:
        self.write_json(await self.call(self.sweeps.cancel, sweep_id))


class SweepRerunHandler(SweepsAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self, sweep_id: str) -> None:
        body = self.json_object_body() if self.request.body.strip() else {}
        only_failed = self.fields_of(body, RERUN_FIELDS).get("only_failed", False)
        sweep = await self.call(self.sweeps.rerun, sweep_id, only_failed=only_failed)
        self.write_json(sweep, status=201)


def sweep_routes() -> list[tuple[str, type[JobsAPIHandler]]]:
    return [
        (r"/jupyter-jobs/sweeps", SweepsHandler),
        (rf"/jupyter-jobs/sweeps/{SWEEP_ID}", SweepHandler),
        (rf"/jupyter-jobs/sweeps/{SWEEP_ID}/cancel", SweepCancelHandler),
        (rf"/jupyter-jobs/sweeps/{SWEEP_ID}/rerun", SweepRerunHandler),
    ]
