"""Uploaded files kept in the database until they are imported: a page's upload between its dry
run and its commit, and a background import's file until its job ends."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Timestamp, utcnow


class Upload(Base):
    """The files of one upload, named by a random token (a page's session holds it) or by the
    import job waiting for them; a page's upload expires, a job's lives as long as its job."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_jobs.id", ondelete="CASCADE"), unique=True
    )
    names: Mapped[list[str]] = mapped_column(JSON)  # the files' names made safe, in order
    created_at: Mapped[datetime] = mapped_column(Timestamp, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(Timestamp, index=True)  # None: a job's


class UploadChunk(Base):
    """One piece of an uploaded file, in order: a file is written and read a piece at a time,
    never whole in memory."""

    __tablename__ = "upload_chunks"

    upload_id: Mapped[int] = mapped_column(
        ForeignKey("uploads.id", ondelete="CASCADE"), primary_key=True
    )
    file: Mapped[int] = mapped_column(Integer, primary_key=True)  # its place in the upload
    part: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
