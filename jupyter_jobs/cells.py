"""The cells of a job's notebook without their outputs: what the live view lays out."""

from __future__ import annotations

import json
from typing import Any

CELL_TYPES = ("code", "markdown", "raw")


def notebook_cells(data: bytes) -> list[dict[str, Any]]:
    """Each cell's type, source, execution count and tags; ValueError if it is no notebook."""
    try:
        notebook = json.loads(data)
    except RecursionError as e:
        raise ValueError(str(e)) from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise ValueError("it is not a notebook")
    return [_cell(cell) for cell in cells]


def _cell(cell: Any) -> dict[str, Any]:
    if not isinstance(cell, dict):
        return {"cell_type": "raw", "source": "", "execution_count": None, "tags": []}
    source = cell.get("source", "")
    if isinstance(source, list):
        source = "".join(str(line) for line in source)
    cell_type = cell.get("cell_type")
    count = cell.get("execution_count")
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else []
    counted = isinstance(count, int) and not isinstance(count, bool)
    return {
        "cell_type": cell_type if cell_type in CELL_TYPES else "raw",
        "source": str(source),
        "execution_count": count if counted else None,
        "tags": [str(tag) for tag in tags] if isinstance(tags, list) else [],
    }
