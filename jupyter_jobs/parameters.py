"""The parameters a notebook declares, read by papermill's own rules.

A notebook's cell tagged `parameters` is what papermill overrides. Its names,
inferred types, defaults (as source text) and help comments are read by the
papermill translator of the notebook's language, as `papermill.inspect_notebook`
does, so the dialog and a sweep's checks agree with what papermill will run.
Two differences from inspect_notebook, both to match how a job runs: a notebook
that names no kernel is read as Python (a job runs it on python3), and the path
is not a papermill template (a file named `run_{x}.ipynb` is just a name).
A script declares none: it takes any name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import InvalidRequest


def notebook_parameters(source: Path, shown_path: str) -> list[dict[str, Any]]:
    """[{"name", "type", "default", "help"}] in the cell's order; InvalidRequest if unreadable."""
    # Imported here: papermill and nbformat cost the CLI most of a second.
    import nbformat
    from papermill.exceptions import PapermillException
    from papermill.translators import papermill_translators

    try:
        notebook = nbformat.read(str(source), as_version=4)
    except Exception as e:  # nbformat raises many kinds for a damaged file
        raise InvalidRequest(f"{shown_path!r} is not a readable notebook: {e}") from None
    tagged = [c for c in notebook.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not tagged:
        return []
    kernelspec = notebook.metadata.get("kernelspec") or {}
    kernel_name = kernelspec.get("name") or "python3"
    language = kernelspec.get("language") or notebook.metadata.get("language_info", {}).get(
        "name", "python"
    )
    try:
        translator = papermill_translators.find_translator(kernel_name, language)
    except PapermillException as e:
        raise InvalidRequest(f"papermill cannot run {shown_path!r}: {e}") from None
    try:
        found = translator.inspect(tagged[0])
    except NotImplementedError:
        return []  # papermill injects parameters in this language but cannot read them
    return [
        {
            "name": parameter.name,
            # papermill says "None" when it cannot tell the type; the API says null.
            "type": None
            if parameter.inferred_type_name == "None"
            else parameter.inferred_type_name,
            "default": parameter.default,
            "help": parameter.help,
        }
        for parameter in found
    ]
