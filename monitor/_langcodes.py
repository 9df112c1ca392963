"""ISO 639-1 language codes and their English names: what a ``lang`` filter may say.

:func:`language_hint` turns what people type instead of a code (``swedish``, ``Svenska``,
``swe``, ``en-GB``, ``Sweddish``) into the code they meant.
"""

from __future__ import annotations

import re

from monitor._hints import closest

_TABLE = """
aa Afar|ab Abkhazian|ae Avestan|af Afrikaans|ak Akan|am Amharic|an Aragonese|ar Arabic|as Assamese
av Avaric|ay Aymara|az Azerbaijani|ba Bashkir|be Belarusian|bg Bulgarian|bh Bihari|bi Bislama
bm Bambara|bn Bengali|bo Tibetan|br Breton|bs Bosnian|ca Catalan|ce Chechen|ch Chamorro|co Corsican
cr Cree|cs Czech|cu Church Slavonic|cv Chuvash|cy Welsh|da Danish|de German|dv Divehi|dz Dzongkha
ee Ewe|el Greek|en English|eo Esperanto|es Spanish|et Estonian|eu Basque|fa Persian|ff Fulah
fi Finnish|fj Fijian|fo Faroese|fr French|fy Western Frisian|ga Irish|gd Scottish Gaelic|gl Galician
gn Guarani|gu Gujarati|gv Manx|ha Hausa|he Hebrew|hi Hindi|ho Hiri Motu|hr Croatian|ht Haitian
hu Hungarian|hy Armenian|hz Herero|ia Interlingua|id Indonesian|ie Interlingue|ig Igbo|ii Sichuan Yi
ik Inupiaq|io Ido|is Icelandic|it Italian|iu Inuktitut|ja Japanese|jv Javanese|ka Georgian|kg Kongo
ki Kikuyu|kj Kuanyama|kk Kazakh|kl Kalaallisut|km Khmer|kn Kannada|ko Korean|kr Kanuri|ks Kashmiri
ku Kurdish|kv Komi|kw Cornish|ky Kyrgyz|la Latin|lb Luxembourgish|lg Ganda|li Limburgish|ln Lingala
lo Lao|lt Lithuanian|lu Luba-Katanga|lv Latvian|mg Malagasy|mh Marshallese|mi Maori|mk Macedonian
ml Malayalam|mn Mongolian|mr Marathi|ms Malay|mt Maltese|my Burmese|na Nauru|nb Norwegian Bokmal
nd North Ndebele|ne Nepali|ng Ndonga|nl Dutch|nn Norwegian Nynorsk|no Norwegian|nr South Ndebele
nv Navajo|ny Chichewa|oc Occitan|oj Ojibwa|om Oromo|or Oriya|os Ossetian|pa Punjabi|pi Pali|pl Polish
ps Pashto|pt Portuguese|qu Quechua|rm Romansh|rn Rundi|ro Romanian|ru Russian|rw Kinyarwanda
sa Sanskrit|sc Sardinian|sd Sindhi|se Northern Sami|sg Sango|si Sinhala|sk Slovak|sl Slovenian
sm Samoan|sn Shona|so Somali|sq Albanian|sr Serbian|ss Swati|st Southern Sotho|su Sundanese
sv Swedish|sw Swahili|ta Tamil|te Telugu|tg Tajik|th Thai|ti Tigrinya|tk Turkmen|tl Tagalog|tn Tswana
to Tonga|tr Turkish|ts Tsonga|tt Tatar|tw Twi|ty Tahitian|ug Uyghur|uk Ukrainian|ur Urdu|uz Uzbek
ve Venda|vi Vietnamese|vo Volapuk|wa Walloon|wo Wolof|xh Xhosa|yi Yiddish|yo Yoruba|za Zhuang
zh Chinese|zu Zulu
"""

#: Every ISO 639-1 code → its English name.
ISO_639_1: dict[str, str] = dict(
    entry.split(" ", 1) for line in _TABLE.strip().splitlines() for entry in line.split("|")
)

# What else people type for a language: the five the product scores by their own names
# and ISO 639-2 codes, and a few common alternative English names.
_OTHER_NAMES = {
    "svenska": "sv",
    "swe": "sv",
    "türkçe": "tr",
    "turkce": "tr",
    "tur": "tr",
    "български": "bg",
    "bulgarski": "bg",
    "bul": "bg",
    "հայերեն": "hy",
    "hayeren": "hy",
    "arm": "hy",
    "hye": "hy",
    "eng": "en",
    "farsi": "fa",
    "flemish": "nl",
    "castilian": "es",
    "bokmal": "nb",
    "bokmål": "nb",
    "nynorsk": "nn",
    "deutsch": "de",
    "ger": "de",
    "deu": "de",
    "fre": "fr",
    "fra": "fr",
    "français": "fr",
    "español": "es",
    "spa": "es",
    "rus": "ru",
    "русский": "ru",
}
_NAMES: dict[str, str] = {name.casefold(): code for code, name in ISO_639_1.items()} | _OTHER_NAMES


def language_hint(value: str) -> str | None:
    """The ISO 639-1 code ``value`` most likely means (a name, a region tag, a typo), or None."""
    folded = value.strip().casefold()
    if folded in _NAMES:
        return _NAMES[folded]
    primary = re.split(r"[-_]", folded, maxsplit=1)[0]
    if primary != folded and primary in ISO_639_1:
        return primary  # "en-GB" → "en": stored languages carry no region
    if primary in _NAMES:
        return _NAMES[primary]
    name = closest(folded, _NAMES, cutoff=0.75) if len(folded) > 3 else None
    return _NAMES[name] if name is not None else None


__all__ = ["ISO_639_1", "language_hint"]
