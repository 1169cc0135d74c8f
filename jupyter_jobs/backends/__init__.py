"""Where jobs run. Every backend implements `Backend` (see base.py)."""

from .base import Backend, BackendState, ResourceOption

__all__ = ["Backend", "BackendState", "ResourceOption"]
