"""The Simplified Chinese catalogue is complete, well-formed and up to date, and the UI uses it.

* The committed ``django.po`` parses, has the right header, no fuzzy and no untranslated
  entries, and ``msgfmt --check`` accepts it (placeholders consistent with the msgids).
* Every translation keeps the msgid's placeholders and HTML tags.
* No string marked for translation in the code or templates is missing from the catalogue:
  ``makemessages`` runs over a copy of the source tree and its msgids are compared.
* Pages come out in Chinese by default and in English when the browser or the language
  cookie asks for it; form errors come out in Chinese.

The page tests compile the committed ``.po`` into a temporary locale directory, so they do
not depend on a ``.mo`` built beforehand (``make`` builds the real one).
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client

SOURCE_DIR = Path(django_settings.BASE_DIR)
PO_FILE = SOURCE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MAKEMESSAGES_IGNORE = ["static/*", "node_modules/*"]

# These tests are about the product's default language: they do not switch to English.
pytestmark = pytest.mark.chinese

# --- a small .po reader (polib is not a dependency) ----------------------------------------


@dataclass
class Entry:
    msgid: str
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    @property
    def translations(self) -> list[str]:
        return [self.msgstr[i] for i in sorted(self.msgstr)]


_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


def _unquote(token: str) -> str:
    value = ast.literal_eval(token)
    assert isinstance(value, str)
    return value


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header first (msgid "")."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None
    pending_flags: set[str] = set()
    seen: set[str] = set()

    def finish() -> None:
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        obsolete = line.startswith("#~")
        if obsolete:
            line = line[2:].strip()
        if not line:
            finish()
            target = None
            continue
        if line.startswith("#,"):
            pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, token = match.groups()
            # An entry without a blank line before it still starts a new entry.
            if current is not None and (
                (keyword == "msgctxt" and seen & {"msgctxt", "msgid"})
                or (keyword == "msgid" and "msgid" in seen)
            ):
                finish()
            if current is None:
                current = Entry(msgid="", flags=pending_flags, obsolete=obsolete, line=number)
                pending_flags = set()
                seen = set()
            seen.add(keyword)
            value = _unquote(token)
            if keyword == "msgctxt":
                current.msgctxt = value
                target = ("msgctxt", 0)
            elif keyword == "msgid":
                current.msgid = value
                target = ("msgid", 0)
            elif keyword == "msgid_plural":
                current.msgid_plural = value
                target = ("msgid_plural", 0)
            else:
                slot = int(index) if index is not None else 0
                current.msgstr[slot] = value
                target = ("msgstr", slot)
            continue
        if line.startswith('"') and current is not None and target is not None:
            value = _unquote(line)
            kind, slot = target
            if kind == "msgstr":
                current.msgstr[slot] += value
            elif kind == "msgctxt":
                current.msgctxt = (current.msgctxt or "") + value
            elif kind == "msgid_plural":
                current.msgid_plural = (current.msgid_plural or "") + value
            else:
                current.msgid += value
            continue
        raise AssertionError(f"{path}:{number}: cannot read this line: {raw!r}")
    finish()
    return entries


def messages(path: Path) -> list[Entry]:
    """The live (non-obsolete) entries without the header."""
    return [e for e in read_po(path) if e.msgid != "" and not e.obsolete]


def header(path: Path) -> dict[str, str]:
    first = read_po(path)[0]
    assert first.msgid == "", "the catalogue must start with its header"
    fields = {}
    for row in first.msgstr[0].splitlines():
        name, _, value = row.partition(":")
        fields[name.strip()] = value.strip()
    return fields


def _show(entry: Entry) -> str:
    context = f" (context {entry.msgctxt!r})" if entry.msgctxt else ""
    return f"line {entry.line}: {entry.msgid!r}{context}"


# --- (a) and (b): the committed catalogue ---------------------------------------------------


def test_the_catalogue_has_a_proper_header() -> None:
    fields = header(PO_FILE)
    assert fields["Language"] == "zh_Hans"
    assert fields["Plural-Forms"] == "nplurals=1; plural=0;"
    assert fields["Content-Type"] == "text/plain; charset=UTF-8"
    assert fields["Project-Id-Version"].startswith("taxlight")
    assert "fuzzy" not in read_po(PO_FILE)[0].flags


def test_every_entry_is_translated_and_none_is_fuzzy() -> None:
    entries = messages(PO_FILE)
    assert len(entries) > 500, "the catalogue looks truncated"

    fuzzy = [_show(e) for e in entries if "fuzzy" in e.flags]
    untranslated = [_show(e) for e in entries if not all(t.strip() for t in e.translations)]
    obsolete = [e.msgid for e in read_po(PO_FILE) if e.obsolete]

    assert not fuzzy, "fuzzy entries (review them and drop the flag):\n" + "\n".join(fuzzy)
    assert not untranslated, "untranslated entries:\n" + "\n".join(untranslated)
    assert not obsolete, f"obsolete entries (run makemessages --no-obsolete): {obsolete}"


def test_plural_entries_have_exactly_the_one_chinese_form() -> None:
    plurals = [e for e in messages(PO_FILE) if e.msgid_plural is not None]
    assert plurals, "the catalogue is expected to contain plural entries"
    wrong = [_show(e) for e in plurals if sorted(e.msgstr) != [0]]
    assert not wrong, "Chinese has one plural form (msgstr[0] only):\n" + "\n".join(wrong)


def test_no_msgid_appears_twice() -> None:
    keys = [e.key for e in messages(PO_FILE)]
    assert len(keys) == len(set(keys))


def test_msgfmt_accepts_the_catalogue_with_format_checks(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            "msgfmt",
            "--check",
            "--check-format",
            "--statistics",
            "-o",
            str(tmp_path / "django.mo"),
            str(PO_FILE),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # e.g. "579 translated messages." - no "fuzzy translations" or "untranslated messages".
    assert "fuzzy" not in result.stderr, result.stderr
    assert "untranslated" not in result.stderr, result.stderr


_PLACEHOLDER = re.compile(
    r"%\([A-Za-z_][A-Za-z0-9_]*\)[#0 +-]*\d*(?:\.\d+)?[sdirfgexXoc]"  # %(name)s
    r"|%[#0 +-]*\d*(?:\.\d+)?[sdirfgexXoc]"  # %s, %d
    r"|\{[A-Za-z_][A-Za-z0-9_]*\}"  # {name}
)
# Real HTML elements only: "<token>" in "Authorization: Bearer <token>" is plain text.
_HTML_ELEMENTS = "a|abbr|b|br|code|em|i|kbd|mark|p|small|span|strong|sub|sup|time|u"
_TAG = re.compile(rf"</?(?:{_HTML_ELEMENTS})\b[^>]*>", re.IGNORECASE)


def _placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text.replace("%%", "")))


def _tags(text: str) -> list[str]:
    return sorted(m.group(0) for m in _TAG.finditer(text))


def test_translations_keep_the_placeholders_and_the_html_of_their_msgid() -> None:
    problems = []
    for entry in messages(PO_FILE):
        sources = [entry.msgid] + ([entry.msgid_plural] if entry.msgid_plural else [])
        for translation in entry.translations:
            # A one-form (Chinese) plural keeps the plural msgid's placeholders.
            expected = _placeholders(sources[-1])
            if _placeholders(translation) != expected:
                problems.append(
                    f"{_show(entry)}: placeholders {_placeholders(translation)}"
                    f" instead of {expected}"
                )
            if _tags(translation) != _tags(entry.msgid):
                problems.append(
                    f"{_show(entry)}: HTML {_tags(translation)} instead of {_tags(entry.msgid)}"
                )
    assert not problems, "\n".join(problems)


def test_the_reader_sees_fuzzy_and_untranslated_entries(tmp_path: Path) -> None:
    # The checks above are only as good as the reader: show it catches what they look for.
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\n'
        '#, fuzzy, python-format\nmsgid "Hello %(name)s"\nmsgstr "你好 %(name)s"\n\n'
        'msgid "Long "\n"text"\nmsgstr ""\n\n'
        'msgid "One"\nmsgid_plural "Many"\nmsgstr[0] "多"\n\n'
        '#~ msgid "Gone"\n#~ msgstr "没了"\n',
        encoding="utf-8",
    )
    entries = {e.msgid: e for e in read_po(po)}
    assert header(po)["Language"] == "zh_Hans"
    assert "fuzzy" in entries["Hello %(name)s"].flags
    assert entries["Long text"].translations == [""]
    assert entries["One"].msgid_plural == "Many" and entries["One"].translations == ["多"]
    assert entries["Gone"].obsolete
    assert _placeholders("%(n)d 个, %s, {name}") == ["%(n)d", "%s", "{name}"]


# --- (c): the catalogue is up to date ------------------------------------------------------


def missing_from_catalogue(
    source: Path, catalogue: Path, workdir: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[str | None, str]]:
    """The msgids used under ``source`` that ``catalogue`` lacks. ``makemessages`` runs over a
    copy of ``source`` (with an empty locale directory, so nothing is merged) in ``workdir``:
    the real catalogue is never touched."""
    copy = workdir / "source"
    shutil.copytree(
        source,
        copy,
        ignore=shutil.ignore_patterns(
            "static", "node_modules", "locale", "__pycache__", "*.pyc", "*.mo"
        ),
    )
    (copy / "locale").mkdir()
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command(
        "makemessages",
        locale=["zh_Hans"],
        ignore_patterns=MAKEMESSAGES_IGNORE,
        no_obsolete=True,
        verbosity=0,
    )
    in_code = {e.key for e in messages(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po")}
    committed = {e.key for e in messages(catalogue)}
    return sorted(in_code - committed, key=lambda key: (key[0] or "", key[1]))


def test_every_string_marked_for_translation_is_in_the_catalogue(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = missing_from_catalogue(SOURCE_DIR, PO_FILE, tmp_path, settings, monkeypatch)

    assert not missing, (
        f"{len(missing)} strings are not in the catalogue {PO_FILE.name}; run makemessages"
        " and translate them (see docs/translating.md):\n"
        + "\n".join(repr(msgid) + (f" (context {ctx!r})" if ctx else "") for ctx, msgid in missing)
    )


def test_the_up_to_date_check_names_a_new_string(
    tmp_path: Path, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a source tree with a translated string, a new one, one in a template and one
    # with a context, and a catalogue holding only the first
    source = tmp_path / "app"
    (source / "templates").mkdir(parents=True)
    (source / "views.py").write_text(
        "from django.utils.translation import gettext as _, pgettext\n"
        '_("Sign in")\n_("A brand new sentence.")\npgettext("month name", "May")\n'
    )
    (source / "templates" / "page.html").write_text(
        '{% load i18n %}<p>{% translate "A new template sentence." %}</p>'
    )
    catalogue = tmp_path / "django.po"
    catalogue.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n\nmsgid "Sign in"\nmsgstr "登录"\n',
        encoding="utf-8",
    )

    # When the check runs
    missing = missing_from_catalogue(source, catalogue, tmp_path, settings, monkeypatch)

    # Then it names exactly the strings the catalogue lacks
    assert missing == [
        (None, "A brand new sentence."),
        (None, "A new template sentence."),
        ("month name", "May"),
    ]


# --- (d) and (e): the UI speaks Chinese by default -----------------------------------------


@pytest.fixture(scope="module")
def compiled_locale(tmp_path_factory: pytest.TempPathFactory) -> Path:
    locale = tmp_path_factory.mktemp("locale")
    target = locale / "zh_Hans" / "LC_MESSAGES"
    target.mkdir(parents=True)
    subprocess.run(
        ["msgfmt", "--check", "-o", str(target / "django.mo"), str(PO_FILE)],
        check=True,
        capture_output=True,
    )
    return locale


@pytest.fixture
def with_catalogue(compiled_locale: Path, settings: Any) -> Iterator[None]:
    # Changing LOCALE_PATHS makes Django drop its cached catalogues (setting_changed).
    settings.LOCALE_PATHS = [compiled_locale]
    yield


@pytest.mark.django_db
@pytest.mark.usefixtures("with_catalogue")
def test_the_home_page_is_in_chinese_without_a_language_choice() -> None:
    response = Client().get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert response["Content-Language"] == "zh-hans"
    assert '<html lang="zh-CN"' in html
    assert "已开通的服务" in html  # "Services open now"
    assert "进入纳税人空间" in html  # "Go to the taxpayer space"
    assert "Services open now" not in html


@pytest.mark.django_db
@pytest.mark.usefixtures("with_catalogue")
def test_the_home_page_is_in_english_when_the_browser_asks_for_it() -> None:
    response = Client().get("/", headers={"accept-language": "en"})

    html = response.content.decode()
    assert response["Content-Language"] == "en"
    assert "Services open now" in html
    assert "已开通的服务" not in html


@pytest.mark.django_db
@pytest.mark.usefixtures("with_catalogue")
def test_the_language_cookie_switches_to_english_and_wins_over_the_browser() -> None:
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.get("/", headers={"accept-language": "zh-CN,zh;q=0.9"})

    assert django_settings.LANGUAGE_COOKIE_NAME == "taxlight_language"
    assert "Services open now" in response.content.decode()
    assert "已开通的服务" not in response.content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("with_catalogue")
def test_the_language_switch_sets_the_cookie_and_the_next_page_follows_it() -> None:
    client = Client()

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get("/")

    assert switched.status_code == 302
    assert switched.cookies[django_settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Services open now" in page.content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("with_catalogue")
def test_an_unknown_browser_language_falls_back_to_chinese() -> None:
    response = Client().get("/", headers={"accept-language": "fr-FR,fr;q=0.9"})

    assert "已开通的服务" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.usefixtures("with_catalogue")
def test_sign_in_errors_are_in_chinese_by_default() -> None:
    response = Client().post("/accounts/login/", {"username": "", "password": ""})

    assert response.status_code == 200
    html = response.content.decode()
    assert "此项为必填项。" in html  # "This field is required." on both fields
    assert "用户名" in html and "密码" in html  # the field labels
    assert "This field is required." not in html


@pytest.mark.django_db
@pytest.mark.usefixtures("with_catalogue")
def test_a_wrong_password_is_reported_in_chinese() -> None:
    response = Client().post("/accounts/login/", {"username": "nobody", "password": "wrong"})

    html = response.content.decode()
    assert "用户名或密码不正确。两者均区分大小写。" in html
    assert "not right" not in html


@pytest.mark.django_db
@pytest.mark.usefixtures("with_catalogue")
def test_sign_in_errors_follow_the_english_cookie() -> None:
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"

    response = client.post("/accounts/login/", {"username": "", "password": ""})

    html = response.content.decode()
    assert "This field is required." in html
    assert "此项为必填项" not in html
