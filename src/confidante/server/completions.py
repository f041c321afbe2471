"""An OpenAI-compatible face: ``/v1/models`` and ``/v1/chat/completions`` (plain and streaming).

Point Open WebUI or any OpenAI client at ``http://127.0.0.1:8000/v1`` with model ``confidante``.
The protocol is stateless, so each request rebuilds its session: the person's earlier messages are
replayed through a session seeded from the conversation's first message, so earlier replies come
out as they did before, and then the last message is answered. The listener's own earlier replies
in the request are not trusted or used. The first reply of a conversation carries the AI notice.
Nothing is stored; the API key, if any, is ignored (the server binds 127.0.0.1 by default).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from collections.abc import AsyncIterator
from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from confidante.server import actions
from confidante.server.problems import Problem
from confidante.server.schemas import (
    ChatChoice,
    ChatChoiceMessage,
    ChatCompletion,
    ChatMessage,
    ChatRequest,
    ErrorBody,
    ModelCard,
    ModelList,
    Usage,
)
from confidante.server.services import Services, Stopwatch, services_of

MODEL_ID = "confidante"
_CREATED = 1_700_000_000  # a fixed "created" time for the one model
_PIECE = re.compile(r"\S+\s*")

router = APIRouter(
    prefix="/v1",
    tags=["openai"],
    responses={
        code: {"model": ErrorBody}
        for code in (400, 404, 413, 422, 429)
    },
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
    """The person's messages, after the model, count, size and last-message checks."""
    if body.model != MODEL_ID:
        raise Problem(404, "unknown_model")
    if len(body.messages) > s.limits.completions_messages:
        raise Problem(413, "too_many_messages", limit=s.limits.completions_messages)
    if body.messages[-1].role != "user" or not text_of(body.messages[-1]).strip():
        raise Problem(400, "no_user_message")
    said = [text_of(m) for m in body.messages if m.role == "user"]
    for text in said:
        s.check_length(text)
    first_turn = not any(m.role == "assistant" for m in body.messages)
    return said, first_turn


@router.get("/models", response_model=ModelList)
async def models() -> ModelList:
    """The one model: ``confidante``."""
    return ModelList(data=[ModelCard(id=MODEL_ID, created=_CREATED, owned_by="confidante")])


@router.get("/models/{model}", response_model=ModelCard)
async def model(model: str) -> ModelCard:
    """One model by id (only ``confidante`` exists)."""
    if model != MODEL_ID:
        raise Problem(404, "unknown_model")
    return ModelCard(id=MODEL_ID, created=_CREATED, owned_by="confidante")


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
    await s.limit(s.completions, await s.address_key(request))
    said, first_turn = _checked(s, body)
    watch = Stopwatch()
    seed = conversation_seed(said[0])
    settings = s.settings
    replay = partial(actions.replay, said, first_turn, settings.minutes, settings.locale, seed)
    reply = await s.desk.run(replay)
    s.metrics.turn("openai", watch.seconds())
    s.metrics.replied(reply)
    ident = f"chatcmpl-{secrets.token_hex(12)}"
    created = int(time.time())
    if body.stream:
        return StreamingResponse(
            _chunks(ident, created, reply.text),
            media_type="text/event-stream",
            headers={"X-Accel-Buffering": "no"},
        )
    prompt_words = sum(len(t.split()) for t in said)
    reply_words = len(reply.text.split())
    return ChatCompletion(
        id=ident,
        created=created,
        model=MODEL_ID,
        choices=[
            ChatChoice(
                index=0,
                message=ChatChoiceMessage(content=reply.text),
                finish_reason="stop",
            )
        ],
        usage=Usage(
            prompt_tokens=prompt_words,
            completion_tokens=reply_words,
            total_tokens=prompt_words + reply_words,
        ),
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


async def _chunks(ident: str, created: int, text: str) -> AsyncIterator[str]:
    """Server-sent events in OpenAI's chunk format, a few words at a time, then [DONE]."""
    yield _event(ident, created, {"role": "assistant", "content": ""}, None)
    pieces = _PIECE.findall(text)
    for start in range(0, len(pieces), 4):
        yield _event(ident, created, {"content": "".join(pieces[start : start + 4])}, None)
    yield _event(ident, created, {}, "stop")
    yield "data: [DONE]\n\n"
