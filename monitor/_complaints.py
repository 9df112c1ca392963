"""Which negative mentions await an answer from the brand: the complaint rule (pure).

A **complaint** is a mention whose effective label is ``negative`` and that asks for, or
deserves, a response. :func:`reasons` says why a mention does, as a tuple of these words
(empty: it does not):

* ``"low rating"``: a review of at most 2 stars out of 5 (normalised rating < 0.375, the
  same rounding as ``mentions(stars=…)``);
* ``"question"``: a question mark — ``?``, the full-width ``？``, the Spanish ``¿`` and the
  Armenian ``՞`` (written over a word's stressed vowel, so it is looked for anywhere) — or
  a question particle of Turkish (``mi``/``mı``/``mu``/``mü`` and their personal endings)
  or Bulgarian (``ли``);
* ``"request"``: a plea for help, a refund or a reply (:data:`REQUESTS`: *please, help,
  refund* · *snälla, hjälp, återbetalning* · *lütfen, yardım, iade* · *моля, помощ,
  върнете* · *խնդրում եմ, օգնեք, գումարս* and more);
* ``"addressed"``: written to the brand — one of its handles (``@`` + an account, the
  name or an alias without spaces) or its name with a second-person word (:data:`YOU`:
  *you, your* · *du, ni, er* · *sen, siz, size* · *ти, вие, вас* · *դու, դուք, ձեզ*).

Cue words are matched on :func:`monitor._matching.fold`-ed text at word boundaries (a cue
ending in ``*`` also matches longer words: Turkish and Armenian add suffixes). A mention
in one of the five languages is read with its own language's cues plus English ones (people
switch to English for *please* and *refund*); a mention of another or unknown language with
every language's. A mention the brand answered counts as a complaint whatever the cues
(its answer shows it asked for one): see :func:`is_complaint`.

Known limits: "you" addressed to another reader reads as addressed to the brand when the
brand is named; sarcasm and rhetorical questions count as questions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from monitor._matching import find_all, fold

LOW_RATING = "low rating"
QUESTION = "question"
REQUEST = "request"
ADDRESSED = "addressed"
#: Every reason :func:`reasons` gives, in the order it gives them.
REASONS = (LOW_RATING, QUESTION, REQUEST, ADDRESSED)
#: A normalised rating below this is at most 2 stars of 5.
LOW_RATING_NORM = 0.375
#: Question marks of the scripts the product reads (Latin, full-width, Spanish, Armenian).
QUESTION_MARKS = ("?", "？", "¿", "\u055e")

#: Pleas for help, a refund or a reply, per language (``*``: the word may go on).
REQUESTS: dict[str, tuple[str, ...]] = {
    "en": (
        "please",
        "pls",
        "plz",
        "help",
        "refund*",
        "money back",
        "fix this",
        "fix it",
        "respond",
        "reply",
        "answer me",
        "contact me",
        "dm me",
        "customer service",
        "customer support",
        "still waiting",
        "no response",
        "no reply",
        "no answer",
    ),
    "sv": (
        "snälla",
        "hjälp*",
        "återbetalning*",
        "pengarna tillbaka",
        "svara",
        "svarar ni",
        "inget svar",
        "kundtjänst*",
        "kundservice*",
        "väntar fortfarande",
        "fortfarande väntar",
        "kontakta mig",
        "ersättning*",
        "reklamation*",
    ),
    "tr": (
        "lütfen",
        "yardım*",
        "iade*",
        "paramı",
        "paramızı",
        "cevap*",
        "yanıt*",
        "müşteri hizmetleri*",
        "destek*",
        "hala bekliyorum",
        "hâlâ bekliyorum",
        "dönüş yap*",
        "ilgilen*",
    ),
    "bg": (
        "моля",
        "помощ*",
        "помогнете",
        "върнете*",
        "възстановяване*",
        "отговор*",
        "обслужване на клиенти",
        "рекламаци*",
        "още чакам",
        "чакам отговор",
    ),
    "hy": (
        "խնդրում եմ",
        "խնդրում ենք",
        "օգնեք",
        "օգնությ*",
        "գումարս",
        "գումարը վերադարձրեք",
        "վերադարձրեք",
        "պատասխան*",
        "սպասում եմ",
    ),
}

#: Second-person words (a text addressed to someone), per language.
YOU: dict[str, tuple[str, ...]] = {
    "en": ("you", "your", "yours", "you're", "youre", "u", "ur", "y'all"),
    "sv": ("du", "dig", "din", "ditt", "dina", "ni", "er", "ert", "era"),
    "tr": ("sen", "seni", "sana", "senin", "siz", "sizi", "size", "sizin", "sizden", "sizinle"),
    "bg": ("ти", "теб", "тебе", "твоя", "твоят", "твой", "вие", "вас", "ви", "ваш", "ваша", "ваше", "ваши", "вашия"),
    "hy": ("դու", "քեզ", "քո", "դուք", "ձեզ", "ձեր"),
}

#: Question particles (``?`` aside): Turkish *mi* with its endings, Bulgarian *ли*.
_PARTICLES = {
    # folded text: ı is i; endings: -yim, -sin, -yiz, -siniz, -dir with their vowel harmony
    "tr": re.compile(r"(?<!\w)m[iuü](?:y[iuü]m|s[iuü]n|y[iuü]z|s[iuü]n[iuü]z|d[iuü]r)?(?!\w)"),
    "bg": re.compile(r"(?<!\w)ли(?!\w)"),
}


@dataclass(frozen=True, slots=True)
class BrandNames:
    """What addresses a brand: its name and aliases, and its accounts (handles)."""

    names: tuple[str, ...]
    accounts: tuple[str, ...] = ()

    @classmethod
    def of(cls, name: str, aliases: Iterable[str] = (), accounts: Iterable[str] = ()) -> BrandNames:
        """A brand's names (``name`` first) and accounts, blanks dropped."""
        return cls(
            tuple(n for n in (name, *aliases) if n.strip()),
            tuple(a for a in accounts if a.strip()),
        )

    @property
    def handles(self) -> tuple[str, ...]:
        """Folded handles without ``@``: each account's user part, and each name without spaces."""
        out = [account_user(a) for a in self.accounts]
        out += [fold(n).replace(" ", "") for n in self.names]
        return tuple(dict.fromkeys(h for h in out if h))


