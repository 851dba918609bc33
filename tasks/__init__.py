"""The Celery app, configured from the Flask settings.

``celery_init_app`` binds one Celery instance to a Flask app so every task runs inside
the app context. Redis is the broker when ``SUYUAN_REDIS_URL`` is set; otherwise the
SQLAlchemy transport on a SQLite file, which needs no server. Tasks record progress in
the database, so no result backend is configured.
"""

from __future__ import annotations

from celery import Celery, Task
from flask import Flask


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app for ``app`` and store it in ``app.extensions["celery"]``."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.conf.update(
        broker_url=app.config["CELERY_BROKER_URL"],
        result_backend=None,
        task_ignore_result=True,
        task_always_eager=app.config["CELERY_TASK_ALWAYS_EAGER"],
        task_eager_propagates=True,
        # A task is acknowledged after it ran, so a worker that dies mid-task leaves it
        # queued for another worker; tasks are idempotent for that reason.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        timezone="UTC",
    )
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    _import_task_modules()
    return celery_app


def _import_task_modules() -> None:
    """Import the modules that define tasks so the worker registers them."""
    import importlib
    import pkgutil

    import tasks

    for module in pkgutil.iter_modules(tasks.__path__):
        if module.name == "worker":  # the worker entry point builds an app of its own
            continue
        importlib.import_module(f"tasks.{module.name}")
