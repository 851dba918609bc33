"""Celery task that writes a label export file."""

from __future__ import annotations

import logging

from celery import shared_task

from app.exports import run_export

logger = logging.getLogger(__name__)

SOFT_TIME_LIMIT = 2 * 3600
TIME_LIMIT = SOFT_TIME_LIMIT + 300


@shared_task(name="suyuan.export_labels", soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT)
def export_labels_task(job_id: int) -> None:
    """Write the file of export job ``job_id``; a failure is recorded on the job."""
    try:
        run_export(job_id)
    except Exception:
        logger.exception("export %s failed", job_id)