def account_user(account: str) -> str:
    """An account's folded user name: ``@Acme@mastodon.social``, ``https://host/@acme``,
    ``u/acme`` and ``acme`` all give ``acme``."""
    a = fold(account).strip()
    if "/@" in a:
        a = a.rsplit("/@", 1)[1]
    a = a.lstrip("@").removeprefix("/u/").removeprefix("u/")
    return a.split("@", 1)[0].strip("/")


def _languages(lang: str | None) -> tuple[str, ...]:
    if lang in REQUESTS:
        return (lang, "en") if lang != "en" else ("en",)
    return tuple(REQUESTS)


@lru_cache(maxsize=64)
def _cues(table: str, langs: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for every cue word of ``table`` in ``langs``, on folded text (``*``: may go on)."""
    source = REQUESTS if table == "requests" else YOU
    words = dict.fromkeys(w for lang in langs for w in source[lang])
    parts = [re.escape(fold(w.rstrip("*"))) + ("" if w.endswith("*") else r"(?!\w)") for w in words]
    return re.compile(r"(?<!\w)(?:" + "|".join(sorted(parts, key=len, reverse=True)) + ")")


@lru_cache(maxsize=256)
def _handles(brand: BrandNames) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """The brand's ``@handle`` pattern (a handle starting a word, not an e-mail address) and folded names."""
    handles = "|".join(re.escape(h) for h in sorted(brand.handles, key=len, reverse=True))
    pattern = re.compile(r"(?<![^\W_])@(?:" + handles + r")(?!\w)" if handles else r"(?!x)x")
    return pattern, tuple(fold(n) for n in brand.names)


def _question(text: str, folded: str, lang: str | None) -> bool:
    if any(mark in text for mark in QUESTION_MARKS):
        return True
    particle = _PARTICLES.get(lang or "")  # only in a text known to be Turkish or Bulgarian
    return particle is not None and particle.search(folded) is not None


def _addressed(folded: str, brand: BrandNames, lang: str | None) -> bool:
    handle, names = _handles(brand)
    if handle.search(folded):
        return True
    named = any(find_all(folded, n) for n in names)
    return named and _cues("you", _languages(lang)).search(folded) is not None


def has_question(text: str, lang: str | None = None) -> bool:
    """Whether ``text`` asks a question: a question mark, or a Turkish/Bulgarian particle."""
    return _question(text, fold(text), lang)


def has_request(text: str, lang: str | None = None) -> bool:
    """Whether ``text`` pleads for help, a refund or a reply (:data:`REQUESTS`)."""
    return _cues("requests", _languages(lang)).search(fold(text)) is not None


def is_addressed(text: str, brand: BrandNames, lang: str | None = None) -> bool:
    """Whether ``text`` is written to the brand: one of its handles, or a name with a second-person word."""
    return _addressed(fold(text), brand, lang)


def reasons(
    text: str,
    brand: BrandNames,
    *,
    title: str | None = None,
    lang: str | None = None,
    rating_norm: float | None = None,
) -> tuple[str, ...]:
    """Why a (negative) mention asks for an answer (:data:`REASONS`); empty: it does not."""
    words = f"{title}\n{text}" if title else text
    folded = fold(words)
    out: list[str] = []
    if rating_norm is not None and rating_norm < LOW_RATING_NORM:
        out.append(LOW_RATING)
    if _question(words, folded, lang):
        out.append(QUESTION)
    if _cues("requests", _languages(lang)).search(folded) is not None:
        out.append(REQUEST)
    if _addressed(folded, brand, lang):
        out.append(ADDRESSED)
    return tuple(out)


def is_complaint(label: str, why: Sequence[str], answered: bool) -> bool:
    """A complaint: a negative mention that asks for an answer (``why``) or that was answered."""
    return label == "negative" and (bool(why) or answered)


_DURATION = re.compile(r"\s*(\d{1,6})\s*(m|h|d|w)\s*")
_UNITS = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
#: The longest answer target (a year).
MAX_TARGET = timedelta(days=366)


def parse_duration(text: str) -> timedelta:
    """``"3d"``, ``"36h"``, ``"90m"`` or ``"1w"`` as a timedelta; ValueError otherwise."""
    m = _DURATION.fullmatch(text)
    if m is None:
        raise ValueError(f"{text!r} is not a duration like '3d', '36h', '90m' or '1w'")
    value = int(m.group(1)) * _UNITS[m.group(2)]
    if not timedelta(0) < value <= MAX_TARGET:
        raise ValueError(f"{text!r}: a duration from 1 minute to {MAX_TARGET.days} days")
    return value


__all__ = [
    "ADDRESSED",
    "LOW_RATING",
    "LOW_RATING_NORM",
    "MAX_TARGET",
    "QUESTION",
    "QUESTION_MARKS",
    "REASONS",
    "REQUEST",
    "REQUESTS",
    "YOU",
    "BrandNames",
    "account_user",
    "has_question",
    "has_request",
    "is_addressed",
    "is_complaint",
    "parse_duration",
    "reasons",
]
