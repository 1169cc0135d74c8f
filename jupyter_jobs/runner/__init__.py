"""The runner: runs one job from its job directory and records what happens there.

It knows nothing of the server: `python -m jupyter_jobs.runner JOB_DIR` is all it needs,
locally or on a cluster node that sees the job directory.
"""
