"""Readers: what a message says, in any of our languages, as typed values with quotes."""
