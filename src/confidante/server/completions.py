"""An OpenAI-compatible face: ``/v1/models`` and ``/v1/chat/completions`` (plain and streaming).

Point Open WebUI or any OpenAI client at ``http://127.0.0.1:8000/v1`` with model ``confidante``.
The protocol is stateless, so each request rebuilds its session: the person's earlier messages are
replayed through a session seeded from the conversation's first message, and then the last message
is answered (``replay``). The answer is worded afresh each time, and "Try again" (the very same
request again) is not given the reply it replaces when there is another way to say it (see
``repeats``); a request's ``seed`` makes the wording reproducible instead. The listener's
own earlier replies in the request are trusted for one thing only: the sentences in them are not
said again. The first reply of a conversation carries the AI notice. Nothing is stored; the API key
is ignored, except the trusted front end's (``Settings.frontend_key``), which is limited per
conversation instead of per address.

A chat front end's own task requests (a title, tags: see ``frontends``) get neutral JSON without
the engine, and its buttons ("Add Details") a plain reply. A request ending with an assistant
message ("continue") gets an empty completion. What one request may replay is capped
(``Limits.completions_messages`` and ``completions_chars``, 413 beyond) and replays queue for
``Limits.replays`` slots. Errors here take OpenAI's shape (see ``problems.speaks_openai``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import random
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable, Sequence
from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from confidante.conversation import Reply, normalise_sentence, sentences
from confidante.errors import InputError
from confidante.listener import Listener
from confidante.server.desk import input_problem
from confidante.server.frontends import frontends
from confidante.server.problems import Problem
from confidante.server.repeats import Repeats
from confidante.server.schemas import (
    ChatChoice,
    ChatChoiceMessage,
    ChatCompletion,
    ChatMessage,
    ChatRequest,
    ModelCard,
    ModelList,
    OpenAIError,
    Usage,
)
from confidante.server.services import Services, Stopwatch, bearer_token, services_of
from confidante.server.store import StoreDown
from confidante.session.clock import ManualClock

MODEL_ID = "confidante"
_CREATED = 1_700_000_000  # a fixed "created" time for the one model
_PIECE = re.compile(r"\S+\s*")
_SEED_BITS = 48
_TRIES = 6  # wordings drawn for a repeat before its old reply is given again

router = APIRouter(
    prefix="/v1",
    tags=["openai"],
    responses={code: {"model": OpenAIError} for code in (400, 404, 413, 422, 429, 503)},
)


def text_of(message: ChatMessage) -> str:
    """The text of a message: a string, or the text parts of a list of parts."""
    content = message.content
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    parts = [p.get("text") for p in content if p.get("type") == "text"]
    return "\n".join(p for p in parts if isinstance(p, str))


def conversation_seed(first: str) -> int:
    """A seed from the conversation's first message: the same conversation, the same choices."""
    digest = hashlib.sha256(b"confidante/openai/v1\x00" + first.encode("utf-8")).digest()
    return int.from_bytes(digest[:6], "big")


def _checked(s: Services, body: ChatRequest) -> tuple[list[str], bool]:
    """The person's messages (a front end's buttons left out), after the count, size, option
    and last-message checks."""
    limits = s.limits
    if len(body.messages) > limits.completions_messages:
        raise Problem(413, "too_many_messages", limit=limits.completions_messages)
    if body.n not in (None, 1):
        raise Problem(400, "one_choice")
    wanted = body.max_tokens or body.max_completion_tokens
    if wanted is not None and wanted < limits.max_tokens_floor:
        raise Problem(400, "max_tokens_low", floor=limits.max_tokens_floor)
    if body.messages[-1].role != "user" or not text_of(body.messages[-1]).strip():
        raise Problem(400, "no_user_message")
    fronts = frontends()
    said = [text_of(m) for m in body.messages if m.role == "user"]
    said = [t for t in said[:-1] if fronts.command(t) is None] + said[-1:]
    for text in said:
        s.check_length(text)
    if sum(len(t) for t in said) > limits.completions_chars:
        raise Problem(413, "too_much_history", limit=limits.completions_chars)
    first_turn = not any(m.role == "assistant" for m in body.messages)
    return said, first_turn


