"""Stored files (payable originals, later logos and PDFs), kept in the database with their bytes."""

from __future__ import annotations

from sqlalchemy import BigInteger, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from remit.core.base import Base, EntityOwned, IdMixin, TimestampMixin


class StoredFile(IdMixin, TimestampMixin, EntityOwned, Base):
    __tablename__ = "files"

    file_type: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(512))
    mimetype: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    md5: Mapped[str] = mapped_column(String(32))
    region: Mapped[str] = mapped_column(String(32), default="local")
    # An unguessable part of the download URL: whoever holds the URL may read the file.
    access_key: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
