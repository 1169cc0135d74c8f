"""REST handler of a notebook job's cells (for the live notebook view)."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from .handlers import JOB_ID, JobsAPIHandler


class CellsHandler(JobsAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        self.write_json(await self.call(self.manager.cells, job_id))


def cells_routes() -> list[tuple[str, type[JobsAPIHandler]]]:
    return [(rf"/jupyter-jobs/jobs/{JOB_ID}/cells", CellsHandler)]