@router.get("/models", response_model=ModelList)
async def models() -> ModelList:
    """The one model: ``confidante``."""
    return ModelList(data=[_card()])


def _card() -> ModelCard:
    return ModelCard(
        id=MODEL_ID, created=_CREATED, owned_by="confidante", name=frontends().model_name
    )


@router.get("/models/{model}", response_model=ModelCard)
async def model(model: str) -> ModelCard:
    """One model by id (only ``confidante`` exists)."""
    if model != MODEL_ID:
        raise Problem(404, "unknown_model")
    return _card()


@router.post(
    "/chat/completions",
    response_model=ChatCompletion,
    responses={200: {"content": {"text/event-stream": {"schema": {"type": "string"}}}}},
)
async def chat_completions(
    request: Request, body: ChatRequest
) -> ChatCompletion | StreamingResponse:
    """Answer the last user message, rebuilding the conversation from the messages sent."""
    s = services_of(request)
    if body.model != MODEL_ID:
        raise Problem(404, "unknown_model")
    fronts = frontends()
    texts = [text_of(m) for m in body.messages]
    task = fronts.task([m.role for m in body.messages], texts, bool(body.stream))
    if task is not None:
        # Not something a person said: no listener, no safety, no person's metrics or limit.
        await s.limit(s.tasks, await s.address_key(request))
        s.metrics.task(task.kind)
        return _answer(body, task.answer, 0)
    await _limit(s, request, texts, [m.role for m in body.messages])
    if body.messages[-1].role == "assistant":
        return _answer(body, "", 0)  # "continue": this listener has nothing to add to itself
    said, first_turn = _checked(s, body)
    plain = fronts.command(said[-1])
    if plain is not None:
        return _answer(body, plain, len(said))
    if s.replays.full:
        raise Problem(503, "replays_busy", headers={"Retry-After": "2"})
    watch = Stopwatch()
    seed = conversation_seed(said[0])
    seen = [text_of(m) for m in body.messages if m.role == "assistant"]
    settings = s.settings
    answer = partial(replay, said, seen, first_turn, settings.minutes, settings.locale, seed)
    async with s.replays.limiter:
        if body.seed is not None:  # the same seed, the same words
            reply = await s.desk.run(partial(answer, seed ^ body.seed))
        else:
            reply = await _worded_anew(s, _repeats(request), body, answer)
    s.metrics.turn("openai", watch.seconds())
    s.metrics.replied(reply)
    text = reply.text
    if first_turn:
        # The notice comes first, a blank line before the reply (``replay``); the front end
        # may keep what Confidante does not, so the notice says so.
        text = text.replace("\n\n", f" {fronts.app_may_save}\n\n", 1)
    whole = first_turn or reply.move.value == "crisis"  # safety text is never cut short
    return _answer(body, text, sum(len(t.split()) for t in said), whole=whole)


def replay(
    said: Sequence[str],
    seen: Sequence[str],
    first_turn: bool,
    minutes: int,
    locale: str,
    seed: int,
    wording: int,
    listener: Listener,
) -> Reply:
    """Answer the last of ``said`` after replaying the earlier ones through a seeded session.

    The earlier turns replay under the conversation's ``seed``; the answer is drawn under
    ``wording``, and says none of the sentences in ``seen`` (the replies the person was shown,
    which a stateless replay cannot otherwise know). On the first turn nothing was shown yet,
    so the AI notice is worded under ``wording`` too. Safety replies stay reviewed text: only
    which reviewed variant is said may change.
    """
    rng = random.Random(wording if first_turn else seed)
    session = listener.session(
        clock=ManualClock(),  # a stateless request knows no time: no cues, no hour
        rng=rng,
        minutes=minutes,
        locale=locale,
    )
    disclosed = session.disclosure()
    for earlier in said[:-1]:
        try:
            session.respond(earlier)
        except InputError:
            continue  # it was refused when it was new, too; the client kept it anyway
    used = session.state.used_sentences
    used.update(normalise_sentence(part) for text in seen for part in sentences(text))
    rng.seed(wording)  # the session draws from this same generator
    try:
        reply = session.respond(said[-1])
    except InputError as err:
        raise input_problem(err) from None
    if first_turn:
        return dataclasses.replace(reply, text=f"{disclosed.text}\n\n{reply.text}")
    return reply


