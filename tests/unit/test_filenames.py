"""File names of downloads: transliteration to ASCII, what no file system accepts, length
limits, and the Content-Disposition header (RFC 6266 with an RFC 8187 ``filename*``)."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from app.documents.filenames import ascii_name, download_name, transliterate

SAFE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*$")
# Characters Windows forbids in a name, and the separators of every file system.
FORBIDDEN = set('<>:"/\\|?*') | {chr(c) for c in range(32)}


@pytest.mark.parametrize(
    ("text", "ascii"),
    [
        ("čćđšž ČĆĐŠŽ", "ccdjsz CCDJSZ"),
        ("Đurđica Šćepanović", "Djurdjica Scepanovic"),
        ("ĐURĐICA", "DJURDJICA"),
        ("Љубица Јовановић", "Ljubica Jovanovic"),
        ("ЉУБИЦА ЏЕКО", "LJUBICA DZEKO"),
        ("Њ Џ Љ", "Nj Dz Lj"),
        ("абвгдђежзијклљмнњопрстћуфхцчџш", "abvgddjezzijklljmnnjoprstcufhccdzs"),
        # Montenegrin: S and Z with a combining acute.
        ("\u0421\u0301иво \u0417\u0301еница", "Sivo Zenica"),  # noqa: RUF001
        ("Ѓорѓи Ќосе Ѕвезда", "Gjorgji Kjose Dzvezda"),  # Macedonian
        ("Юлия Щукина", "Julija Scukina"),  # Russian
        ("Ærø Łódź Straße Øre", "Aero Lodz Strasse Ore"),
        ("José Müller", "Jose Muller"),
        ("李小龙 ✓", " "),  # no ASCII form: dropped
    ],
)
def test_transliterate(text: str, ascii: str) -> None:
    assert transliterate(text) == ascii


def test_a_name_is_learner_and_course_in_safe_letters() -> None:
    name = download_name("Đurđica Šćepanović", "3D printing: FDM basics", extension="pdf")
    assert name.ascii == "Djurdjica-Scepanovic_3D-printing-FDM-basics.pdf"
    assert name.utf8 == "Đurđica-Šćepanović_3D-printing-FDM-basics.pdf"
    assert name.content_disposition() == (
        'attachment; filename="Djurdjica-Scepanovic_3D-printing-FDM-basics.pdf"; '
        "filename*=UTF-8''%C4%90ur%C4%91ica-%C5%A0%C4%87epanovi%C4%87_3D-printing-FDM-basics.pdf"
    )
    cyrillic = download_name("Љубица Јовановић", "3Д штампа", extension="json")
    assert cyrillic.ascii == "Ljubica-Jovanovic_3D-stampa.json"
    assert cyrillic.utf8 == "Љубица-Јовановић_3Д-штампа.json"


@pytest.mark.parametrize(
    ("learner", "course", "expected"),
    [
        ("../../etc/passwd", None, "etc-passwd.pdf"),
        ("..", "...", "credential.pdf"),
        (".hidden", None, "hidden.pdf"),
        (None, None, "credential.pdf"),
        ("", "   ", "credential.pdf"),
        ("李小龙", None, "credential.pdf"),
        ("CON", None, "CON_credential.pdf"),
        ("nul", "", "nul_credential.pdf"),
        ("Com1", None, "Com1_credential.pdf"),
        ("LPT9", "course", "LPT9_course.pdf"),
        ('a<b>c:d"e/f\\g|h?i*j', None, "a-b-c-d-e-f-g-h-i-j.pdf"),
        ("tab\there\nnew\x00line", None, "tab-here-new-line.pdf"),
        ("Ana  --  Horvat", "__x__", "Ana-Horvat_x.pdf"),
    ],
)
def test_no_file_system_is_surprised(
    learner: str | None, course: str | None, expected: str
) -> None:
    name = download_name(learner, course, extension="pdf")
    assert name.ascii == expected
    for candidate in (name.ascii, name.utf8):
        assert not candidate.startswith(".") and not (set(candidate) & FORBIDDEN)
    assert SAFE.match(name.ascii)


def test_names_are_bounded() -> None:
    learner = "Maximiliana " * 20
    course = "Napredna aditivna proizvodnja " * 20
    name = download_name(learner, course, extension="pdf")
    stem_learner, stem_course = name.ascii.removesuffix(".pdf").split("_")
    assert len(stem_learner) <= 60 and len(stem_course) <= 60
    assert not stem_learner.endswith("-") and stem_course.startswith("Napredna")
    long_cyrillic = download_name("Љ" * 300, "Ж" * 300, extension="pdf")
    assert len(long_cyrillic.utf8.encode()) <= 200 and long_cyrillic.utf8.endswith(".pdf")
    assert len(long_cyrillic.ascii) <= 255
    one_word = ascii_name("A" * 500, extension="json")
    assert one_word == "A" * 60 + ".json"


def test_the_utf8_name_round_trips_through_the_header() -> None:
    name = download_name("Zoë O'Brien-Šimić", "Ćevapi & co.: 100%", extension="jwt")
    header = name.content_disposition()
    encoded = header.split("filename*=UTF-8''", 1)[1]
    assert re.fullmatch(r"[A-Za-z0-9%._~-]+", encoded)
    assert unquote(encoded) == name.utf8 == "Zoë-O-Brien-Šimić_Ćevapi-co-100.jwt"
    assert name.ascii == "Zoe-O-Brien-Simic_Cevapi-co-100.jwt"
