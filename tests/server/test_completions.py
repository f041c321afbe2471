"""The OpenAI-compatible API, driven by the official ``openai`` package against real uvicorn."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
from openai import OpenAI
from tests.server.conftest import CANARIES, LiveServer

FIRST = f"My brother {CANARIES[2]} and I haven't spoken in a year."
SECOND = "I keep thinking I should call him, but I'm scared he won't pick up."
THIRD = "Maybe I'm the one who pushed him away."


@pytest.fixture
def client(live_server: LiveServer) -> Iterator[OpenAI]:
    """An OpenAI client pointed at the live server (no retries: an error should show at once)."""
    with OpenAI(base_url=f"{live_server.url}/v1", api_key="not-needed", max_retries=0) as c:
        yield c


def ask(client: OpenAI, messages: list[dict[str, str]], seed: int | None = None) -> str:
    done = client.chat.completions.create(model="confidante", messages=messages, seed=seed)  # type: ignore[arg-type]
    assert done.choices[0].finish_reason == "stop"
    content = done.choices[0].message.content
    assert content
    return content


def test_models_lists_confidante(client: OpenAI) -> None:
    models = client.models.list()
    assert [m.id for m in models.data] == ["confidante"]
    assert client.models.retrieve("confidante").id == "confidante"


def test_a_conversation_rebuilt_from_its_messages(client: OpenAI) -> None:
    system = {"role": "system", "content": "Be brief."}
    first = ask(client, [system, {"role": "user", "content": FIRST}], seed=7)
    # The first reply carries the AI notice; later ones do not.
    assert "AI" in first and "not a therapist" in first
    history = [
        {"role": "user", "content": FIRST},
        {"role": "assistant", "content": first},
        {"role": "user", "content": SECOND},
    ]
    second = ask(client, history, seed=7)
    assert "not a therapist" not in second
    # Stateless but repeatable with a seed: the same request gets the same reply.
    assert ask(client, [{"role": "user", "content": FIRST}], seed=7) == first
    assert ask(client, history, seed=7) == second
    third = ask(
        client,
        [*history, {"role": "assistant", "content": second}, {"role": "user", "content": THIRD}],
        seed=7,
    )
    assert third not in (first, second)
    # Another conversation is another session, with its own choices.
    other = ask(client, [{"role": "user", "content": "Work has been relentless this month."}], 7)
    assert other != first


def test_try_again_is_worded_anew_and_a_seed_repeats(client: OpenAI) -> None:
    history = [
        {"role": "user", "content": FIRST},
        {"role": "assistant", "content": "..."},
        {"role": "user", "content": SECOND},
    ]
    # "Try again" sends the very same request: it is not answered word for word the same.
    tries = {ask(client, history) for _ in range(6)}
    assert len(tries) > 1
    assert len({ask(client, history, seed=11) for _ in range(3)}) == 1
    # A crisis reply may change its reviewed variant, never its substance.
    crisis = [{"role": "user", "content": "I want to kill myself tonight."}]
    assert all("988" in ask(client, crisis) for _ in range(3))


def test_what_the_person_was_shown_is_not_said_again(client: OpenAI) -> None:
    def parts(text: str) -> set[str]:
        return {p.strip(" .").lower() for p in text.replace("?", ".").split(".") if p.strip()}

    shown = ask(
        client,
        [
            {"role": "user", "content": FIRST},
            {"role": "assistant", "content": "..."},
            {"role": "user", "content": SECOND},
        ],
        seed=5,
    )
    # The same turn once more, now with that reply among what the person saw before.
    again = ask(
        client,
        [
            {"role": "user", "content": FIRST},
            {"role": "assistant", "content": shown},
            {"role": "user", "content": SECOND},
        ],
        seed=5,
    )
    assert parts(again).isdisjoint(parts(shown))


def test_streaming_gives_the_same_reply_in_chunks(client: OpenAI) -> None:
    messages = [{"role": "user", "content": FIRST}]
    whole = ask(client, messages, seed=3)
    stream = client.chat.completions.create(
        model="confidante", messages=messages, stream=True, seed=3
    )  # type: ignore[arg-type]
    pieces: list[str] = []
    finishes: list[str | None] = []
    for chunk in stream:
        assert chunk.object == "chat.completion.chunk"
        pieces.append(chunk.choices[0].delta.content or "")
        finishes.append(chunk.choices[0].finish_reason)
    assert "".join(pieces) == whole
    assert len([p for p in pieces if p]) > 1
    assert finishes[-1] == "stop"


def test_list_content_parts_are_read(client: OpenAI) -> None:
    plain = ask(client, [{"role": "user", "content": FIRST}], seed=3)
    parts = client.chat.completions.create(
        model="confidante",
        messages=[{"role": "user", "content": [{"type": "text", "text": FIRST}]}],
        seed=3,
    )
    assert parts.choices[0].message.content == plain


def test_errors_reach_the_client_as_api_errors(client: OpenAI) -> None:
    with pytest.raises(openai.NotFoundError) as unknown:
        client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "user", "content": "hello"}]
        )
    assert unknown.value.status_code == 404
    # OpenAI's shape, so the client shows what to do next, not only "Error code: 404".
    assert unknown.value.code == "unknown_model"
    assert "GET /v1/models" in unknown.value.message
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(
            model="confidante", messages=[{"role": "system", "content": "hello"}]
        )
    with pytest.raises(openai.APIStatusError) as long:
        client.chat.completions.create(
            model="confidante", messages=[{"role": "user", "content": "x" * 5000}]
        )
    assert long.value.status_code == 413


def test_a_crisis_gets_the_protocol_over_the_openai_face_too(client: OpenAI) -> None:
    reply = ask(client, [{"role": "user", "content": "I want to kill myself tonight."}])
    assert "988" in reply or "emergency" in reply.lower()


def test_n_and_a_tiny_max_tokens_are_refused_clearly(client: OpenAI) -> None:
    messages = [{"role": "user", "content": FIRST}]
    with pytest.raises(openai.BadRequestError) as many:
        client.chat.completions.create(model="confidante", messages=messages, n=2)  # type: ignore[arg-type]
    assert many.value.code == "one_choice" and "set it to 1" in many.value.message
    with pytest.raises(openai.BadRequestError) as tiny:
        client.chat.completions.create(model="confidante", messages=messages, max_tokens=5)  # type: ignore[arg-type]
    assert tiny.value.code == "max_tokens_low"
    done = client.chat.completions.create(model="confidante", messages=messages, max_tokens=400)  # type: ignore[arg-type]
    assert done.choices[0].finish_reason == "stop"


def test_a_conversation_over_the_replay_cap_is_a_clear_413(client: OpenAI) -> None:
    long = [
        {"role": "user" if i % 2 == 0 else "assistant", "content": "x" * 3900} for i in range(13)
    ]  # 7 user messages of 3,900 characters: over the 24,000 replayed
    with pytest.raises(openai.APIStatusError) as over:
        client.chat.completions.create(model="confidante", messages=long)  # type: ignore[arg-type]
    assert over.value.status_code == 413 and over.value.code == "too_much_history"
    many = [{"role": "user", "content": "hi"}] * 201
    with pytest.raises(openai.APIStatusError) as count:
        client.chat.completions.create(model="confidante", messages=many)  # type: ignore[arg-type]
    assert count.value.status_code == 413 and count.value.code == "too_many_messages"


def test_a_seed_may_vary_the_wording_and_buttons_are_answered_plainly(client: OpenAI) -> None:
    history = [
        {"role": "user", "content": FIRST},
        {"role": "assistant", "content": "..."},
        {"role": "user", "content": SECOND},
    ]
    plain = ask(client, history, seed=1)
    seeded = {ask(client, history, seed=s) for s in range(2, 9)}
    assert seeded - {plain}
    # Open WebUI's regenerate menu sends its button's words as the last user message.
    concise = ask(
        client,
        [
            *history,
            {"role": "assistant", "content": plain},
            {"role": "user", "content": "More Concise"},
        ],
    )
    assert concise.startswith("My replies are short ones")