async def _worded_anew(
    s: Services, repeats: Repeats, body: ChatRequest, answer: Callable[..., Reply]
) -> Reply:
    """The reply under fresh wording, and for a repeat of a recent request ("Try again") one
    other than the reply it got, if the listener has another way to say it in a few tries."""
    asked = repeats.digest([f"{m.role}\x1f{text_of(m)}" for m in body.messages])
    for _ in range(_TRIES):
        reply = await s.desk.run(partial(answer, secrets.randbits(_SEED_BITS)))
        if not repeats.said_before(asked, reply.text):
            break
    repeats.remember(asked, reply.text)
    return reply


def _repeats(request: Request) -> Repeats:
    """The app's recent answers, made on first use (one per app, nothing at import)."""
    state = request.app.state
    found = getattr(state, "repeats", None)
    if not isinstance(found, Repeats):
        found = state.repeats = Repeats()
    return found


async def _limit(s: Services, request: Request, texts: list[str], roles: list[str]) -> None:
    """The person's rate limit: per conversation for the trusted front end, else per address."""
    key = s.settings.frontend_key
    sent = bearer_token(request)
    if key and sent is not None and hmac.compare_digest(sent.encode(), key.encode()):
        first = next((t for t, r in zip(texts, roles, strict=True) if r == "user"), "")
        # Keyed like an address (an HMAC under the address key), so no bucket names a message.
        digest = hashlib.sha256(first.encode("utf-8", "replace")).hexdigest()
        try:
            conversation = await s.addresses.of(f"conversation:{digest}")
        except StoreDown:
            raise Problem(503, "unavailable") from None
        await s.limit(s.conversations, conversation)
        return
    await s.limit(s.completions, await s.address_key(request))


def _answer(
    body: ChatRequest, text: str, prompt_words: int, *, whole: bool = True
) -> ChatCompletion | StreamingResponse:
    """The completion of ``text``, streamed or whole, cut at ``max_tokens`` words if allowed."""
    finish = "stop"
    cap = body.max_tokens or body.max_completion_tokens
    words = text.split()
    if cap is not None and not whole and len(words) > cap:
        text, finish = " ".join(words[:cap]), "length"
    ident = f"chatcmpl-{secrets.token_hex(12)}"
    created = int(time.time())
    reply_words = len(text.split())
    usage = Usage(
        prompt_tokens=prompt_words,
        completion_tokens=reply_words,
        total_tokens=prompt_words + reply_words,
    )
    if body.stream:
        return StreamingResponse(
            _chunks(ident, created, text, finish),
            media_type="text/event-stream",
            headers={"X-Accel-Buffering": "no"},
        )
    return ChatCompletion(
        id=ident,
        created=created,
        model=MODEL_ID,
        choices=[
            ChatChoice(index=0, message=ChatChoiceMessage(content=text), finish_reason=finish)
        ],
        usage=usage,
    )


def _event(ident: str, created: int, delta: dict[str, str], finish: str | None) -> str:
    chunk = {
        "id": ident,
        "object": "chat.completion.chunk",
        "created": created,
        "model": MODEL_ID,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"


async def _chunks(ident: str, created: int, text: str, finish: str) -> AsyncIterator[str]:
    """Server-sent events in OpenAI's chunk format, a few words at a time, then [DONE]."""
    yield _event(ident, created, {"role": "assistant", "content": ""}, None)
    pieces = _PIECE.findall(text)
    for start in range(0, len(pieces), 4):
        yield _event(ident, created, {"content": "".join(pieces[start : start + 4])}, None)
    yield _event(ident, created, {}, finish)
    yield "data: [DONE]\n\n"
