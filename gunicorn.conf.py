"""gunicorn's settings for `gunicorn wsgi:app` (read from the working directory).

Threaded workers: a long export or import holds one thread, not a whole worker, so the people
browsing meanwhile are served by the other threads and processes (bench/load_bench.py measures it).
Two processes per core keep both cores busy while a request waits on PostgreSQL; four threads each
give 16 requests in flight on 2 cores, well inside PostgreSQL's 100 connections (SQLAlchemy's pool
holds 5 + 10 per process).
"""

import multiprocessing
import os

bind = os.environ.get("TRACKER_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("TRACKER_WORKERS", 2 * multiprocessing.cpu_count()))
worker_class = os.environ.get("TRACKER_WORKER_CLASS", "gthread")
threads = int(os.environ.get("TRACKER_THREADS", 4))
# The app (and every template, compiled: see wsgi.py) is loaded once before the workers fork: each
# starts warm, after a restart too (max_requests), and shares the loaded code's memory.
preload_app = True
keepalive = 5  # a browser's next click within 5 s reuses its connection (gunicorn's default is 2 s)
timeout = 120  # the largest export (10,000 projects) takes seconds, not minutes
graceful_timeout = 30
max_requests = 5000  # a worker is replaced now and then, so no slow leak can grow for weeks
max_requests_jitter = 500
accesslog = os.environ.get("TRACKER_ACCESS_LOG") or None


def post_fork(server, worker):
    """A forked worker never uses a database connection the parent may hold: start its own pool."""
    import wsgi
    from tracker.extensions import db

    with wsgi.app.app_context():
        db.engine.dispose(close=False)
