"""Labeling functions for SMS spam (ham = 0, spam = 1).

Written for the UCI SMS Spam Collection (Almeida, Gomez Hidalgo & Yamakami,
2011: 5574 messages, 13% spam), one message per row in a ``text`` column;
:func:`load_sms` reads the raw file into that shape.  Nothing is read at
import time.

SMS spam in this corpus is premium-rate marketing: prizes to claim, premium
phone numbers and short codes to text, prices per message, ringtones and
chat services, opt-out instructions.  Ham is personal chat: short, informal,
first and second person, no numbers to call.  See README_sms.md for what each
LF encodes and how accurate it is.

Run it from the shell::

    weaklabel label --lfs labeling_functions/sms.py --data sms.csv --out soft.parquet
"""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd

from weaklabel import ABSTAIN, LFRegistry, keyword_lf, regex_lf

__all__ = ["HAM", "SPAM", "lfs", "load_sms"]

HAM, SPAM = "ham", "spam"

lfs = LFRegistry(classes=[HAM, SPAM])


def load_sms(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read the raw ``SMSSpamCollection`` file (``label<TAB>text`` per line).

    Returns a DataFrame with ``text`` (str) and ``label`` (int64: 0 = ham,
    1 = spam), one row per message in file order.
    """
    with open(path, encoding="utf-8") as fh:
        rows = [line.split("\t", 1) for line in fh.read().split("\n") if line]
    bad = [i for i, r in enumerate(rows) if len(r) != 2 or r[0] not in (HAM, SPAM)]
    if bad:
        raise ValueError(
            f"{path}: line {bad[0] + 1} is not 'ham<TAB>text' or 'spam<TAB>text'."
        )
    return pd.DataFrame(
        {
            "text": [t for _, t in rows],
            "label": np.array([lab == SPAM for lab, _ in rows], dtype=np.int64),
        }
    )


# ------------------------------------------------------------------ spam: offers

lfs.add(
    keyword_lf(
        "kw_prize",
        [
            "prize",
            "winner",
            "won",
            "win",
            "awarded",
            "jackpot",
            "bonus",
            "reward",
            "voucher",
            "vouchers",
            "draw",
            "selected to receive",
            "guaranteed",
        ],
        SPAM,
    )
)
lfs.add(keyword_lf("kw_claim", ["claim", "claim code", "redeem", "collect"], SPAM))
lfs.add(keyword_lf("kw_urgent", ["urgent", "final attempt", "last chance"], SPAM))
lfs.add(
    keyword_lf(
        "kw_free_offer",
        [
            "free entry",
            "freemsg",
            "free msg",
            "for free",
            "free ringtone",
            "free camera",
            "free nokia",
            "free mobile",
            "free phone",
            "free bluetooth",
            "freephone",
        ],
        SPAM,
    )
)
lfs.add(
    keyword_lf(
        "kw_mobile_marketing",
        [
            "ringtone",
            "ringtones",
            "polyphonic",
            "mobile update",
            "latest colour",
            "camera phone",
            "line rental",
            "network operator",
            "unlimited text",
            "anytime networks",
            "double mins",
        ],
        SPAM,
    )
)
lfs.add(
    keyword_lf(
        "kw_opt_out",
        [
            "to opt out",
            "optout",
            "unsubscribe",
            "reply stop",
            "text stop",
            "txt stop",
            "send stop",
            "stop to end",
            "to stop further",
        ],
        SPAM,
    )
)
lfs.add(
    keyword_lf(
        "kw_terms",
        [
            "t&c",
            "t&cs",
            "t&c's",
            "tncs",
            "tsandcs",
            "tscs",
            "po box",
            "pobox",
            "18+",
            "16+",
        ],
        SPAM,
    )
)
lfs.add(
    keyword_lf(
        "kw_dating", ["dating", "date service", "chat service", "sexy", "horny"], SPAM
    )
)


# ----------------------------------------------------------- spam: numbers, money

# Premium-rate and free-phone numbers: 09..., 0800/0808/087x/084x, 10-11 digits.
lfs.add(regex_lf("re_premium_number", r"\b0(?:9\d|8[0-7]\d)\d{7,8}\b", SPAM))
# "text WORD to 87121": a 5-digit short code after "to", or "txt/text/send ... 8xxxx".
lfs.add(
    regex_lf(
        "re_short_code",
        r"\b(?:txt|text|send|reply)\b[^.!?]{0,40}\b(?:to|on)\s*:?\s*\d{5}\b",
        SPAM,
    )
)
# Prices per message / minute / week: "150p", "£1.50/msg", "10p/min", "GBP4".
lfs.add(
    regex_lf(
        "re_price",
        r"\b\d+(?:\.\d+)?p\b|\b\d+ppm\b|\bp/?(?:msg|min|wk)\b|\bgbp\s?\d|£\s?\d|\bpence\b"
        r"|/(?:msg|min|wk|week|month)\b",
        SPAM,
    )
)
lfs.add(
    regex_lf("re_link", r"\bwww\.|https?://|\.co\.uk\b|\.com\b|\.net\b|\bwap\b", SPAM)
)
lfs.add(
    regex_lf(
        "re_cash_amount", r"(?:£|\$|€)\s?\d[\d,]*|\b\d[\d,]*\s?(?:pounds|cash)\b", SPAM
    )
)


@lfs.labeling_function(vectorized=True)
def shouting_offer(df: pd.DataFrame) -> pd.Series:
    """Several all-caps words and a digit: ``WINNER!! ... CALL 0906...``."""
    text = df["text"].fillna("").astype(str)
    caps = text.str.count(r"\b[A-Z]{3,}\b")
    digits = text.str.contains(r"\d", regex=True)
    return pd.Series(np.where((caps >= 3) & digits, SPAM, None), index=df.index)


# ------------------------------------------------------------------- ham: chat

lfs.add(
    keyword_lf(
        "kw_chat_slang",
        [
            "lol",
            "haha",
            "hahaha",
            "lor",
            "lar",
            "da",
            "dat",
            "wat",
            "gonna",
            "wanna",
            "dunno",
            "k",
            "ok lor",
        ],
        HAM,
    )
)
lfs.add(
    keyword_lf(
        "kw_personal_plans",
        [
            "i'm",
            "i am",
            "i'll",
            "i will",
            "i was",
            "my mom",
            "my dad",
            "going home",
            "see you",
            "see u",
            "love you",
            "miss you",
            "tonight",
            "tomorrow",
            "dinner",
            "lunch",
            "sleep",
            "sorry",
        ],
        HAM,
    )
)
lfs.add(regex_lf("re_emoticon", r"[:;]-?[)(dp]|\bxx+\b|<3", HAM))


_SPAM_CUE = re.compile(
    r"\d{4,}|£|\$|www|http|\.com|free|win|prize|claim|txt|text|call|reply|stop|"
    r"offer|cash|award|mobile|ringtone|urgent|service",
    re.IGNORECASE,
)


@lfs.labeling_function(vectorized=True)
def short_plain_message(df: pd.DataFrame) -> pd.Series:
    """At most 8 words and no spam cue (numbers, money, links, offers)."""
    text = df["text"].fillna("").astype(str)
    short = text.str.split().str.len() <= 8
    cue = text.str.contains(_SPAM_CUE, regex=True)
    return pd.Series(np.where(short & ~cue, HAM, None), index=df.index)


@lfs.labeling_function()
def question_to_friend(row: pd.Series) -> str | int:
    """A question in the first or second person with no digits and no link."""
    text = row.text if isinstance(row.text, str) else ""
    if "?" not in text or re.search(r"\d|www|http", text):
        return ABSTAIN
    if re.search(
        r"\b(?:i|me|my|we|you|u|ur)\b", text, re.IGNORECASE
    ) and not _SPAM_CUE.search(text):
        return HAM
    return ABSTAIN


@lfs.labeling_function(vectorized=True)
def mostly_lowercase(df: pd.DataFrame) -> pd.Series:
    """Long-ish messages typed in lower case with no digits: personal chat."""
    text = df["text"].fillna("").astype(str)
    letters = text.str.count(r"[A-Za-z]")
    upper = text.str.count(r"[A-Z]")
    ok = (
        (letters >= 20)
        & (upper <= 0.05 * letters)
        & ~text.str.contains(r"\d", regex=True)
    )
    return pd.Series(np.where(ok, HAM, None), index=df.index)
