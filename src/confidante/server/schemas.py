"""The JSON bodies of the session API, as pydantic models (they make the OpenAPI schema)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from confidante.conversation import Reply
from confidante.session.hour import Session

Score = Field(
    default=None, ge=0, le=10, description="0 (light) to 10 (as heavy as it gets); null skips."
)


class ErrorBody(BaseModel):
    """The one error shape of every route."""

    ok: Literal[False] = False
    error: str = Field(description="What happened and what to do next; never quotes a message.")
    status: int
    errors: list[dict[str, object]] | None = Field(
        default=None, description="For 422: where and what failed, never the value sent."
    )


class RegularLogin(BaseModel):
    """A regular's handle and passphrase (or recovery phrase), to open last time's note."""

    model_config = ConfigDict(extra="forbid")
    handle: str = Field(min_length=1, max_length=80)
    passphrase: str = Field(min_length=1, max_length=1024)


class NewSession(BaseModel):
    """How to start a session; everything is optional."""

    model_config = ConfigDict(extra="forbid")
    minutes: int | None = Field(default=None, ge=1, le=600, description="Length of the session.")
    locale: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z]{2,3}([_-][A-Za-z]{2})?$",
        description="Locale for helplines, e.g. en_GB (a browser's en-GB is fine).",
    )
    regular: RegularLogin | None = None


class ReliefIn(BaseModel):
    """The 0-10 check, before or after the hour."""

    model_config = ConfigDict(extra="forbid")
    relief: int | None = Score


class Say(BaseModel):
    """One message from the person."""

    model_config = ConfigDict(extra="forbid")
    # The size limit is checked by the route, to answer 413 with a clear message rather than 422.
    text: str = Field(max_length=1_000_000)


class RememberIn(BaseModel):
    """What the person approved to be kept, and how to lock it."""

    model_config = ConfigDict(extra="forbid")
    note: str = Field(
        min_length=1, max_length=2000, description="The note, as the person approved it."
    )
    keep_themes: bool = Field(default=False, description="Also keep the feelings and topics.")
    passphrase: str | None = Field(
        default=None,
        max_length=1024,
        description="Locks the note; without one a recovery phrase is made. A regular's own "
        "passphrase updates their note.",
    )


class ReplyOut(BaseModel):
    """What the listener said, with the move behind it (rule ids only, never text)."""

    text: str
    move: str
    risk: str
    cue: bool

    @classmethod
    def of(cls, reply: Reply) -> ReplyOut:
        """From a session's Reply (its fields are already the right types: no validation)."""
        return cls.model_construct(
            text=reply.text, move=reply.move.value, risk=reply.risk.value, cue=bool(reply.cue)
        )


class TimeOut(BaseModel):
    """Where the hour stands."""

    seconds_left: int
    minutes_left: int
    text: str
    time_up: bool
    should_close: bool

    @classmethod
    def of(cls, session: Session) -> TimeOut:
        """From a live session (the values are made here, of the right types: no validation)."""
        return cls.model_construct(
            seconds_left=int(session.seconds_left()),
            minutes_left=int(session.minutes_left()),
            text=session.time_text(),
            time_up=bool(session.time_up),
            should_close=bool(session.should_close),
        )


class Created(BaseModel):
    """A new session: keep the token in memory only and send it as a Bearer token."""

    token: str = Field(description="The capability for this session; it carries its key.")
    notice: ReplyOut = Field(description="The AI disclosure: not a therapist, not a person.")
    welcome_back: bool = Field(description="True when a regular's note was opened.")
    minutes: int
    time: TimeOut


class Status(BaseModel):
    """A session's phase and time."""

    phase: str
    time: TimeOut


class TurnOut(BaseModel):
    """The reply to one message, and the time after it."""

    reply: ReplyOut
    time: TimeOut


class Cue(BaseModel):
    """A time cue if one is due now (else null), and the time."""

    reply: ReplyOut | None
    time: TimeOut


class Draft(BaseModel):
    """What could be remembered: the person edits and approves it."""

    note: str
    feelings: list[str]
    topics: list[str]


class Summary(BaseModel):
    """The summary that begins the close, and the draft a person may keep."""

    reply: ReplyOut
    draft: Draft | None = Field(description="Null when there is nothing to keep.")
    regular: bool = Field(description="True when this session opened a regular's note.")


class Remembered(BaseModel):
    """The note is kept, sealed under the person's key."""

    handle: str
    recovery: str | None = Field(description="Shown once when no passphrase was given.")
    text: str


class Closed(BaseModel):
    """The goodbye; the session and everything said are gone."""

    reply: ReplyOut


class Health(BaseModel):
    """Liveness."""

    ok: bool
    store: str
    text: str
    #: "up" or "down" for a model voice (a down one is answered by the phrasebook, so the
    #: server stays up); "builtin" for the phrasebook, which cannot fail that way.
    voice: str = "builtin"


class ModelCard(BaseModel):
    """An OpenAI model entry."""

    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str
    name: str | None = Field(default=None, description="The name a front end shows.")


class ModelList(BaseModel):
    """The OpenAI model list."""

    object: Literal["list"] = "list"
    data: list[ModelCard]


class ChatMessage(BaseModel):
    """One OpenAI chat message; text parts of a list content are read, others ignored."""

    model_config = ConfigDict(extra="allow")
    role: str = Field(max_length=32)
    content: str | list[dict[str, object]] | None = None


class ChatRequest(BaseModel):
    """An OpenAI chat completion request; sampling options are accepted and ignored."""

    model_config = ConfigDict(extra="allow")
    model: str = Field(max_length=200)
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool | None = False
    n: int | None = Field(default=None, description="Only 1: there is one reply.")
    max_tokens: int | None = Field(default=None, ge=1, description="Words, not tokens.")
    max_completion_tokens: int | None = Field(default=None, ge=1)
    seed: int | None = Field(
        default=None,
        description="The same seed gives the same wording; without one a repeat is worded anew.",
    )


class ChatChoiceMessage(BaseModel):
    """The assistant message of a completion."""

    role: Literal["assistant"] = "assistant"
    content: str


class ChatChoice(BaseModel):
    """One completion choice."""

    index: int
    message: ChatChoiceMessage
    finish_reason: str


class Usage(BaseModel):
    """Token counts (words, roughly; there is no tokenizer here)."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    """An OpenAI chat completion."""

    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage


class OpenAIErrorDetail(BaseModel):
    """What went wrong on /v1, in OpenAI's words: never quotes a message."""

    message: str
    type: str
    param: str | None = None
    code: str | None = None


class OpenAIError(BaseModel):
    """The error shape of /v1 routes (OpenAI's), so OpenAI clients show the message."""

    error: OpenAIErrorDetail
