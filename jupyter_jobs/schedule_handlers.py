"""REST handlers of schedules: HTTP in, ScheduleManager call in a worker thread, JSON out."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from .handlers import JobsAPIHandler
from .scheduler import EDITABLE, FIELDS, ScheduleManager

SCHEDULE_ID = r"(?P<schedule_id>[^/]+)"


class ScheduleAPIHandler(JobsAPIHandler):
    @property
    def schedules(self) -> ScheduleManager:
        return self.settings["jupyter_jobs_schedules"]


class SchedulesHandler(ScheduleAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        schedules, total = await self.call(self.schedules.list_schedules)
        self.write_json({"schedules": schedules, "total": total})

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        fields = self.fields_of(self.json_object_body(), FIELDS)
        self.write_json(await self.call(self.schedules.create, **fields), status=201)


class SchedulePreviewHandler(ScheduleAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        preview = await self.call(
            self.schedules.preview,
            self.get_query_argument("cron", None),
            self.get_query_argument("timezone", None),
        )
        self.write_json(preview)


class ScheduleHandler(ScheduleAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, schedule_id: str) -> None:
        self.write_json(await self.call(self.schedules.get, schedule_id))

    @tornado.web.authenticated
    @authorized
    async def patch(self, schedule_id: str) -> None:
        fields = self.fields_of(self.json_object_body(), EDITABLE)
        self.write_json(await self.call(self.schedules.update, schedule_id, **fields))

    @tornado.web.authenticated
    @authorized
    async def delete(self, schedule_id: str) -> None:
        await self.call(self.schedules.remove, schedule_id)
        self.write_no_content()


class ScheduleRunHandler(ScheduleAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self, schedule_id: str) -> None:
        self.write_json(await self.call(self.schedules.run_now, schedule_id), status=201)


def schedule_routes() -> list[tuple[str, type[JobsAPIHandler]]]:
    return [
        (r"/jupyter-jobs/schedules", SchedulesHandler),
        # Before the schedule's own route, which would take "preview" for an id.
        (r"/jupyter-jobs/schedules/preview", SchedulePreviewHandler),
        (rf"/jupyter-jobs/schedules/{SCHEDULE_ID}", ScheduleHandler),
        (rf"/jupyter-jobs/schedules/{SCHEDULE_ID}/run", ScheduleRunHandler),
    ]
