"""Parts of an index's files read when a question needs them, by positional reads.

A question reads a few hundred scattered pieces of a loaded index: the postings of its
terms, the texts of its candidates. Read through a memory map, each piece brings the
kernel's whole neighbourhood of pages into the process (64 KB or more around every
page touched: on the diary a question's BM25 postings mapped 9 MB of a 9.6 MB file).
``os.pread`` copies exactly the bytes asked for, from the page cache, and is safe from
any number of threads at once (it has no file position). FAISS's own files stay mapped:
its searches read most of their vectors anyway.
"""

from __future__ import annotations

import os
import struct
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

if TYPE_CHECKING:
    import numpy as np


class OpenFile:
    """One file of a generation, kept open to be read at any offset."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: BinaryIO = path.open("rb")
        self.size = os.fstat(self._handle.fileno()).st_size

    def read(self, offset: int, size: int) -> bytes:
        data = os.pread(self._handle.fileno(), size, offset)
        if len(data) != size:
            raise OSError(f"{self.path} is cut short (damaged?)")
        return data


class FileArray:
    """A flat array of numbers stored in a file, read a slice at a time: ``array[a:b]``
    is a numpy array of those elements; ``np.asarray(array)`` reads it whole."""

    def __init__(self, file: OpenFile, offset: int, dtype: np.dtype[Any], count: int) -> None:
        if offset + count * dtype.itemsize > file.size:
            raise ValueError(f"{file.path.name}: an array is cut short")
        self._file = file
        self._offset = offset
        self.dtype = dtype
        self._count = count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, where: slice) -> np.ndarray:
        import numpy as np

        start, stop, step = where.indices(self._count)
        if step != 1:
            raise ValueError("only contiguous slices are read")
        if stop <= start:
            return np.zeros(0, dtype=self.dtype)
        size = self.dtype.itemsize
        data = self._file.read(self._offset + start * size, (stop - start) * size)
        return np.frombuffer(data, dtype=self.dtype)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        whole = self[0 : self._count]
        return whole if dtype is None else whole.astype(dtype)


def npz_arrays(path: Path) -> dict[str, FileArray]:
    """The flat arrays of an .npz that ``np.savez`` wrote (its members are stored
    uncompressed, each an .npy: a header, then the numbers), read where they lie."""
    import numpy as np

    file = OpenFile(path)
    arrays: dict[str, FileArray] = {}
    with path.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        for member in archive.infolist():
            if member.compress_type != zipfile.ZIP_STORED:
                raise ValueError(f"{member.filename} is compressed")
            # the member's data follows its local header (30 bytes, its name, its extra)
            handle.seek(member.header_offset + 26)
            name_length, extra_length = struct.unpack("<HH", handle.read(4))
            handle.seek(member.header_offset + 30 + name_length + extra_length)
            major, _ = np.lib.format.read_magic(handle)
            read_header = (
                np.lib.format.read_array_header_1_0
                if major == 1
                else np.lib.format.read_array_header_2_0
            )
            shape, _, dtype = read_header(handle)  # a flat array is in either order
            if dtype.hasobject or len(shape) != 1:
                raise ValueError(f"{member.filename} is not a flat array of numbers")
            name = member.filename.removesuffix(".npy")
            arrays[name] = FileArray(file, handle.tell(), dtype, int(shape[0]))
    return arrays
