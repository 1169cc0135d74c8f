"""Errors of the job manager; the server maps each to an HTTP status, the CLI to a message."""


class JobsError(Exception):
    """Base of every error the manager raises on purpose."""

    http_status = 500

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.__class__.__name__


class InvalidRequest(JobsError):
    """The request is malformed or names something it may not: nothing was changed."""

    http_status = 400


class NotFound(JobsError):
    """No such job, file or backend."""

    http_status = 404


class Conflict(JobsError):
    """The job's state does not allow this (yet)."""

    http_status = 409


class BackendUnavailable(JobsError):
    """The backend could not take the job (its commands failed): nothing was created."""

    http_status = 503


class Gone(JobsError):
    """The job is known but its files are not there any more (its directory was deleted)."""

    http_status = 410
