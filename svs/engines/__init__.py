"""One thin adapter per external engine, so that each can be swapped or faked at one seam.

Each adapter exposes a ``NAME``, a ``version()`` for provenance, and plain functions over numpy images.
"""
