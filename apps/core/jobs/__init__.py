"""The background-job kit every app's jobs are built on: `batch` (the abstract upload-and-confirm
job row and its state machine), `runner` (one run at a time per job, by advisory lock) and
`heartbeat` (how long without a heartbeat means the worker is gone). The sweep that finds and
requeues stale jobs of every app lives above the apps, in apps.jobs."""
