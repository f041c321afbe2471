"""Reviewed wording of the session and the terminal."""
