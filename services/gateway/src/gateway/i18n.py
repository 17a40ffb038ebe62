"""The UI message catalogue (Dutch by default, English available) and language negotiation.

Every text the pages show goes through `Translator`; templates call `t("key", name=value)`. Messages are
`str.format` templates with named fields. Numbers are formatted per language (`1,5` in Dutch, `1.5` in English).

A message with a count has plural forms, as gettext's ngettext has: the catalogue holds `key.one` and
`key.other` (the CLDR plural categories of Dutch and English), and templates call `t.plural("key", n, ...)`,
which picks the form by the language's plural rule and formats `{count}` as a number of that language. So no
text reads "1 vermelding(en)".

The messages live in catalogue files, one per feature area: any file named `<area>.texts.toml` anywhere in the
`gateway` package is read, so a feature keeps its texts beside its own code. Each message is a table that holds
its Dutch and English text side by side::

    ["portfolio.title"]
    nl = "Digitaal portfolio"
    en = "Digital portfolio"

The files are read once, on first use. A key defined twice (in one file or in two) and a message without a
text in every language stop the load with a `CatalogueError` that names the file and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Final

LANGUAGES: Final = ("nl", "en")
DEFAULT_LANGUAGE: Final = "nl"
LANGUAGE_COOKIE: Final = "lklr_lang"
LANGUAGE_QUERY: Final = "lang"

CATALOGUE_FILE_SUFFIX: Final = ".texts.toml"
"""A file whose name ends in this, anywhere in the `gateway` package, is a catalogue file."""


class CatalogueError(ValueError):
    """A catalogue file that cannot be used: not TOML, a key defined twice, a message without every language."""


def catalogue_files(root: Traversable) -> Iterator[tuple[str, Traversable]]:
    """Every catalogue file under ``root`` with its path relative to ``root``, in path order."""
    for entry in sorted(root.iterdir(), key=lambda item: item.name):
        if entry.is_dir():
            if entry.name != "__pycache__" and not entry.name.startswith("."):
                for where, file in catalogue_files(entry):
                    yield f"{entry.name}/{where}", file
        elif entry.name.endswith(CATALOGUE_FILE_SUFFIX):
            yield entry.name, entry


def _messages_of(where: str, text: str) -> Iterator[tuple[str, Mapping[str, str]]]:
    """The messages of one catalogue file as (key, {language: text}), each checked to hold every language."""
    try:
        tables = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:  # also a table declared twice in the same file
        raise CatalogueError(f"{where}: {exc}") from exc
    for key, message in tables.items():
        if not isinstance(message, dict):
            raise CatalogueError(f"{where}: {key!r} is not a message table with {' and '.join(LANGUAGES)}")
        if any(isinstance(value, dict) for value in message.values()):
            # `[a.b]` without quotes nests tables; a message key is one quoted name.
            raise CatalogueError(f'{where}: write the message key in quotes, as ["{key}.…"], not as a dotted table')
        unknown = sorted(message.keys() - set(LANGUAGES))
        if unknown:
            raise CatalogueError(f"{where}: message {key!r} has {', '.join(unknown)}; the languages are {LANGUAGES}")
        for language in LANGUAGES:
            value = message.get(language)
            if not isinstance(value, str) or not value.strip():
                raise CatalogueError(f"{where}: message {key!r} has no {language} text")
        yield key, message


def read_catalogue(root: Traversable) -> dict[str, dict[str, str]]:
    """The catalogue (language → key → text) from every catalogue file under ``root``.

    Raises `CatalogueError` for a file that is not TOML, a key defined twice (a bug, not an override) and a
    message that lacks a language.
    """
    catalogue: dict[str, dict[str, str]] = {language: {} for language in LANGUAGES}
    defined_in: dict[str, str] = {}
    for relative, file in catalogue_files(root):
        where = f"{root.name}/{relative}"
        for key, message in _messages_of(where, file.read_text(encoding="utf-8")):
            if key in defined_in:
                raise CatalogueError(f"message key {key!r} defined twice: in {defined_in[key]} and in {where}")
            defined_in[key] = where
            for language in LANGUAGES:
                catalogue[language][key] = message[language]
    return catalogue


@cache
def load_catalogue() -> Mapping[str, Mapping[str, str]]:
    """The gateway's catalogue, read from its catalogue files on the first call and kept."""
    return read_catalogue(resources.files("gateway"))


class _Catalogue(Mapping[str, Mapping[str, str]]):
    """The catalogue as a mapping that reads the files on first use, so importing this module reads nothing."""

    def __getitem__(self, language: str) -> Mapping[str, str]:
        return load_catalogue()[language]

    def __iter__(self) -> Iterator[str]:
        return iter(load_catalogue())

    def __len__(self) -> int:
        return len(load_catalogue())


CATALOGUE: Final[Mapping[str, Mapping[str, str]]] = _Catalogue()
"""Language → message key → text."""


PLURAL_CATEGORIES: Final = ("one", "other")


def plural_category(lang: str, count: Decimal | int) -> str:
    """The CLDR plural category of ``count``: Dutch and English both say "one" for exactly 1, else "other"
    (gettext: ``nplurals=2; plural=(n != 1);``). Fractions such as 0,5 take the plural form."""
    return "one" if count == 1 else "other"


@dataclass(frozen=True)
class Translator:
    """Looks up and formats messages for one language; a missing key falls back to Dutch, then to the key."""

    lang: str

    def __call__(self, key: str, /, **values: object) -> str:
        catalogue = load_catalogue()
        template = catalogue[self.lang].get(key) or catalogue[DEFAULT_LANGUAGE].get(key) or key
        return template.format(**values) if values else template

    def plural(self, key: str, count: Decimal | int, /, **values: object) -> str:
        """The form of ``key`` for ``count`` (ngettext-style); ``{count}`` is formatted in this language."""
        form = plural_category(self.lang, count)
        shown = self.integer(count) if isinstance(count, int) else self.number(count)
        return self(f"{key}.{form}", count=shown, **values)

    def number(self, value: Decimal | float | int) -> str:
        """Format a number without trailing zeros, with the language's decimal separator (1,5 / 1.5)."""
        decimal = value if isinstance(value, Decimal) else Decimal(str(value))
        if decimal == decimal.to_integral_value():
            text = f"{decimal.to_integral_value():f}"
        else:
            text = f"{decimal.normalize():f}"
        return text.replace(".", ",") if self.lang == "nl" else text

    def date(self, value: date) -> str:
        """Format a date the way readers of the language expect (1-1-2018 / 2018-01-01)."""
        return f"{value.day}-{value.month}-{value.year}" if self.lang == "nl" else value.isoformat()

    def integer(self, value: int) -> str:
        """Format a whole number with the language's thousands separator (12.345 / 12,345)."""
        text = f"{value:,}"
        return text.replace(",", ".") if self.lang == "nl" else text


def negotiate_language(query: str | None, cookie: str | None) -> tuple[str, bool]:
    """Choose the UI language: `?lang=`, then the cookie, then Dutch.

    The browser's Accept-Language is deliberately not consulted: a Dutch government register opens in Dutch
    for everyone, and a visitor who wants English chooses it once (the choice is kept in the cookie).
    Returns the language and whether the query chose it (then the caller remembers it in the cookie).
    """
    if query in LANGUAGES:
        return query, True
    if cookie in LANGUAGES:
        return cookie, False
    return DEFAULT_LANGUAGE, False
