"""The question path: one module per rule, run in order by the ``Answerer``.

==============  ====================================================================
``query``       the question, how many passages, the asker's filters; validated once
``snapshot``    one loaded index and the tables derived from it (built once per index)
``lexical``     BM25 (bm25s) and the shared word pipeline (stop words built once)
``signals``     the four relevance signals of every passage, as one typed value
``fusion``      signals → one score (score mix or reciprocal rank fusion), pure
``scope``       section/date restriction and the entries a question's date prefers
``duplicates``  a passage is returned once
``retrieval``   scope → signals → fusion → order → distinct hits
``highlight``   the sentence of each hit that best answers
``abstention``  whether the text seems not to answer, and why (the whole rule)
``answerer``    validate → retrieve → highlight → abstain → ``Answer``
``reading``     a day's entry, the timeline, a passage and its neighbours, retired ids
``verify``      is a quotation in the text: exact, close (with a word diff) or absent
==============  ====================================================================

Dates in texts and in questions share one parser, ``qabot.dates`` (the chunker uses it
too). Nothing here imports the CLI, the bot or the terminal; heavy libraries (numpy,
faiss, bm25s) are imported inside the functions that use them.
"""
