"""Import jobs: an uploaded file imported in the background, its status, counts and report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import tracing
from ..vocabulary import ImportJobStatus
from .base import Base, Timestamp, choice, utcnow
from .collection import Collection


class ImportJob(Base):
    """One import of files into a collection (none for Cellosaurus), run apart from its
    request; all or nothing like any import."""

    __tablename__ = "import_jobs"
    __table_args__ = (Index("ix_import_jobs_status_created_at", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    collection_id: Mapped[int | None] = mapped_column(ForeignKey("collections.id"), index=True)
    format: Mapped[str] = mapped_column(String(16))
    files: Mapped[list[str]] = mapped_column(JSON, default=list)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ImportJobStatus] = mapped_column(
        choice(ImportJobStatus, "import_job_status"), default=ImportJobStatus.QUEUED
    )
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # {"count": problems in all, "problems": the first few}
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    runner: Mapped[str | None] = mapped_column(String(200))  # the process (repository.processes)
    # renewed by the worker running it (import_jobs.beat); a stale one means the worker stopped
    heartbeat_at: Mapped[datetime | None] = mapped_column(Timestamp)
    # the HTTP request that queued it (its X-Request-Id): the job's log lines carry it too
    request_id: Mapped[str | None] = mapped_column(String(100), default=tracing.request_id)

    collection: Mapped[Collection | None] = relationship()
