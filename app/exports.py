"""Label exports of a batch that run in the background, with progress and a download.

Small batches are exported inside the web request (see ``views.batches``). A batch above
``direct_export_limit()`` codes gets an ``ExportJob``. The ``suyuan.export_labels`` task
runs it, writes the file under EXPORT_DIR and records its progress.
"""

from __future__ import annotations

import logging
import os

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import db
from app.models import Batch, ExportJob, SuyuanUser
from app.models.base import utcnow
from app.models.codes import ExportFormat, ExportStatus
from app.security import is_admin, membership_of

logger = logging.getLogger(__name__)

# Batches up to this many codes export inside the web request; larger ones in a task.
# The app setting DIRECT_EXPORT_LIMIT overrides it.
DIRECT_EXPORT_LIMIT = 2_000


def direct_export_limit() -> int:
    return int(current_app.config.get("DIRECT_EXPORT_LIMIT", DIRECT_EXPORT_LIMIT))


def parse_format(raw: str) -> ExportFormat:
    try:
        return ExportFormat(raw)
    except ValueError:
        raise ValidationFailed(
            _("Unknown label format %(format)s; choose csv, urls, zip or pdf.", format=raw), field="format"
        ) from None


def export_filename(batch: Batch, export_format: ExportFormat) -> str:
    from app.labels import export_extension

    return f"{batch.batch_number}-{export_format.value}.{export_extension(batch, export_format)}"


def start_export(user: SuyuanUser, batch: Batch, export_format: ExportFormat) -> ExportJob:
    """Create an export job for ``batch`` (already checked as visible) and enqueue it."""
    if not batch.complete:
        raise Conflict(
            _(
                "Batch %(number)s is still being generated; export it when it is complete.",
                number=batch.batch_number,
            )
        )
    job = ExportJob(
        enterprise_id=batch.enterprise_id,
        batch_id=batch.id,
        format=export_format,
        status=ExportStatus.PENDING,
        total=batch.code_count,
        created_by_id=user.id,
    )
    db.session.add(job)
    db.session.commit()
    logger.info("export %s of batch %s (%s) requested by user %s", job.id, batch.id, export_format, user.id)

    from tasks.exports import export_labels_task

    export_labels_task.delay(job.id)
    return job


def export_job_for(user: SuyuanUser, job_id: int) -> ExportJob:
    """Return an export job the user may see; ``NotFound`` for others' jobs too."""
    job = db.session.get(ExportJob, job_id)
    if job is None or not (is_admin(user) or _member_enterprise(user) == job.enterprise_id):
        raise NotFound(_("Export %(id)s was not found.", id=job_id))
    return job


def _member_enterprise(user: SuyuanUser) -> int | None:
    member = membership_of(user.id)
    return member.enterprise_id if member else None


def exports_of_batch(batch_id: int) -> list[ExportJob]:
    return list(
        db.session.scalars(
            select(ExportJob).where(ExportJob.batch_id == batch_id).order_by(ExportJob.id.desc())
        )
    )


def export_path(name: str) -> str:
    return os.path.join(current_app.config["EXPORT_DIR"], name)


def run_export(job_id: int) -> bool:
    """Write the file of export job ``job_id``; return False when there is nothing to do.

    Writes to a temporary name and renames at the end, so a download never reads a half
    written file. Running it again after a crash starts the file afresh.
    """
    from app.labels import write_labels

    job = db.session.get(ExportJob, job_id)
    if job is None or job.status == ExportStatus.COMPLETED:
        logger.info("export %s is gone or done; nothing to do", job_id)
        return False
    batch = job.batch
    job.status = ExportStatus.RUNNING
    job.progress = 0
    job.error = None
    db.session.commit()

    name = f"export-{job.id}-{export_filename(batch, job.format)}"
    final_path = export_path(name)
    partial_path = final_path + ".part"

    def record_progress(count: int) -> None:
        # A separate short transaction, so the progress is visible while the read goes on.
        with db.engine.begin() as connection:
            connection.execute(update(ExportJob).where(ExportJob.id == job_id).values(progress=count))

    try:
        with open(partial_path, "wb") as output:
            count = write_labels(batch, job.format, output, record_progress)
        os.replace(partial_path, final_path)
    except Exception as exc:
        db.session.rollback()
        if os.path.exists(partial_path):
            os.remove(partial_path)
        job = db.session.get(ExportJob, job_id, populate_existing=True)
        job.status = ExportStatus.FAILED
        job.error = f"{type(exc).__name__}: {exc}"[:2000]
        job.finished_at = utcnow()
        db.session.commit()
        logger.exception("export %s failed", job_id)
        raise

    job = db.session.get(ExportJob, job_id, populate_existing=True)
    job.status = ExportStatus.COMPLETED
    job.progress = count
    job.total = count
    job.file = name
    job.finished_at = utcnow()
    db.session.commit()
    logger.info("export %s completed: %d codes in %s", job_id, count, name)
    return True


def delete_export_files(names: list[str | None]) -> None:
    """Remove export files of deleted jobs; missing files are ignored."""
    for name in names:
        if not name:
            continue
        try:
            os.remove(export_path(name))
        except FileNotFoundError:
            pass
        except OSError:
            logger.exception("could not remove export file %s", name)


def require_export_file(job: ExportJob) -> str:
    """Return the path of a finished export's file, or raise ``NotFound``."""
    if job.status != ExportStatus.COMPLETED or not job.file or not os.path.isfile(export_path(job.file)):
        raise NotFound(_("The file of export %(id)s is not ready.", id=job.id))
    return export_path(job.file)
