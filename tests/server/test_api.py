"""The session API over HTTP: the hour from the notice to the goodbye, tokens, limits, exit."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.server.conftest import CANARIES, MakeRig, Rig

from confidante import Settings
from confidante.server import Limits, Rate
from confidante.server.store import MemoryStore
from confidante.vault import Vault

VENTING = [
    f"My friend {CANARIES[0]} stopped answering my messages.",
    "I feel so alone in the evenings.",
    "Work is the only place where people talk to me.",
    "I keep wondering what I did wrong.",
    "We used to talk every day.",
]


def test_the_whole_hour_over_http(rig: Rig) -> None:
    token, headers = rig.create(minutes=60)
    client = rig.client
    opening = client.post("/api/session/start", json={"relief": 7}, headers=headers)
    assert opening.status_code == 200
    assert opening.json()["reply"]["move"] == "open"
    for text in VENTING[:3]:
        rig.clock.advance(60)
        turn = client.post("/api/session/messages", json={"text": text}, headers=headers)
        assert turn.status_code == 200, turn.text
        assert turn.json()["reply"]["text"]
        assert not turn.json()["reply"]["cue"]
    # Fifty-one minutes in: the ten-minute cue joins the next reply.
    rig.clock.advance(48 * 60)
    cued = client.post("/api/session/messages", json={"text": VENTING[3]}, headers=headers)
    assert cued.json()["reply"]["cue"] is True
    assert cued.json()["time"]["minutes_left"] <= 10
    status = client.get("/api/session", headers=headers).json()
    assert status["phase"] == "listening" and status["time"]["should_close"] is False
    rig.clock.advance(10 * 60)
    late = client.post("/api/session/messages", json={"text": VENTING[4]}, headers=headers)
    assert late.json()["time"]["should_close"] is True
    assert late.json()["time"]["text"] == "Our hour is up."
    summary = client.post("/api/session/summary", headers=headers)
    assert summary.status_code == 200
    assert summary.json()["reply"]["move"] == "summarize"
    closed = client.post("/api/session/close", json={"relief": 3}, headers=headers)
    assert closed.status_code == 200
    goodbye = closed.json()["reply"]
    assert goodbye["move"] == "close" and "7" in goodbye["text"] and "3" in goodbye["text"]
    # The token now opens nothing, on every route.
    assert client.get("/api/session", headers=headers).status_code == 404
    again = client.post("/api/session/messages", json={"text": "hello"}, headers=headers)
    assert again.status_code == 404
    assert client.delete("/api/session", headers=headers).status_code == 404
    assert token.split(".")[0] not in closed.text


def test_a_due_cue_can_be_asked_for_while_quiet(rig: Rig) -> None:
    headers = rig.started()
    assert rig.client.post("/api/session/cue", headers=headers).json()["reply"] is None
    rig.clock.advance(56 * 60)
    cue = rig.client.post("/api/session/cue", headers=headers).json()
    assert cue["reply"]["move"] == "time_cue" and cue["reply"]["cue"] is True
    assert rig.client.post("/api/session/cue", headers=headers).json()["reply"] is None


def test_wrong_tokens_get_the_same_answer_and_reveal_nothing(make_rig: MakeRig) -> None:
    now = [0.0]
    rig = make_rig(store=MemoryStore(now=lambda: now[0]), limits=Limits(idle_seconds=60))
    token, _ = rig.create(minutes=1)
    sid, secret = token.split(".")
    other_secret = ("A" if secret[0] != "A" else "B") + secret[1:]
    closed_token, closed_headers = rig.create()
    rig.client.post("/api/session/close", json={"relief": None}, headers=closed_headers)
    expired_token, _ = rig.create(minutes=1)
    now[0] += 61 + 60  # past the hour and the idle time: the store dropped it
    unknown = "x" * 22 + "." + "y" * 43

    def get(tok: str) -> tuple[int, bytes, str | None]:
        r = rig.client.get("/api/session", headers={"Authorization": f"Bearer {tok}"})
        return r.status_code, r.content, r.headers.get("www-authenticate")

    answers = {get(t) for t in (f"{sid}.{other_secret}", closed_token, expired_token, unknown)}
    assert len(answers) == 1
    status, body, _ = answers.pop()
    assert status == 404
    assert b"Zorbel" not in body and sid.encode() not in body
    # No token, or one that is not a token at all: 401, again all alike.
    malformed = {get(t) for t in ("nonsense", "a.b", sid)}
    missing = rig.client.get("/api/session")
    malformed.add((missing.status_code, missing.content, missing.headers.get("www-authenticate")))
    assert len(malformed) == 1
    assert malformed.pop()[0] == 401


def test_a_message_over_the_limit_is_refused_with_413(make_rig: MakeRig) -> None:
    rig = make_rig(settings=Settings(locale="en_US", max_message_chars=50))
    headers = rig.started()
    long = rig.client.post("/api/session/messages", json={"text": "x" * 51}, headers=headers)
    assert long.status_code == 413
    assert long.json()["error"].startswith("That message is longer than 50 characters")
    fine = rig.client.post("/api/session/messages", json={"text": "x" * 50}, headers=headers)
    assert fine.status_code == 200


def test_a_body_over_the_byte_limit_is_refused_before_it_is_read(make_rig: MakeRig) -> None:
    rig = make_rig(limits=Limits(body_bytes=1000))
    headers = rig.started()
    big = rig.client.post(
        "/api/session/messages",
        content=b'{"text": "' + b"a" * 2000 + b'"}',
        headers={**headers, "Content-Type": "application/json"},
    )
    assert big.status_code == 413
    assert big.json() == {
        "ok": False,
        "error": "The request is larger than this server takes (1000 bytes), so it was not "
        "read. Send shorter messages.",
        "status": 413,
    }


def test_too_many_turns_get_429_with_retry_after(make_rig: MakeRig) -> None:
    rig = make_rig(limits=Limits(turns=Rate(per_minute=1, burst=2)))
    headers = rig.started()
    codes = [
        rig.client.post("/api/session/messages", json={"text": t}, headers=headers)
        for t in VENTING[:3]
    ]
    assert [c.status_code for c in codes] == [200, 200, 429]
    assert int(codes[2].headers["retry-after"]) >= 1
    assert codes[2].json()["status"] == 429
    # Another session has its own allowance.
    other = rig.started()
    ok = rig.client.post("/api/session/messages", json={"text": VENTING[0]}, headers=other)
    assert ok.status_code == 200


def test_too_many_new_sessions_from_one_address_get_429(make_rig: MakeRig) -> None:
    rig = make_rig(limits=Limits(creates=Rate(per_minute=1, burst=3)))
    codes = [rig.client.post("/api/sessions", json={}).status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]


def test_an_empty_or_binary_message_gets_400_in_the_session_wording(rig: Rig) -> None:
    headers = rig.started()
    empty = rig.client.post("/api/session/messages", json={"text": "   "}, headers=headers)
    assert empty.status_code == 400
    assert "empty" in empty.json()["error"]
    binary = rig.client.post("/api/session/messages", json={"text": "a\x00b"}, headers=headers)
    assert binary.status_code == 400
    assert "control characters" in binary.json()["error"]


def test_quick_exit_deletes_the_session(rig: Rig) -> None:
    _, headers = rig.create()
    gone = rig.client.delete("/api/session", headers=headers)
    assert gone.status_code == 204 and gone.content == b""
    assert rig.client.get("/api/session", headers=headers).status_code == 404


def test_quick_exit_by_beacon_takes_the_token_as_the_body(rig: Rig) -> None:
    token, headers = rig.create()
    plain = {"Content-Type": "text/plain"}
    # Nonsense and unknown tokens get the same 204 as a real one: the beacon tells nothing.
    assert rig.client.post("/api/session/exit", content=b"nonsense", headers=plain).status_code == 204
    assert rig.client.get("/api/session", headers=headers).status_code == 200
    sent = rig.client.post("/api/session/exit", content=token.encode(), headers=plain)
    assert sent.status_code == 204
    assert rig.client.get("/api/session", headers=headers).status_code == 404


def test_a_session_id_alone_cannot_end_someone_elses_session(rig: Rig) -> None:
    token, headers = rig.create()
    sid = token.split(".")[0]
    forged = f"{sid}.{'Q' * 43}"
    assert rig.client.delete("/api/session", headers={"Authorization": f"Bearer {forged}"}).status_code == 404
    assert rig.client.get("/api/session", headers=headers).status_code == 200


def test_being_remembered_then_coming_back_as_a_regular(rig: Rig) -> None:
    headers = rig.started()
    rig.client.post("/api/session/messages", json={"text": VENTING[0]}, headers=headers)
    rig.client.post("/api/session/messages", json={"text": VENTING[1]}, headers=headers)
    summary = rig.client.post("/api/session/summary", headers=headers).json()
    assert summary["draft"]["note"] and summary["regular"] is False
    kept = rig.client.post(
        "/api/session/remember",
        json={"note": "We talked about a friend who went quiet.", "passphrase": "a long passphrase here"},
        headers=headers,
    )
    assert kept.status_code == 200, kept.text
    handle = kept.json()["handle"]
    assert kept.json()["recovery"] is None and handle in kept.json()["text"]
    rig.client.post("/api/session/close", json={"relief": None}, headers=headers)
    with Vault() as vault:
        assert vault.open(handle, "a long passphrase here").note == (
            "We talked about a friend who went quiet."
        )
    # Back as a regular: a wrong passphrase and an unknown handle get the same 403.
    wrong = rig.client.post(
        "/api/sessions", json={"regular": {"handle": handle, "passphrase": "not the passphrase"}}
    )
    unknown = rig.client.post(
        "/api/sessions", json={"regular": {"handle": "nobody-here", "passphrase": "whatever it is"}}
    )
    assert wrong.status_code == unknown.status_code == 403
    assert wrong.content == unknown.content
    back = rig.client.post(
        "/api/sessions", json={"regular": {"handle": handle, "passphrase": "a long passphrase here"}}
    )
    assert back.status_code == 201 and back.json()["welcome_back"] is True
    again = {"Authorization": f"Bearer {back.json()['token']}"}
    rig.client.post("/api/session/start", json={"relief": 5}, headers=again)
    rig.client.post("/api/session/messages", json={"text": VENTING[2]}, headers=again)
    assert rig.client.post("/api/session/summary", headers=again).json()["regular"] is True
    needs = rig.client.post("/api/session/remember", json={"note": "Work too."}, headers=again)
    assert needs.status_code == 400
    updated = rig.client.post(
        "/api/session/remember",
        json={"note": "Work too.", "passphrase": "a long passphrase here"},
        headers=again,
    )
    assert updated.status_code == 200 and updated.json()["handle"] == handle
    with Vault() as vault:
        record = vault.open(handle, "a long passphrase here")
    assert record.note == "Work too." and record.visits == 2


def test_a_recovery_phrase_is_made_when_no_passphrase_is_given(rig: Rig) -> None:
    headers = rig.started()
    rig.client.post("/api/session/messages", json={"text": VENTING[0]}, headers=headers)
    rig.client.post("/api/session/summary", headers=headers)
    kept = rig.client.post("/api/session/remember", json={"note": "A friend."}, headers=headers)
    phrase = kept.json()["recovery"]
    assert phrase and len(re.split(r"\s+", phrase.strip())) >= 6
    with Vault() as vault:
        assert vault.open(kept.json()["handle"], phrase).note == "A friend."


def test_the_page_and_schema_are_served_and_docs_are_not(rig: Rig) -> None:
    page = rig.client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert rig.client.get("/weather").status_code == 200
    assert rig.client.get("/static/app.js").status_code == 200
    assert rig.client.get("/static/missing.js").status_code == 404
    schema = rig.client.get("/openapi.json").json()
    assert "/api/session/messages" in schema["paths"] and "/v1/chat/completions" in schema["paths"]
    # Swagger UI and ReDoc pull scripts from a CDN; they are off.
    assert rig.client.get("/docs").status_code == 404
    assert rig.client.get("/redoc").status_code == 404


def test_healthz(rig: Rig) -> None:
    health = rig.client.get("/healthz")
    assert health.status_code == 200 and health.json()["ok"] is True
    assert health.json()["store"] == "memory"
    assert health.json()["voice"] == "builtin"


def test_healthz_says_when_a_model_voice_is_down_and_stays_up(make_rig: MakeRig) -> None:
    from collections.abc import Iterator

    from confidante import Listener
    from confidante.errors import VoiceError
    from confidante.voices.fake import FakeVoice

    class Unplugged(FakeVoice):
        answering = True

        def say(self, plan: Any, context: Any) -> Iterator[str]:
            if not self.answering:
                raise VoiceError("the model server is down")
            yield from super().say(plan, context)

    voice = Unplugged(["You've had a lot on your mind."])
    rig = make_rig(use_listener=Listener(voice=voice))
    headers = rig.started()
    assert rig.client.get("/healthz").json()["voice"] == "up"
    voice.answering = False
    said = rig.client.post("/api/session/messages", json={"text": "Work was long."}, headers=headers)
    assert said.status_code == 200  # the phrasebook answered the turn
    answer = rig.client.get("/healthz")
    assert answer.status_code == 200 and answer.json()["voice"] == "down"


def test_an_unknown_handle_costs_the_same_kdf_work_as_a_wrong_passphrase(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    from confidante.vault import regulars

    with Vault() as vault:
        handle, _ = vault.create("A note.", passphrase="a long passphrase here")
    runs: list[int] = []
    real = regulars.stretch

    def counted(secret: str, salt: bytes, params: Any) -> bytes:
        runs.append(params.memory_kib)
        return real(secret, salt, params)

    monkeypatch.setattr(regulars, "stretch", counted)
    wrong = {"handle": handle, "passphrase": "not the passphrase"}
    assert rig.client.post("/api/sessions", json={"regular": wrong}).status_code == 403
    for unknown in ("willow-lantern-0427", "not a handle"):
        runs_before = len(runs)
        login = {"handle": unknown, "passphrase": "whatever it is"}
        assert rig.client.post("/api/sessions", json={"regular": login}).status_code == 403
        assert len(runs) == runs_before + 1 and runs[-1] == runs[0]


def test_a_note_is_kept_once_and_only_after_a_turn(rig: Rig) -> None:
    headers = rig.started()
    keep = {"note": "A friend.", "passphrase": "a long passphrase here"}
    early = rig.client.post("/api/session/remember", json=keep, headers=headers)
    assert early.status_code == 409 and "Talk first" in early.json()["error"]
    rig.client.post("/api/session/messages", json={"text": VENTING[0]}, headers=headers)
    weak = rig.client.post("/api/session/remember", json={**keep, "passphrase": "x"},
                           headers=headers)
    assert weak.status_code == 400  # nothing kept: the one note may still be kept
    assert rig.client.post("/api/session/remember", json=keep, headers=headers).status_code == 200
    again = rig.client.post("/api/session/remember", json=keep, headers=headers)
    assert again.status_code == 409 and again.json()["status"] == 409


def test_notes_are_rate_limited_per_address(rig: Rig) -> None:
    codes = []
    for _ in range(4):
        headers = rig.started()
        rig.client.post("/api/session/messages", json={"text": VENTING[1]}, headers=headers)
        kept = rig.client.post("/api/session/remember", json={"note": "n"}, headers=headers)
        codes.append(kept.status_code)
    assert codes == [200, 200, 200, 429]


def test_a_session_past_its_hour_and_grace_answers_with_the_close(rig: Rig) -> None:
    from confidante.server.desk import GRACE_SECONDS

    headers = rig.started()
    rig.clock.advance(59 * 60)
    for _ in range(3):  # writes near the end do not stretch the session's life
        rig.clock.advance(GRACE_SECONDS / 4)
        assert rig.client.get("/api/session", headers=headers).status_code == 200
    rig.clock.advance(GRACE_SECONDS / 4 + 61)
    late = rig.client.post("/api/session/messages", json={"text": "hello"}, headers=headers)
    assert late.status_code == 410 and "has ended" in late.json()["error"]
    assert rig.client.get("/api/session", headers=headers).status_code == 404  # deleted


def test_the_time_to_live_never_passes_the_hard_end(make_rig: MakeRig) -> None:
    now = [0.0]
    rig = make_rig(store=MemoryStore(now=lambda: now[0]), limits=Limits(idle_seconds=3600))
    _, headers = rig.create(minutes=1)
    rig.client.post("/api/session/start", json={}, headers=headers)
    from confidante.server.desk import GRACE_SECONDS

    now[0] += 60 + GRACE_SECONDS + 1  # the store's own clock: the record has gone
    assert rig.client.get("/api/session", headers=headers).status_code == 404


def test_text_that_is_not_unicode_is_a_400_not_a_500(rig: Rig) -> None:
    headers = {**rig.started(), "Content-Type": "application/json"}
    raw = b'{"text": "I am \\ud800 here"}'
    said = rig.client.post("/api/session/messages", content=raw, headers=headers)
    assert said.status_code in (400, 422) and said.json()["ok"] is False
    v1 = b'{"model": "confidante", "messages": [{"role": "user", "content": "hi \\ud800"}]}'
    answer = rig.client.post("/v1/chat/completions", content=v1,
                             headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and "Unicode" in answer.json()["error"]["message"]  # OpenAI's
    fine = rig.client.post("/api/session/messages", json={"text": "Still here."}, headers=headers)
    assert fine.status_code == 200


def test_the_app_opens_its_vault_once_not_per_request(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    from confidante.server import notes

    opened: list[Vault] = []

    class Counted(Vault):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            opened.append(self)

    monkeypatch.setattr(notes, "Vault", Counted)
    handles = []
    for text in VENTING[:2]:
        headers = rig.started()
        rig.client.post("/api/session/messages", json={"text": text}, headers=headers)
        kept = rig.client.post(
            "/api/session/remember",
            json={"note": "A friend.", "passphrase": "a long passphrase here"},
            headers=headers,
        )
        assert kept.status_code == 200, kept.text
        handles.append(kept.json()["handle"])
    login = {"handle": handles[0], "passphrase": "a long passphrase here"}
    assert rig.client.post("/api/sessions", json={"regular": login}).status_code == 201
    assert len(opened) == 1
