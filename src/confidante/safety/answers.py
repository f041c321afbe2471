"""How a person answers the protocol's questions: a yes, a no, a willingness to act.

Read on the lexicon's spelled-out, lower-case text of one message, at its start: "yeah, most
nights" is a yes, "no, I haven't" a no, "I suppose I could" a willingness to put the means away.
"""

from __future__ import annotations

import re

__all__ = ["AFFIRM", "DENY", "WILLING"]

#: A yes, however tentative ("yeah", "sort of", "I think so").
AFFIRM = re.compile(
    r"^(yes|yeah|yea|yep|ya|i am|i do|i have|i did|i think so|sort of|kind of"
    r"|kinda|a bit|a little|maybe|probably|i will|i'?ll try|definitely|sure)\b"
)
#: Agreeing to put the means away, however tentatively ("I suppose I could", "ok I will").
WILLING = re.compile(
    r"^(ok(ay)?[.,]? |alright[.,]? |fine[.,]? |yes[.,]? |yeah[.,]? "
    r"|i don'?t know[.,]? |dunno[.,]? )?"
    r"((i suppose|i guess|maybe) )?"
    r"(i could( give| put| move| hand)?|i can|i will|i'?ll (try|do (it|that)|put|move|give|hand)"
    r"|i'?m putting"
    r"|i suppose|i guess)"
    r"(?! (just )?(take|swallow|down|do it (tonight|now)|end|kill|jump|use))\b"
)
#: A no ("I don't know" is no denial: it is answered as the minimal reply it is).
DENY = re.compile(
    r"^(no|nope|nah|not really|i'?m not|i don'?t(?! know| really know)|i haven'?t|never|i won'?t)\b"
)
