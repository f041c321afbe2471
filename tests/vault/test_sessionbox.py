"""The session box: state sealed under the person's token, unreadable without it."""

from __future__ import annotations

import secrets

import pytest

from confidante.conversation import (
    Assessment,
    Message,
    Move,
    Role,
    SessionState,
    Turn,
    Understanding,
)
from confidante.errors import TamperedError, WrongKeyError
from confidante.vault import new_session_token, open_state, parse_token, seal_state, session_id_of


def a_state(said: str) -> SessionState:
    state = SessionState(minutes=60, locale="en_GB", started_at=12.5)
    state.turns.append(
        Turn(
            said=Message(Role.PERSON, said, 30.0),
            reply=Message(Role.LISTENER, "That sounds heavy.", 31.0),
            move=Move.REFLECT_FEELING,
            assessment=Assessment(),
            understanding=Understanding(feelings=("sad",), topics=("family",), words=6),
        )
    )
    state.used_sentences.add("that sounds heavy")
    return state


def test_round_trip_of_a_session_state() -> None:
    issued = new_session_token()
    state = a_state("My brother stopped calling me.")
    blob = seal_state(state.to_dict(), issued.token)
    assert SessionState.from_dict(open_state(blob, issued.token)) == state


def test_the_blob_holds_no_plaintext_and_hides_small_differences_in_length() -> None:
    issued = new_session_token()
    word = "canary" + secrets.token_hex(6)
    short = seal_state(a_state(f"{word}.").to_dict(), issued.token)
    longer = seal_state(a_state(f"{word} and a few more words.").to_dict(), issued.token)
    assert word.encode() not in short and issued.session_id.encode() not in short
    assert len(short) == len(longer)
    assert seal_state({"a": 1}, issued.token) != seal_state({"a": 1}, issued.token)  # fresh nonces


def test_tokens_are_fresh_and_the_repr_hides_the_secret() -> None:
    first, second = new_session_token(), new_session_token()
    assert first.session_id != second.session_id and first.token != second.token
    assert first.token.startswith(first.session_id + ".")
    assert first.token not in repr(first) and first.token.split(".")[1] not in str(first)
    session_id, secret = parse_token(first.token)
    assert (session_id, len(secret)) == (first.session_id, 32)
    assert session_id_of(first.token) == first.session_id


def test_another_secret_for_the_same_session_is_a_wrong_key() -> None:
    issued = new_session_token()
    blob = seal_state({"minutes": 60}, issued.token)
    forged = f"{issued.session_id}.{secrets.token_urlsafe(32)}"
    with pytest.raises(WrongKeyError, match="does not open this session"):
        open_state(blob, forged)


def test_another_sessions_token_is_a_wrong_key() -> None:
    blob = seal_state({"minutes": 60}, new_session_token().token)
    with pytest.raises(WrongKeyError):
        open_state(blob, new_session_token().token)


@pytest.mark.parametrize("where", [0, 1, 12, 14, 40, -1])
def test_a_flipped_byte_anywhere_is_caught(where: int) -> None:
    issued = new_session_token()
    blob = bytearray(seal_state({"minutes": 60}, issued.token))
    blob[where] ^= 0x20
    # Bytes 13-28 are the key check: flipping one there reads as a wrong key, still refused.
    with pytest.raises(WrongKeyError if 13 <= where < 29 else TamperedError):
        open_state(bytes(blob), issued.token)


@pytest.mark.parametrize("keep", [0, 1, 13, 30, 100, -1])
def test_a_truncated_blob_is_tampering(keep: int) -> None:
    issued = new_session_token()
    blob = seal_state({"minutes": 60}, issued.token)
    with pytest.raises(TamperedError, match="integrity check"):
        open_state(blob[:keep], issued.token)


@pytest.mark.parametrize(
    ("token", "why"),
    [
        ("", "one dot"),
        ("no-dot-at-all", "one dot"),
        ("a.b.c", "one dot"),
        ("short." + "A" * 43, "session id part"),
        ("A" * 22 + ".short", "secret part"),
        ("A" * 22 + "." + "!" * 43, "secret part"),
    ],
)
def test_a_malformed_token_says_what_is_wrong_without_echoing_it(token: str, why: str) -> None:
    with pytest.raises(WrongKeyError, match=why) as caught:
        seal_state({}, token)
    if token:
        assert token not in str(caught.value)
