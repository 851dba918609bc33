"""Celery task that generates the codes of an approved request."""

from __future__ import annotations

import logging

from celery import shared_task

from app.generation import generate_request

logger = logging.getLogger(__name__)

# 20 million codes take minutes on PostgreSQL; the limits only stop a stuck job.
SOFT_TIME_LIMIT = 3 * 3600
TIME_LIMIT = SOFT_TIME_LIMIT + 300


@shared_task(name="suyuan.generate_codes", soft_time_limit=SOFT_TIME_LIMIT, time_limit=TIME_LIMIT)
def generate_codes_task(request_id: int) -> None:
    """Generate (or resume) the codes of code request ``request_id``.

    A failure is recorded on the request (status "failed" with the error) by
    ``generate_request`` and logged here; the admin retries it from the request list.
    """
    try:
        generate_request(request_id)
    except Exception:
        logger.exception("generation of code request %s failed", request_id)
