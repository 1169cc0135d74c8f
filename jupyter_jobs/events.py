"""The push channel's event schema, on the Jupyter server's event bus."""

JOB_EVENT_SCHEMA_ID = "https://events.jupyter.org/jupyter_jobs/job/v1"

JOB_EVENT_SCHEMA = {
    "$id": JOB_EVENT_SCHEMA_ID,
    "version": "1",
    "title": "Job changes and new log events",
    "personal-data": True,
    "description": (
        "Emitted by jupyter-jobs when a job changes (`updated` with the job as the REST API "
        "shows it), is removed (`removed`), or its log grows (`log`, with the new events and "
        "the seq to continue from). Log events carry seq numbers; a client ignores those it has. "
        "A sweep that is created, cancelled or re-run comes as `sweep-updated` (the sweep as "
        "GET sweeps lists it), one removed as `sweep-removed`; its runs' changes come as jobs'. "
        "A schedule created, edited, paused, resumed, fired or run now comes as "
        "`schedule-updated` (the schedule as GET schedules lists it: its next run and last "
        "job), one removed as `schedule-removed`; the jobs it fires come as jobs'."
    ),
    "type": "object",
    "required": ["action"],
    "properties": {
        "action": {
            "enum": [
                "updated",
                "removed",
                "log",
                "sweep-updated",
                "sweep-removed",
                "schedule-updated",
                "schedule-removed",
            ],
            "description": "What happened.",
        },
        "job": {"type": "object", "description": "The job, for `updated`."},
        "job_id": {"type": "string", "description": "The job, for `removed` and `log`."},
        "events": {"type": "array", "description": "New log events, for `log`."},
        "next": {"type": "integer", "description": "Pass as `after` to GET log to continue."},
        "sweep": {"type": "object", "description": "The sweep, for `sweep-updated`."},
        "sweep_id": {"type": "string", "description": "The sweep, for `sweep-removed`."},
        "schedule": {"type": "object", "description": "The schedule, for `schedule-updated`."},
        "schedule_id": {
            "type": "string",
            "description": "The schedule, for `schedule-removed`.",
        },
    },
}
