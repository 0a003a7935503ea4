"""Answers and passages rendered for people and programs — pure functions.

=============  =====================================================================
``labels``     the words every output shares: citation lines, scores, the "Why" line
``records``    the JSON records of every command (one home per record), strict JSON
``terminal``   terminal text, wrapped to the width, the answering sentence emphasized
``discord``    Discord embeds as plain data, within Discord's documented limits
=============  =====================================================================

Nothing here knows of FAISS, the terminal's size or discord.py: the shells pass the
width and turn the data into messages.
"""
