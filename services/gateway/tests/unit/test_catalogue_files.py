"""The message catalogue files: complete in both languages, and holding every key the pages and code use.

Keys are found where they are written: string literals in the templates and the gateway's Python code that look
like a message key of a namespace the catalogue has (`"portfolio.title"`), and prefixes of keys built at run
time (`t("prov.status." ~ course.status)`, `t(f"problem.{exc.code}")`, `problem_messages(..., texts="prov.problem")`).
A literal that is not in the catalogue, or a prefix that no message starts with, shows as a raw key on a page.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import gateway
from gateway.i18n import (
    CATALOGUE,
    CATALOGUE_FILE_SUFFIX,
    LANGUAGES,
    CatalogueError,
    catalogue_files,
    read_catalogue,
)

PACKAGE = Path(gateway.__file__).parent
KEYS = frozenset(CATALOGUE["nl"])
NAMESPACES = frozenset(key.split(".")[0] for key in KEYS)
# The number of messages when the texts moved out of Python; change it with the messages you add or remove.
MESSAGE_COUNT = 1620

KEY_SHAPE = re.compile(r"[a-z][a-z0-9_]*(?:\.[A-Za-z0-9_-]+)+")
KEY_PREFIX_SHAPE = re.compile(r"[a-z][a-z0-9_]*(?:\.[A-Za-z0-9_-]+)*[._]")
# A quoted string in a template, and whether `~` follows it (then it starts a key built at run time).
TEMPLATE_STRING = re.compile(r"""(["'])([a-z][a-z0-9_]*(?:\.[A-Za-z0-9_-]+)+\.?)\1(\s*~)?""")
TEMPLATE_PLURAL = re.compile(r"""\bt\.plural\(\s*(["'])([^"']+)\1\s*,""")
FILE_NAME_ENDINGS = (".html", ".css", ".js", ".json", ".toml", ".csv", ".txt")


def _is_key_like(text: str) -> bool:
    return (
        KEY_SHAPE.fullmatch(text) is not None
        and text.split(".")[0] in NAMESPACES
        and not text.endswith(FILE_NAME_ENDINGS)
    )


def _is_known(key: str) -> bool:
    """A message, or a message with plural forms (`t.plural` names the key without `.one`/`.other`)."""
    return key in KEYS or {f"{key}.one", f"{key}.other"} <= KEYS


def _has_messages(prefix: str) -> bool:
    return any(key.startswith(prefix) for key in KEYS)


def _templates() -> list[Path]:
    return sorted(PACKAGE.rglob("*.html"))


def _python_modules() -> list[Path]:
    return sorted(path for path in PACKAGE.rglob("*.py") if "__pycache__" not in path.parts)


def _python_keys_and_prefixes(path: Path) -> tuple[set[str], set[str]]:
    """Key literals and key prefixes (leading text of an f-string, `texts=` arguments) in one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    keys: set[str] = set()
    prefixes: set[str] = set()
    not_a_key: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            not_a_key.update(id(part) for part in node.values)
            first = node.values[0] if node.values else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                lead = first.value
                if KEY_PREFIX_SHAPE.fullmatch(lead) and lead.split(".")[0] in NAMESPACES and len(node.values) > 1:
                    prefixes.add(lead)
        elif isinstance(node, ast.keyword) and node.arg == "texts":
            # forms.problem_messages(..., texts="prov.problem") shows "prov.problem.<code>" when it exists.
            not_a_key.add(id(node.value))
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                prefixes.add(f"{node.value.value}.")
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in not_a_key
            and _is_key_like(node.value)
        ):
            keys.add(node.value)
    return keys, prefixes


def test_every_catalogue_file_gives_each_message_its_dutch_and_english_text() -> None:
    files = list(catalogue_files(PACKAGE))
    assert files, f"no {CATALOGUE_FILE_SUFFIX} files under {PACKAGE}"
    for where, file in files:
        for key, message in tomllib.loads(file.read_text(encoding="utf-8")).items():
            assert isinstance(message, dict), f"{where}: {key}"
            assert sorted(message) == sorted(LANGUAGES), f"{where}: {key} has {sorted(message)}"
            assert all(isinstance(text, str) and text.strip() for text in message.values()), f"{where}: {key}"


def test_the_catalogue_holds_every_message_in_both_languages() -> None:
    assert list(CATALOGUE) == list(LANGUAGES)
    assert set(CATALOGUE["nl"]) == set(CATALOGUE["en"])
    assert len(CATALOGUE["nl"]) == MESSAGE_COUNT


def test_a_message_with_a_singular_form_has_its_plural_form() -> None:
    # Not the other way round: `objection.problem.other` is the problem "other", not a plural form.
    lacking = [key for key in KEYS if key.endswith(".one") and f"{key.removesuffix('.one')}.other" not in KEYS]
    assert not lacking


def test_every_key_a_template_names_exists() -> None:
    missing = []
    for path in _templates():
        text = path.read_text(encoding="utf-8")
        for match in TEMPLATE_STRING.finditer(text):
            literal, built = match.group(2), match.group(3)
            if literal.split(".")[0] not in NAMESPACES or literal.endswith(FILE_NAME_ENDINGS):
                continue
            if built:
                if not _has_messages(literal):
                    missing.append(f"{path.relative_to(PACKAGE)}: no message starts with {literal!r}")
            elif not _is_known(literal):
                missing.append(f"{path.relative_to(PACKAGE)}: {literal!r}")
        for match in TEMPLATE_PLURAL.finditer(text):
            key = match.group(2)
            if not {f"{key}.one", f"{key}.other"} <= KEYS:
                missing.append(f"{path.relative_to(PACKAGE)}: plural {key!r} lacks .one or .other")
    assert not missing, "\n".join(missing)


def test_every_key_the_python_code_names_exists() -> None:
    missing = []
    for path in _python_modules():
        keys, prefixes = _python_keys_and_prefixes(path)
        missing += [f"{path.relative_to(PACKAGE)}: {key!r}" for key in sorted(keys) if not _is_known(key)]
        missing += [
            f"{path.relative_to(PACKAGE)}: no message starts with {prefix!r}"
            for prefix in sorted(prefixes)
            if not _has_messages(prefix)
        ]
    assert not missing, "\n".join(missing)


def test_the_key_search_finds_the_literal_keys_and_the_built_ones() -> None:
    """Guards the search itself: were it to find nothing, the two tests above would pass on anything."""
    template_literals = sum(len(TEMPLATE_STRING.findall(path.read_text(encoding="utf-8"))) for path in _templates())
    found = [_python_keys_and_prefixes(path) for path in _python_modules()]
    python_keys = set().union(*(keys for keys, _ in found))
    python_prefixes = set().union(*(prefixes for _, prefixes in found))
    assert template_literals > 1000
    assert {"office.decision.choose", "prov.course.title_required"} <= python_keys
    assert {"problem.", "prov.problem.", "retention.kind.", "error."} <= python_prefixes


def test_importing_the_module_reads_no_catalogue_file() -> None:
    probe = "import gateway.i18n as i18n; print(i18n.load_catalogue.cache_info().currsize)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "0"


# --- The loader's refusals -----------------------------------------------------------------------------------


def _write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")


def test_the_loader_reads_catalogue_files_in_any_folder_and_nothing_else(tmp_path: Path) -> None:
    _write(tmp_path / "texts", "site.texts.toml", '["site.name"]\nnl = "Register"\nen = "Register"\n')
    _write(tmp_path / "features" / "portfolio", "portfolio.texts.toml", '["p.title"]\nnl = "Titel"\nen = "Title"\n')
    _write(tmp_path / "features" / "portfolio", "settings.toml", '["ignored"]\nnl = "x"\n')
    assert read_catalogue(tmp_path) == {
        "nl": {"p.title": "Titel", "site.name": "Register"},
        "en": {"p.title": "Title", "site.name": "Register"},
    }


def test_the_loader_refuses_a_key_defined_in_two_files(tmp_path: Path) -> None:
    _write(tmp_path, "a.texts.toml", '["x.title"]\nnl = "A"\nen = "A"\n')
    _write(tmp_path / "b", "b.texts.toml", '["x.title"]\nnl = "B"\nen = "B"\n')
    with pytest.raises(CatalogueError, match=r"'x\.title' defined twice: in .*a\.texts\.toml and in .*b\.texts\.toml"):
        read_catalogue(tmp_path)


def test_the_loader_refuses_a_key_defined_twice_in_one_file(tmp_path: Path) -> None:
    _write(tmp_path, "a.texts.toml", '["x.title"]\nnl = "A"\nen = "A"\n\n["x.title"]\nnl = "B"\nen = "B"\n')
    with pytest.raises(CatalogueError, match=r"a\.texts\.toml"):
        read_catalogue(tmp_path)


@pytest.mark.parametrize(
    ("message", "complaint"),
    [
        ('nl = "Alleen Nederlands"\n', "has no en text"),
        ('en = "English only"\n', "has no nl text"),
        ('nl = "A"\nen = "  "\n', "has no en text"),
        ('nl = "A"\nen = 3\n', "has no en text"),
        ('nl = "A"\nen = "A"\nde = "A"\n', "has de"),
    ],
)
def test_the_loader_refuses_a_message_without_each_language(tmp_path: Path, message: str, complaint: str) -> None:
    _write(tmp_path, "a.texts.toml", f'["x.title"]\n{message}')
    with pytest.raises(CatalogueError, match=rf"a\.texts\.toml: message 'x\.title' {complaint}"):
        read_catalogue(tmp_path)


def test_the_loader_explains_a_key_written_without_quotes(tmp_path: Path) -> None:
    _write(tmp_path, "a.texts.toml", '[x.title]\nnl = "A"\nen = "A"\n')
    with pytest.raises(CatalogueError, match="in quotes"):
        read_catalogue(tmp_path)


def test_the_loader_names_the_file_that_is_not_toml(tmp_path: Path) -> None:
    _write(tmp_path, "a.texts.toml", '["x.title"\nnl = "A"\n')
    with pytest.raises(CatalogueError, match=r"a\.texts\.toml: "):
        read_catalogue(tmp_path)
