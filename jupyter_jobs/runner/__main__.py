import sys

from .run import run

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m jupyter_jobs.runner JOB_DIR")
    sys.exit(run(sys.argv[1]))
