"""The sample data the tests issue: institutions, courses and learners, as the HTTP API takes
them, and the same course for the service layer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

BASE_URL = "http://127.0.0.1:8000"
#: What a browser sends: the pages answer HTML.
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}

#: A course with every optional Annex I element some way or another, text in two languages.
ACHIEVEMENT: dict[str, Any] = {
    "title": {"en": "3D printing: FDM basics", "sl": "3D tisk: osnove FDM"},
    "description": {"en": "Preparing, slicing and printing models on FDM printers."},
    "learning_outcomes": [
        {
            "title": {"en": "Prepares a model for printing", "sl": "Pripravi model za tisk"},
            "esco_skill": "http://data.europa.eu/esco/skill/0e3ae9e2-5cf5-4ea8-9b0a-4e1b8e6e8d5f",
        },
        {"title": "Operates an FDM printer safely"},
    ],
    "ects": 2,
    "workload_hours": 50,
    "eqf_level": 4,
    "assessment_type": "practical demonstration",
    "participation_form": "in_person",
    "quality_assurance": "Internal QA of the awarding body, accredited by the ministry",
    "prerequisites": None,
    "supervision": "Supervised on site, identity checked",
    "stackability": None,
    "further_information": None,
}
#: A course whose texts carry what JSON and N-Quads must escape (backslash, quotes, tab), for
#: the cross-implementation tests.
INTEROP_ACHIEVEMENT: dict[str, Any] = {
    "title": {"en": "3D printing: FDM basics", "sl": "3D tisk: osnove FDM"},
    "description": {"en": "Preparing, slicing and printing models.", "sl": "Priprava modelov."},
    "learning_outcomes": [{"title": {"en": "Prepares a model for printing"},
                           "esco_skill": "http://data.europa.eu/esco/skill/0e3ae9e2-5cf5-4ea8"}],
    "ects": 2, "workload_hours": 50, "eqf_level": 4,
    "assessment_type": "practical demonstration", "participation_form": "blended",
    "quality_assurance": "Internal QA", "prerequisites": "None",
    "supervision": "Supervised, identity checked", "stackability": "Stacks",
    "further_information": "Tel. 01 234 5678 \\ \"quoted\"\ttab",
}  # fmt: skip
#: The same kind of course as the service layer takes it (JSON field values).
FIELDS: dict[str, Any] = {
    "title": {"en": "3D printing: FDM basics"},
    "learning_outcomes": [{"title": {"en": "Prepares a model for printing"}}],
    "eqf_level": 4,
    "assessment_type": {"en": "practical demonstration"},
    "participation_form": "online",
    "quality_assurance": {"en": "Internal QA"},
    "ects": Decimal(2),
}

LEARNER = {"given_name": "Ana", "family_name": "Horvat", "email": "ana@example.org",
           "date_of_birth": "2004-03-01"}  # fmt: skip
#: č, ć, đ, š, ž in both names: they must reach every page and file intact.
LATIN = {"given_name": "Đurđica", "family_name": "Šćepanović", "date_of_birth": "2004-03-01"}
CYRILLIC = {"given_name": "Љубица", "family_name": "Јовановић"}
MONTENEGRIN = {"given_name": "Đurđa", "family_name": "Šćepanović", "date_of_birth": "2003-05-04",
               "identifier": "ME-42"}  # fmt: skip
