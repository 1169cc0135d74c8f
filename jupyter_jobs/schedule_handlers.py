"""REST handlers of schedules: HTTP in, ScheduleManager call in a worker thread, JSON out."""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from .errors import InvalidRequest
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
        with self.errors_as_http():
            schedules, total = await self.worker.run(self.schedules.list_schedules)
        self.write_json({"schedules": schedules, "total": total})

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_object_body()
        with self.errors_as_http():
            unknown = sorted(set(body) - set(FIELDS))
            if unknown:
                raise InvalidRequest(f"Unknown field(s): {', '.join(unknown)}")
            schedule = await self.worker.run(self.schedules.create, **body)
        self.write_json(schedule, status=201)


class SchedulePreviewHandler(ScheduleAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        with self.errors_as_http():
            preview = await self.worker.run(
                self.schedules.preview,
                self.get_query_argument("cron", None),
                self.get_query_argument("timezone", None),
            )
        self.write_json(preview)


class ScheduleHandler(ScheduleAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, schedule_id: str) -> None:
        with self.errors_as_http():
            schedule = await self.worker.run(self.schedules.get, schedule_id)
        self.write_json(schedule)

    @tornado.web.authenticated
    @authorized
    async def patch(self, schedule_id: str) -> None:
        body = self.json_object_body()
        with self.errors_as_http():
            unknown = sorted(set(body) - set(EDITABLE))
            if unknown:
                raise InvalidRequest(f"Unknown field(s): {', '.join(unknown)}")
            schedule = await self.worker.run(self.schedules.update, schedule_id, **body)
        self.write_json(schedule)

    @tornado.web.authenticated
    @authorized
    async def delete(self, schedule_id: str) -> None:
        with self.errors_as_http():
            await self.worker.run(self.schedules.remove, schedule_id)
        self.set_status(204)
        self.finish()


class ScheduleRunHandler(ScheduleAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self, schedule_id: str) -> None:
        with self.errors_as_http():
            job = await self.worker.run(self.schedules.run_now, schedule_id)
        self.write_json(job, status=201)


def schedule_routes() -> list[tuple[str, type[JobsAPIHandler]]]:
    return [
        (r"/jupyter-jobs/schedules", SchedulesHandler),
        # Before the schedule's own route, which would take "preview" for an id.
        (r"/jupyter-jobs/schedules/preview", SchedulePreviewHandler),
        (rf"/jupyter-jobs/schedules/{SCHEDULE_ID}", ScheduleHandler),
        (rf"/jupyter-jobs/schedules/{SCHEDULE_ID}/run", ScheduleRunHandler),
    ]
