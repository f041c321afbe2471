"""How a planned move is said: the phrasebook (default), model voices, and a fake for tests."""
