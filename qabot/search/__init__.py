"""The question path: one module per rule, each owning the table it needs.

==============  ====================================================================
``query``       the question, how many passages, the asker's filters; validated once
``dense``       passage and closest-sentence cosines (``DenseTable``)
``lexical``     passage and best-sentence BM25 (``LexicalTable``)
``expansion``   question words mapped onto the corpus's words (``ExpansionTable``)
``signals``     the four relevance signals of every passage, as one typed value
``fusion``      signals → one score (score mix or reciprocal rank fusion), pure
``scope``       section/date restriction, the entries a question's date prefers
``parts``       which parts of a book rank first (the text before the front matter)
``duplicates``  a passage is returned once
``retrieval``   scope → signals → fusion → order → distinct passages
``highlight``   the sentence of each hit that best answers
``abstention``  whether the text seems not to answer, and why (the whole rule)
``answerer``    retrieve → highlight → abstain → ``Answer``
``reading``     a day's entry, the timeline, a passage and its neighbours, retired ids
``verify``      is a quotation in the text: exact, close (with a word diff) or absent
==============  ====================================================================

Each table is built once per loaded index by its own module (``Table.build(index)``)
and never changed; a question shares nothing mutable with another. ``qabot.library``
holds the tables and is the only entry point the shells use. Heavy libraries (numpy,
faiss, bm25s) are imported inside the functions that use them.
"""
