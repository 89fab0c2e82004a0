"""`biorepo worker`: a consumer of the background queue (api.background), beside the servers;
run as many as the work needs, on as many machines as share the database and the queue."""

from __future__ import annotations

import click

from . import background, command_app, logs


@click.command("worker")
@click.option(
    "--threads", default=2, show_default=True, type=click.IntRange(1, 64), help="Tasks at once."
)
@click.option(
    "--periodic/--no-periodic",
    default=True,
    show_default=True,
    help="Also queue the periodic work (print retries, mail, the due digest, sweeps); any "
    "number of workers may: each run is queued by one of them.",
)
def worker_command(threads: int, periodic: bool) -> None:
    """Run a worker: imports, print delivery and its retries, mail, the daily due digest and
    the sweep of expired uploads, from the queue QUEUE_URL names (default: the SQLite file
    queue.db in the instance folder). Stop it with Ctrl-C (it finishes its tasks) or SIGTERM; a
    worker killed outright leaves its jobs to the next one. It logs JSON lines, each job's
    carrying the id of the request that queued it."""
    logs.start()
    try:
        app = command_app()
    except background.QueueMisconfigured as error:
        raise click.ClickException(str(error)) from None
    queue = background.of(app)
    if queue.huey.immediate:
        raise click.ClickException(
            "QUEUE_URL=immediate runs each task where it is queued: a worker has none to take."
        )
    # What a stopped worker left is looked for at once, not at the next minute.
    queue.recover_task()
    queue.print_sweep()
    consumer = queue.consumer(threads, periodic, max_delay=1.0)
    consumer.run()
