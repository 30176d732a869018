"""Labeling functions for YouTube comment spam (ham = 0, spam = 1).

Written for the UCI YouTube Spam Collection bundled with weaklabel
(``weaklabel.load_youtube()``; one comment per row in a ``text`` column), and
meant to be copied and adapted.  The LFs mix the kinds weaklabel supports:

- keyword LFs (``keyword_lf``) and regular expressions (``regex_lf``),
- row-wise Python LFs (``@lfs.labeling_function()``) and vectorized ones
  (``vectorized=True``), with ``resources=`` and ``pre=``,
- a look-up LF (``lookup_lf``): link domains known to be used by spammers,
- a model-based LF (``model_lf``): a tiny bag-of-words classifier trained, at
  import time and deterministically, on a few hand-written seed sentences.

Spam on these videos is self-promotion ("check out my channel", "subscribe"),
links and money-making offers; ham is short reactions to the song.

Run it from the shell::

    weaklabel label --lfs labeling_functions/youtube.py --data comments.csv \\
        --out soft.parquet
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from weaklabel import ABSTAIN, LFRegistry, keyword_lf, lookup_lf, model_lf, regex_lf

HAM, SPAM = "ham", "spam"

lfs = LFRegistry(classes=[HAM, SPAM])


# --------------------------------------------------------------- preprocessors


def clean_text(df: pd.DataFrame) -> pd.DataFrame:
    """Unescape HTML entities (&#39; &quot; ...) and drop byte-order marks."""
    text = df["text"].fillna("").astype(str)
    text = text.map(html.unescape).str.replace("\ufeff", "", regex=False).str.strip()
    return df.assign(text=text)


_DOMAIN = re.compile(
    r"(?:https?://|www\.)(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)", re.I
)


def link_domain(df: pd.DataFrame) -> pd.DataFrame:
    """Add a ``domain`` column: the first link's domain, lower-cased (or None)."""
    domain = df["text"].str.extract(_DOMAIN, expand=False).str.lower()
    return df.assign(domain=domain)


# ------------------------------------------------------------ keyword and regex

lfs.add(
    keyword_lf(
        "kw_check_out",
        ["check out", "check it out", "checkout", "check my", "check this out"],
        SPAM,
    )
)
lfs.add(
    keyword_lf(
        "kw_subscribe",
        ["subscribe", "subscribers", "subscribing", "sub4sub", "sub 4 sub"],
        SPAM,
    )
)
lfs.add(
    keyword_lf(
        "kw_my_channel",
        [
            "my channel",
            "my chanel",
            "my chanell",
            "my videos",
            "my video",
            "my page",
            "my music",
            "my song",
            "my youtube",
        ],
        SPAM,
    )
)
lfs.add(
    keyword_lf(
        "kw_money",
        [
            "make money",
            "earn money",
            "per month",
            "per hour",
            "free",
            "gift card",
            "giftcard",
            "dollars",
            "cash",
            "work from home",
            "paid",
            "income",
        ],
        SPAM,
    )
)
# A link, unless it points back to YouTube (people share the video itself).
# The look-ahead is not RE2 syntax: regex_lf then runs Python's re.
lfs.add(
    regex_lf(
        "re_link",
        r"(?:https?://|www\.)(?!(?:www\.|m\.)?youtu(?:\.be|be\.com))|\.com\b|\.ly\b|\.net\b",
        SPAM,
    )
)
lfs.add(
    regex_lf(
        "re_please_help",
        r"\b(?:please|plz|pls)\b.*\b(?:like|share|view|visit|support|help|thumbs)\b",
        SPAM,
    )
)


# Noisier keyword LFs: right most of the time, and a label model learns to
# trust them less than the precise ones above.
lfs.add(keyword_lf("kw_song", ["song", "songs"], HAM))
lfs.add(keyword_lf("kw_youtube", ["youtube", "youtuber", "youtubers"], SPAM))
lfs.add(regex_lf("re_big_number", r"\d{3,}", SPAM))

# A comment that carries any of these cues is not a plain reaction to the
# song; the ham LFs below stay silent on it.
SPAM_CUES = re.compile(
    r"subs?cri|chann?ell?|check|visit|\bmy\b|\bme\b|please|\bpl[sz]|\blike\b|"
    r"share|follow|thumbs?|watch\?v|http|www|\.com|\.ly|\bvote|money|\$",
    re.IGNORECASE,
)


def _plain_reaction(text, max_words):
    return (
        isinstance(text, str)
        and len(text.split()) <= max_words
        and SPAM_CUES.search(text) is None
    )


# --------------------------------------------------------- row-wise Python LFs

_NAMES = (
    "psy",
    "gangnam",
    "katy",
    "perry",
    "roar",
    "lmfao",
    "party rock",
    "shuffl",
    "eminem",
    "rihanna",
    "shakira",
    "waka",
)


@lfs.labeling_function(resources={"names": _NAMES})
def mentions_artist(row, names):
    """A short comment naming the artist or the song, with no spam cue, is ham."""
    text = row.text
    if _plain_reaction(text, 25) and any(n in text.lower() for n in names):
        return HAM
    return ABSTAIN


@lfs.labeling_function()
def short_comment(row):
    """Very short comments with no spam cue ("wow", "nice song") are ham."""
    return HAM if _plain_reaction(row.text, 5) else ABSTAIN


def unescape_row(row):
    """Row preprocessor: unescape HTML entities and lower-case the text."""
    text = row.text if isinstance(row.text, str) else ""
    return row._replace(text=html.unescape(text).lower())


@lfs.labeling_function(pre=[unescape_row])
def self_promotion(row):
    """People promoting their own music or account."""
    text = row.text
    cues = (
        "i'm a rapper",
        "i am a rapper",
        "my mixtape",
        "give me a chance",
        "follow me",
        "add me",
        "my instagram",
        "my twitter",
        "my facebook",
        "my cover",
        "my new song",
        "thumbs up so",
    )
    return SPAM if any(c in text for c in cues) else ABSTAIN


# ---------------------------------------------------------------- vectorized

_REACTION = (
    r"\b(?:love|luv|best|awesome|amazing|beautiful|cool|nice|great|good|epic|"
    r"favou?rite|catchy|masterpiece|legend|queen|king|perfect|wow|lol|omg|haha)"
)


@lfs.labeling_function(vectorized=True, pre=[clean_text])
def song_reaction(df):
    """Short praise with no spam cue ("love this song!") is ham."""
    text = df["text"]
    praise = text.str.contains(_REACTION, case=False, regex=True)
    short = text.str.split().str.len() <= 20
    cue = text.str.contains(SPAM_CUES, regex=True)
    return np.where(praise & short & ~cue, 0, ABSTAIN)


_PROMO = re.compile(r"subs?cri|chann?ell?|http|www|\.com|my video|\bsub\b", re.I)


@lfs.labeling_function(vectorized=True, pre=[clean_text])
def views_and_records(df):
    """Talk about view counts and records ("who's here to check the views") is ham."""
    text = df["text"]
    hit = text.str.contains(
        r"\b(?:views?|viewed|viewers|viewing|billion|most liked|dislikes?|"
        r"who(?:'s| is) (?:here|watching|listening)|still (?:watching|listening))\b",
        case=False,
        regex=True,
    )
    short = text.str.split().str.len() <= 25
    promo = text.str.contains(_PROMO, regex=True)
    return np.where(hit & short & ~promo, 0, ABSTAIN)


@lfs.labeling_function(vectorized=True, pre=[clean_text])
def long_comment(df):
    """Comments of 40 words or more are rarely a reaction to the song."""
    return np.where(df["text"].str.split().str.len() >= 40, 1, ABSTAIN)


# ----------------------------------------------------------------- look-up LF

SPAM_DOMAINS = frozenset(
    {
        "adf.ly",
        "bit.ly",
        "goo.gl",
        "tinyurl.com",
        "surveymonkey.com",
        "swagbucks.com",
        "firepa.com",
        "4netjobs.com",
        "amazon.com",
        "facebook.com",
        "twitter.com",
        "instagram.com",
        "soundcloud.com",
        "gofundme.com",
        "paypal.com",
        "paypal.me",
        "ow.ly",
        "shhort.com",
        "freemyapps.com",
        "gamekit.com",
        "linkbucks.com",
        "adfoc.us",
        "mylikes.com",
        "twitch.tv",
        "vine.co",
        "reverbnation.com",
        "plus.google.com",
        "play.google.com",
        "apps.facebook.com",
    }
)

lfs.add(
    lookup_lf(
        "known_spam_domain",
        SPAM_DOMAINS,
        columns="domain",
        label=SPAM,
        case_sensitive=False,
        pre=[link_domain],
    )
)


# ----------------------------------------------------------------- model LF

_SEED_SPAM = [
    "check out my new channel and subscribe",
    "please subscribe to my channel for more videos",
    "visit my website to make money online",
    "earn free gift cards at this site",
    "hey guys I make music please give me a chance",
    "like and share my video please",
    "click the link to win an iphone",
    "follow me on twitter and instagram",
    "I am a rapper check out my mixtape",
    "get paid to work from home today",
]
_SEED_HAM = [
    "I love this song so much",
    "this song is amazing",
    "her voice is beautiful",
    "best music video ever",
    "who is still watching this",
    "this video has so many views",
    "the dance in this video is funny",
    "I remember this song from my childhood",
    "such a catchy tune",
    "great song and great video",
]


def _seed_model():
    """A bag-of-words logistic regression on the seed sentences (deterministic)."""
    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(C=20.0, solver="liblinear", random_state=0),
    )
    model.fit(_SEED_SPAM + _SEED_HAM, [SPAM] * len(_SEED_SPAM) + [HAM] * len(_SEED_HAM))
    return model


lfs.add(
    model_lf(
        "seed_classifier",
        _seed_model(),
        column="text",
        featurizer=lambda s: s.str.lower(),
        threshold=0.75,
        pre=[clean_text],
    )
)
