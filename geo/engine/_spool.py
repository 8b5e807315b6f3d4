"""A list that moves to disk as it grows: what a run found, kept without holding it all.

A corpus of hundreds of megabytes names millions of places. Keeping every mention in
memory until the outputs are written makes a run's peak memory grow with the corpus; a
:class:`Spool` keeps the last few thousand items in memory and writes older ones to an
anonymous temporary file (compressed batches, unlinked at once, so nothing is left behind
even when the process is killed). Reading it back streams the batches in order, as often
as needed.
"""

from __future__ import annotations

import io
import pickle
import struct
import tempfile
import zlib
from collections.abc import Iterable, Iterator
from typing import IO, Generic, TypeVar

T = TypeVar("T")

#: Items kept in memory before a batch is written out.
BATCH = 10_000
_LENGTH = struct.Struct("<Q")


class Spool(Generic[T]):
    """An append-only sequence of picklable items, spilled to disk in batches of ``batch``.

    Small runs never touch the disk. Iterating yields the items in the order they were
    appended; ``len`` is their count. The file is the process's own (created with
    :func:`tempfile.TemporaryFile`, which honours ``TMPDIR``), so what it reads back is
    only what this spool wrote.
    """

    def __init__(
        self, items: Iterable[T] = (), batch: int = BATCH, shared: tuple[type, ...] = ()
    ) -> None:
        if batch < 1:
            raise ValueError("batch must be at least 1")
        self._batch = batch
        self._buffer: list[T] = []
        self._file: IO[bytes] | None = None
        self._spilled = 0
        #: Objects of the ``shared`` types are written once, to a table kept in memory (a
        #: mention's place: a corpus names few places many times), and read back as the
        #: same objects, without building them again.
        self._shared = shared
        self._table: list[object] = []
        self._index: dict[object, int] = {}
        self.extend(items)

    def __len__(self) -> int:
        return self._spilled + len(self._buffer)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __repr__(self) -> str:
        return f"<Spool of {len(self)} items, {self._spilled} on disk>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Spool | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    @property
    def on_disk(self) -> int:
        """How many items are in the file (the rest are in memory)."""
        return self._spilled

    def append(self, item: T) -> None:
        self._buffer.append(item)
        if len(self._buffer) >= self._batch:
            self._spill()

    def extend(self, items: Iterable[T]) -> None:
        for item in items:
            self.append(item)

    def _spill(self) -> None:
        if self._file is None:
            # Kept open for the spool's life (closed by close() or with the spool).
            self._file = tempfile.TemporaryFile(prefix="geo-spool-")  # noqa: SIM115
        raw = io.BytesIO()
        pickler = pickle.Pickler(raw, protocol=pickle.HIGHEST_PROTOCOL)
        if self._shared:
            pickler.persistent_id = self._persistent_id  # type: ignore[method-assign]
        pickler.dump(self._buffer)
        data = zlib.compress(raw.getbuffer(), 1)
        self._file.seek(0, 2)
        self._file.write(_LENGTH.pack(len(data)))
        self._file.write(data)
        self._spilled += len(self._buffer)
        self._buffer = []

    def _persistent_id(self, obj: object) -> int | None:
        if not isinstance(obj, self._shared):
            return None
        # by value: the results of worker processes bring their own copies of each place
        number = self._index.get(obj)
        if number is None:
            number = self._index[obj] = len(self._table)
            self._table.append(obj)
        return number

    def __iter__(self) -> Iterator[T]:
        if self._file is not None:
            yield from self._read_back(self._file, self._spilled)
        yield from list(self._buffer)

    def _read_back(self, handle: IO[bytes], count: int) -> Iterator[T]:
        offset = 0
        read = 0
        table = self._table
        while read < count:
            handle.seek(offset)
            (size,) = _LENGTH.unpack(handle.read(_LENGTH.size))
            unpickler = pickle.Unpickler(io.BytesIO(zlib.decompress(handle.read(size))))
            unpickler.persistent_load = table.__getitem__  # type: ignore[method-assign]
            batch: list[T] = unpickler.load()
            offset += _LENGTH.size + size
            read += len(batch)
            yield from batch

    def close(self) -> None:
        """Drop the items and the file."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._buffer = []
        self._spilled = 0
        self._table = []
        self._index = {}
