"""Uploads that are zips (Darwin Core Archives, XLSX workbooks) opened one way: the size of the
directory, the number of members, what each member expands to, their total and each one's
compression ratio checked against the limits before anything reads a member; then members read
through a hard cap."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path
from typing import IO, Any

from .limits import (
    DIRECTORY,
    MEMBER_SIZE,
    MEMBERS,
    RATIO,
    RATIO_FROM,
    TOTAL_SIZE,
    Refused,
    amount,
)

END = b"PK\x05\x06"  # the signature of the zip's end record
END_SIZE = 22  # the end record without its comment
COMMENT_SIZE = 0xFFFF  # the longest comment that may follow it
ZIP64 = 0xFFFFFFFF  # an end record's directory size that a ZIP64 record overrides


def open_zip(path: Path) -> zipfile.ZipFile:
    """The zip at `path`, every member checked against the limits (Refused otherwise); raises
    zipfile.BadZipFile when it is no zip."""
    _check_directory(path)
    archive = zipfile.ZipFile(path)
    try:
        _check_members(archive.infolist())
    except Refused:
        archive.close()
        raise
    return archive


def _check_directory(path: Path) -> None:
    """The directory is read whole to list the members: its size, which the end record
    declares, is checked first."""
    with open(path, "rb") as handle:
        handle.seek(0, io.SEEK_END)
        handle.seek(max(0, handle.tell() - END_SIZE - COMMENT_SIZE))
        tail = handle.read()
    at = tail.rfind(END)
    if at < 0 or len(tail) - at < END_SIZE:
        raise zipfile.BadZipFile("File is not a zip file")
    (size,) = struct.unpack_from("<I", tail, at + 12)
    if size == ZIP64:
        raise Refused(
            "The archive is a ZIP64 archive, made for more members or bytes than an upload "
            f"may hold ({MEMBERS:,} members of {amount(MEMBER_SIZE)})."
        )
    if size > DIRECTORY:
        raise Refused(
            f"The archive's directory takes {amount(size)}, more than the {amount(DIRECTORY)} "
            f"an upload's may ({MEMBERS:,} members at most)."
        )


def _check_members(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MEMBERS:
        raise Refused(
            f"The archive holds {len(members):,} members, more than the {MEMBERS:,} an upload may."
        )
    total = 0
    for info in members:
        name, size = info.filename, info.file_size
        if size > MEMBER_SIZE:
            raise Refused(
                f"{name} expands to {amount(size)}, more than the {amount(MEMBER_SIZE)} a member "
                "of an upload may."
            )
        if size > RATIO_FROM and size > RATIO * max(info.compress_size, 1):
            raise Refused(
                f"{name} expands {size // max(info.compress_size, 1):,} times (to {amount(size)} "
                f"from {amount(info.compress_size)}), more than the {RATIO} times a member of an "
                f"upload may past {amount(RATIO_FROM)}."
            )
        total += size
        if total > TOTAL_SIZE:
            raise Refused(
                f"The archive expands to more than the {amount(TOTAL_SIZE)} an upload may "
                f"(past it at {name})."
            )


def read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """A member read whole, at most `limit` bytes of it (Refused when it holds more, whatever
    its header declares); KeyError when there is none of that name."""
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise Refused(f"{name} expands to {amount(info.file_size)}, more than {amount(limit)}.")
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise Refused(f"{name} expands to more than {amount(limit)}.")
    return data


def open_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> io.BufferedReader:
    """A member as a stream that refuses to give more than its declared size (which the archive
    was checked for) or MEMBER_SIZE: a header that lies is found out as it is read."""
    return io.BufferedReader(_Capped(archive.open(info), min(info.file_size, MEMBER_SIZE), info))


class _Capped(io.RawIOBase):
    """A member's stream that raises Refused past `limit` bytes."""

    def __init__(self, raw: IO[bytes], limit: int, info: zipfile.ZipInfo) -> None:
        self.raw, self.limit, self.info, self.given = raw, limit, info, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.given += count or 0
        if self.given > self.limit:
            raise Refused(
                f"{self.info.filename} expands past the {amount(self.limit)} its header declares."
            )
        return count or 0

    def close(self) -> None:
        self.raw.close()
        super().close()
