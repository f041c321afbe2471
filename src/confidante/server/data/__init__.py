"""Reviewed wording of the server's replies (errors and notices), read from TOML."""
