# ruff: noqa: E501  (SPARQL patterns read best on one line each)
"""The micro-credential document: every Annex I element lands on its ELM 3 IRI (checked on the
expanded RDF graph, not on JSON keys), and the EU's own SHACL shapes accept it but for the
published shapes' known defects."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import rdflib
from pyshacl import validate

from issuer.credential import (
    AchievementSpec,
    Award,
    IssuerProfile,
    Learner,
    LearningOutcome,
    build_credential,
    missing_elements,
)
from verifier.jsonld import bundled_document_loader, canonicalize

ISSUER_DID = "did:web:127.0.0.1%3A8000:institutions:ts-lj"
NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)

SPEC = AchievementSpec(
    id=uuid.UUID("5f1d2c3b-0000-4000-8000-000000000001"),
    revision=1,
    title={"en": "3D printing: FDM basics", "sl": "3D tisk: osnove FDM"},
    description={"en": "Preparing, slicing and printing models."},
    learning_outcomes=(
        LearningOutcome(
            {"en": "Prepares a model for printing"},
            "http://data.europa.eu/esco/skill/0e3ae9e2-5cf5-4ea8-9b0a-4e1b8e6e8d5f",
        ),
        LearningOutcome({"en": "Operates an FDM printer safely"}),
    ),
    eqf_level=4,
    assessment_type={"en": "practical demonstration"},
    participation_form="in_person",
    quality_assurance={"en": "Internal QA, accredited by the ministry"},
    ects=Decimal("2.5"),
    workload_hours=50,
    prerequisites={"en": "Basic computer skills"},
    supervision={"en": "Supervised on site"},
    stackability={"en": "Counts towards the 3D printing technician programme"},
    further_information={"en": "https://example.org/course"},
)
ISSUER = IssuerProfile(ISSUER_DID, "Tehniški šolski center", "SVN", "Slovenia", "5051631")
LEARNER = Learner("Ana", "Horvat", date(2004, 3, 1), identifier="S-123")
AWARD = Award(uuid.UUID("5f1d2c3b-0000-4000-8000-0000000000aa"), NOW, date(2026, 11, 20), NOW,
              grade="excellent")  # fmt: skip
CONTEXT_URL = "https://w3id.org/microcred/v1"
MICROCRED_V1_SHA256 = "4a5c01b39bad53a8cba62e876023420d35520743e12ed272698bac101f7adc67"


@pytest.fixture(scope="module")
def credential() -> dict[str, Any]:
    built = build_credential(SPEC, ISSUER, LEARNER, AWARD)
    assert built["@context"] == ["https://www.w3.org/ns/credentials/v2", CONTEXT_URL]
    return built


@pytest.fixture(scope="module")
def graph(credential: dict[str, Any]) -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(
        data=canonicalize(credential, bundled_document_loader()), format="nt"
    )  # default graph only: N-Triples
    return g


PREFIXES = """
PREFIX elm: <http://data.europa.eu/snb/model/elm/>
PREFIX dc: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX cred: <https://www.w3.org/2018/credentials#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""

# Annex I element -> a SPARQL ASK over the expanded graph (paths as in shared/STANDARDS.md).
ANNEX_I = {
    "learner": "?vc cred:credentialSubject ?p . ?p a elm:Person ; foaf:givenName 'Ana'@en ;"
    " foaf:familyName 'Horvat'@en ; elm:dateOfBirth ?dob . FILTER(?dob = '2004-03-01T00:00:00Z'^^xsd:dateTime)",
    "title": "?vc cred:credentialSubject/elm:hasClaim ?c . ?c dc:title '3D printing: FDM basics'@en ;"
    " elm:specifiedBy/dc:title '3D tisk: osnove FDM'@sl .",
    "issuer country": "?vc cred:issuer/elm:location/elm:address/elm:countryCode"
    " <http://publications.europa.eu/resource/authority/country/SVN> .",
    "awarding body": f"?vc cred:credentialSubject/elm:hasClaim/elm:awardedBy ?a . ?a a"
    f" elm:AwardingProcess ; elm:awardingBody <{ISSUER_DID}> .",
    "date of issuing": "?vc cred:issued ?i ; cred:credentialSubject/elm:hasClaim/elm:awardedBy/"
    "elm:awardingDate ?a . FILTER(?i = '2026-11-25T10:30:00Z'^^xsd:dateTime"
    " && ?a = '2026-11-20T00:00:00Z'^^xsd:dateTime)",
    "learning outcomes": "?vc cred:credentialSubject/elm:hasClaim/elm:specifiedBy/"
    "elm:learningOutcome ?o . ?o a elm:LearningOutcome ; dc:title 'Prepares a model for printing'@en"
    " ; elm:relatedESCOSkill"
    " <http://data.europa.eu/esco/skill/0e3ae9e2-5cf5-4ea8-9b0a-4e1b8e6e8d5f> .",
    "workload": "?vc cred:credentialSubject/elm:hasClaim/elm:specifiedBy ?s . ?s elm:creditPoint ?cp ;"
    " elm:volumeOfLearning ?v . FILTER(?v = 'PT50H'^^xsd:duration) ?cp elm:framework"
    " <http://data.europa.eu/snb/education-credit/6fcec5c5af> ; elm:point ?pt . FILTER(str(?pt) = '2.5')",
    "level": "?vc cred:credentialSubject/elm:hasClaim/elm:specifiedBy/elm:EQFLevel"
    " <http://data.europa.eu/snb/eqf/4> .",
    "assessment type": "?vc cred:credentialSubject/elm:hasClaim/elm:provenBy ?a . ?a a"
    " elm:LearningAssessment ; elm:specifiedBy/dc:type/skos:prefLabel"
    " 'practical demonstration'@en .",
    "form of participation": "?vc cred:credentialSubject/elm:hasClaim/elm:specifiedBy/elm:mode"
    " <http://data.europa.eu/snb/learning-assessment/9191af2ed9> .",
    "quality assurance": "?vc cred:credentialSubject/elm:hasClaim/elm:specifiedBy/"
    "elm:additionalNote ?n . ?n dc:subject <urn:microcred:annex1:quality-assurance> ;"
    " elm:noteLiteral 'Internal QA, accredited by the ministry'@en .",
    "grade": "?vc cred:credentialSubject/elm:hasClaim/elm:provenBy/elm:grade/elm:noteLiteral"
    " 'excellent'@en .",
    "prerequisites": "?vc cred:credentialSubject/elm:hasClaim/elm:specifiedBy/elm:entryRequirement"
    "/elm:noteLiteral 'Basic computer skills'@en .",
    "supervision": "?vc cred:credentialSubject/elm:hasClaim/elm:specifiedBy/elm:additionalNote/"
    "dc:subject <urn:microcred:annex1:supervision> .",
    "stackability": "?vc cred:credentialSubject/elm:hasClaim/elm:specifiedBy/elm:additionalNote/"
    "dc:subject <urn:microcred:annex1:stackability> .",
    "description": "?vc cred:credentialSubject/elm:hasClaim/elm:specifiedBy/dc:description"
    " 'Preparing, slicing and printing models.'@en .",
}


