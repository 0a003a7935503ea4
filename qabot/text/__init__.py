"""Text primitives shared by the storage layer and the question path.

``repair`` (whitespace, line-break hyphenation), ``sentences`` (sentence spans),
``terms`` (the one word pipeline: lower case, stop words out, Snowball stems) and
``bm25`` (BM25 tables built with bm25s, scored with numpy). Nothing here imports the
index, the search package or a shell.
"""
