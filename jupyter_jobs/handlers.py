"""REST handlers: HTTP in, JobManager call, JSON out. Nothing else happens here.

Every manager call is awaited from a worker thread (ManagerWorker): the manager
blocks on SQLite, files and cluster commands, the server's event loop must not.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin

from .errors import JobsError
from .manager import JobManager
from .worker import ManagerWorker

T = TypeVar("T")
AUTH_RESOURCE = "jupyter_jobs"
JOB_ID = r"(?P<job_id>[^/]+)"
REQUEST_FIELDS = {
    "path",
    "parameters",
    "backend",
    "name",
    "kernel_name",
    "resources",
    "max_retries",
    "retry_delay_seconds",
    "after",
    "after_condition",
}


class JobsAPIHandler(ExtensionHandlerMixin, APIHandler):
    auth_resource = AUTH_RESOURCE

    @property
    def manager(self) -> JobManager:
        return self.settings["jupyter_jobs_manager"]

    @property
    def worker(self) -> ManagerWorker:
        return self.settings["jupyter_jobs_worker"]

    @contextmanager
    def errors_as_http(self) -> Iterator[None]:
        try:
            yield
        except JobsError as e:
            raise tornado.web.HTTPError(e.http_status, e.message) from e

    async def call(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A manager's method run in the worker thread; its JobsError as an HTTP error."""
        with self.errors_as_http():
            return await self.worker.run(method, *args, **kwargs)

    def fields_of(self, body: dict[str, Any], allowed: Collection[str]) -> dict[str, Any]:
        """The request body, if it has no field but those allowed (400 naming the others)."""
        unknown = sorted(set(body) - set(allowed))
        if unknown:
            raise tornado.web.HTTPError(400, f"Unknown field(s): {', '.join(unknown)}")
        return body

    def list_filters(self) -> dict[str, Any]:
        """A listing's filters and page from the query: status (repeated), since, until,
        backend, limit, offset."""
        return {
            "statuses": self.get_query_arguments("status") or None,
            "since": self.get_query_argument("since", None),
            "until": self.get_query_argument("until", None),
            "backend": self.get_query_argument("backend", None),
            "limit": self.int_argument("limit", 100),
            "offset": self.int_argument("offset", 0),
        }

    def json_object_body(self) -> dict[str, Any]:
        try:
            text = self.request.body.decode("utf-8")
        except UnicodeDecodeError:
            raise tornado.web.HTTPError(400, "The request body is not UTF-8") from None
        try:
            body = json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as e:
            raise tornado.web.HTTPError(400, f"The request body is not valid JSON: {e}") from None
        if not isinstance(body, dict):
            raise tornado.web.HTTPError(400, "The request body must be a JSON object")
        return body

    def int_argument(self, name: str, default: int) -> int:
        value = self.get_query_argument(name, None)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise tornado.web.HTTPError(400, f"'{name}' must be an integer") from None

    def bool_argument(self, name: str, default: bool = False) -> bool:
        value = (self.get_query_argument(name, str(default)) or str(default)).lower()
        if value not in ("true", "false", "1", "0", "yes", "no"):
            raise tornado.web.HTTPError(400, f"'{name}' must be true or false")
        return value in ("true", "1", "yes")

    def write_json(self, data: Any, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(data))

    def write_no_content(self) -> None:
        self.set_status(204)
        self.finish()


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are not JSON: they could not be sent back to a browser.
    raise ValueError(f"{name} is not a JSON value")


class JobsHandler(JobsAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        jobs, total = await self.call(
            self.manager.list_jobs,
            **self.list_filters(),
            sweep_id=self.get_query_argument("sweep_id", None),
            schedule_id=self.get_query_argument("schedule_id", None),
        )
        self.write_json({"jobs": jobs, "total": total})

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        fields = self.fields_of(self.json_object_body(), REQUEST_FIELDS)
        job = await self.call(self.manager.submit, **{"path": None, **fields})
        self.write_json(job, status=201)


class JobHandler(JobsAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        self.write_json(await self.call(self.manager.get, job_id))

    @tornado.web.authenticated
    @authorized
    async def delete(self, job_id: str) -> None:
        await self.call(self.manager.remove, job_id, force=self.bool_argument("force"))
        self.write_no_content()


class CancelHandler(JobsAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def post(self, job_id: str) -> None:
        self.write_json(await self.call(self.manager.cancel, job_id))


class OutputHandler(JobsAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        attempt = self.get_query_argument("attempt", None)
        kind, data = await self.call(
            self.manager.output,
            job_id,
            attempt=None if attempt is None else self.int_argument("attempt", 1),
        )
        content_type = "application/x-ipynb+json" if kind == "notebook" else "text/plain"
        self.finish(data, set_content_type=f"{content_type}; charset=UTF-8")


class LogHandler(JobsAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        tail = self.get_query_argument("tail", None)
        events, next_seq = await self.call(
            self.manager.log,
            job_id,
            after=self.int_argument("after", 0),
            limit=self.int_argument("limit", 1000),
            tail=None if tail is None else self.int_argument("tail", 0),
        )
        self.write_json({"events": events, "next": next_seq})


class ResultsHandler(JobsAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        mark_seen = self.bool_argument("mark_seen", default=True)
        self.write_json(await self.call(self.manager.results, job_id, mark_seen=mark_seen))


class UsageHandler(JobsAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        self.write_json(await self.call(self.manager.usage, job_id))


class BackendsHandler(JobsAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.write_json(await self.call(self.manager.describe_backends))


class ParametersHandler(JobsAPIHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        path = self.get_query_argument("path", None)
        parameters = await self.call(self.manager.parameters, path)
        self.write_json({"parameters": parameters})


def routes() -> list[tuple[str, type[JobsAPIHandler]]]:
    from .schedule_handlers import schedule_routes  # it builds on the classes above

    return [
        (r"/jupyter-jobs/jobs", JobsHandler),
        (rf"/jupyter-jobs/jobs/{JOB_ID}", JobHandler),
        (rf"/jupyter-jobs/jobs/{JOB_ID}/cancel", CancelHandler),
        (rf"/jupyter-jobs/jobs/{JOB_ID}/output", OutputHandler),
        (rf"/jupyter-jobs/jobs/{JOB_ID}/log", LogHandler),
        (rf"/jupyter-jobs/jobs/{JOB_ID}/results", ResultsHandler),
        (rf"/jupyter-jobs/jobs/{JOB_ID}/usage", UsageHandler),
        (r"/jupyter-jobs/backends", BackendsHandler),
        (r"/jupyter-jobs/parameters", ParametersHandler),
        *schedule_routes(),
        *_sweep_routes(),
        *_cells_routes(),
    ]


def _cells_routes() -> list[tuple[str, type[JobsAPIHandler]]]:
    from .cells_handlers import cells_routes  # it builds on this module's handler

    return cells_routes()


def _sweep_routes() -> list[tuple[str, type[JobsAPIHandler]]]:
    from .sweep_handlers import sweep_routes  # it builds on this module's handler

    return sweep_routes()