@pytest.mark.parametrize("element", sorted(ANNEX_I))
def test_annex_i_element_has_its_elm_iri(graph: rdflib.Graph, element: str) -> None:
    query = f"{PREFIXES} ASK {{ ?vc a <https://www.w3.org/2018/credentials#VerifiableCredential> ."
    query += f" {ANNEX_I[element]} }}"
    assert graph.query(query).askAnswer, element


def test_no_blank_nodes_and_no_issuer_dependent_terms(
    credential: dict[str, Any], graph: rdflib.Graph
) -> None:
    nquads = canonicalize(credential, bundled_document_loader())
    assert "_:" not in nquads
    assert "issuer-dependent" not in nquads
    assert len(graph) > 60


def test_missing_elements_are_named() -> None:
    from dataclasses import replace

    bad = replace(SPEC, learning_outcomes=(), ects=None, workload_hours=None, quality_assurance={})
    fields = [f for f, _ in missing_elements(bad, Learner("", "Horvat"))]
    assert fields == ["learning_outcomes", "ects", "quality_assurance", "learner.given_name"]
    assert missing_elements(SPEC, LEARNER) == []


def test_the_edc_shapes_accept_it_but_for_their_known_defects(
    graph: rdflib.Graph, reference_data: Callable[[str], Path]
) -> None:
    shapes = rdflib.Graph()
    for name in ("EDC-generic-no-cv.ttl", "EDC-generic-full.ttl"):
        shapes.parse(reference_data(f"elm/shapes/{name}"))
    conforms, report, _ = validate(graph, shacl_graph=shapes, advanced=True)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    failed = {str(p) for p in report.objects(None, sh.resultPath)}
    # A rendered page image (displayParameter) and the EDC SHACL schema reference are what
    # the EDC viewer needs; microcred credentials are VC 2.0 with their own context.
    assert failed == {
        "http://data.europa.eu/snb/model/elm/displayParameter",
        "https://www.w3.org/2018/credentials#credentialSchema",
    }, failed
    assert not conforms


def test_the_context_redefines_no_protected_vc_term() -> None:
    loader = bundled_document_loader()
    ours = loader(CONTEXT_URL, {})["document"]["@context"]
    vc = loader("https://www.w3.org/ns/credentials/v2", {})["document"]["@context"]
    assert not (set(ours) - {"@version", "@protected"}) & set(vc)
    # Loading both in safe mode is the real check: a redefinition raises there.
    json.dumps(ours)


def test_the_microcred_v1_context_is_frozen() -> None:
    """v1 is immutable once credentials cite it: a change needs a v2 at a new URL."""
    import hashlib
    from importlib.resources import files

    data = files("verifier").joinpath("contexts/microcred-v1.jsonld").read_bytes()
    assert hashlib.sha256(data).hexdigest() == MICROCRED_V1_SHA256


def test_the_compact_credential_with_its_two_status_entries_also_fails_the_one_status_rule(
    reference_data: Callable[[str], Path],
) -> None:
    """What the README says of the compact profile: with its two status entries (revocation,
    suspension) it breaks the shapes' maxCount 1 on credentialStatus too."""
    entries = [
        {"id": f"https://x.example/status/{p}#1", "type": "BitstringStatusListEntry",
         "statusPurpose": p, "statusListIndex": "1",
         "statusListCredential": f"https://x.example/status/{p}"}
        for p in ("revocation", "suspension")
    ]  # fmt: skip
    g = rdflib.Graph()
    g.parse(
        data=canonicalize(
            build_credential(SPEC, ISSUER, LEARNER, AWARD, credential_status=entries),
            bundled_document_loader(),
        ),
        format="nt",
    )
    shapes = rdflib.Graph()
    for name in ("EDC-generic-no-cv.ttl", "EDC-generic-full.ttl"):
        shapes.parse(reference_data(f"elm/shapes/{name}"))
    _, report, _ = validate(g, shacl_graph=shapes, advanced=True)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    status = rdflib.URIRef("https://www.w3.org/2018/credentials#credentialStatus")
    components = {
        report.value(r, sh.sourceConstraintComponent)
        for r in report.subjects(sh.resultPath, status)
    }
    assert sh.MaxCountConstraintComponent in components, components
