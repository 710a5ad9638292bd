# ruff: noqa: E501  (parameter tables read best on one line each)
"""The EDC profile through the service: credentials issued over HTTP by an institution of the
EDC profile pass the EU's EDC shapes (EDC-generic-full with EDC-generic-no-cv, ELM 3 as the
ontology) with zero violations, on the complete signed credential with its one status entry,
for every key type, with and without an NQF level, in several languages; EBSI's VC 2.0 EDC
JSON Schema finds only the differences the README lists. Suspension is refused with a 409;
revocation, verification, the pages, the wallet, the PDF and bulk issuance work as for the
compact profile."""

from __future__ import annotations

import base64
import io
import json
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
import rdflib
from PIL import Image
from pyshacl import validate
from sqlalchemy.orm import Session, sessionmaker

from app.container import Container
from app.main import create_app
from app.settings import Secrets, Settings
from tests.support.api import achievement, credential, institution, verification_path, wallet_path
from tests.support.clock import FixedClock
from tests.support.data import ACHIEVEMENT, BASE_URL, HTML, LEARNER
from verifier.jsonld import bundled_document_loader, canonicalize

pytestmark = pytest.mark.anyio

QDR_CONCEPT = "http://data.europa.eu/snb/qdr/c_c392e7a2"
SH = rdflib.Namespace("http://www.w3.org/ns/shacl#")
CRED_STATUS = "https://www.w3.org/2018/credentials#credentialStatus"

#: Every optional Annex I element, text in the institution's language (plain text).
FULL: dict[str, Any] = {
    **ACHIEVEMENT,
    "description": "Preparing, slicing and printing models on FDM printers.",
    "prerequisites": "Basic computer skills",
    "stackability": "Counts towards the 3D printing technician programme",
    "further_information": "https://example.org/course",
    "ects": 2.5,
}
#: Per language: the institution's name and the course title in it.
TEXTS = {
    "sl": ("Tehniški šolski center Ljubljana", "3D tisk: osnove FDM"),
    "hr": ("Tehnička škola Zagreb", "3D ispis: osnove FDM"),
    "sr-Cyrl": ("Техничка школа Београд", "3Д штампа: основе ФДМ"),
}


@pytest.fixture(scope="module")
def shapes() -> Callable[[Callable[[str], Path]], tuple[rdflib.Graph, rdflib.Graph]]:
    """The EDC shapes and the ELM ontology, parsed once per module."""
    cache: dict[str, tuple[rdflib.Graph, rdflib.Graph]] = {}

    def load(reference_data: Callable[[str], Path]) -> tuple[rdflib.Graph, rdflib.Graph]:
        if "graphs" not in cache:
            shapes = rdflib.Graph()
            for name in ("EDC-generic-no-cv.ttl", "EDC-generic-full.ttl"):
                shapes.parse(reference_data(f"elm/shapes/{name}"))
            ontology = rdflib.Graph()
            ontology.parse(reference_data("elm/ELM.ttl"))
            cache["graphs"] = (shapes, ontology)
        return cache["graphs"]

    return load


def violations(
    credential: dict[str, Any], shapes: rdflib.Graph, ontology: rdflib.Graph
) -> list[tuple[str, str, str]]:
    """(path, constraint, value) of every SHACL result on the credential's whole RDF dataset
    (the proof's graph included)."""
    graph = rdflib.Graph()
    with warnings.catch_warnings():  # rdflib's N-Quads parser calls its own deprecated API
        warnings.simplefilter("ignore", DeprecationWarning)
        dataset = rdflib.Dataset()
        dataset.parse(data=canonicalize(credential, bundled_document_loader()), format="nquads")
        for s, p, o, _ in dataset.quads((None, None, None, None)):
            graph.add((s, p, o))
    assert len(graph) > 100
    _, report, _ = validate(graph, shacl_graph=shapes, ont_graph=ontology, advanced=True)
    found = []
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        found.append(
            (
                str(report.value(result, SH.resultPath)),
                str(report.value(result, SH.sourceConstraintComponent)).rsplit("#", 1)[-1],
                str(report.value(result, SH.value)),
            )
        )
    return found


async def edc_credential(
    client: httpx.AsyncClient,
    admin: dict[str, str],
    *,
    slug: str = "edc",
    language: str = "sl",
    key_type: str = "ed25519",
    nqf: bool = True,
    title: Any = None,
) -> tuple[dict[str, str], dict[str, Any]]:
    name, plain_title = TEXTS.get(language, TEXTS["sl"])
    _, headers = await institution(
        client, admin, slug=slug, name=name, language=language, key_type=key_type, profile="edc"
    )
    body = {**FULL, "title": title or plain_title}
    if nqf:
        body["nqf_level"] = QDR_CONCEPT
        body["nqf_level_label"] = "SOK 5"  # plain text: the institution's language
    made = await achievement(client, headers, body)
    issued = await credential(client, headers, made["id"], LEARNER, grade="odlično (5)")
    return headers, issued


def only_the_known_defect(found: list[tuple[str, str, str]], status_id: str) -> None:
    """The published shapes give credentialStatus the datatype xsd:anyURI, which no status
    object (an IRI node, as VC 2.0 and EDC's own examples have it) can satisfy."""
    assert found == [(CRED_STATUS, "DatatypeConstraintComponent", status_id)], found


CASES = [
    ("ed25519", True, "sl"),
    ("ed25519", False, "hr"),
    ("ed25519", True, "sr-Cyrl"),
    ("p256", False, "sl"),
    ("p256", True, "hr"),
    ("p256", False, "sr-Cyrl"),
]


@pytest.mark.parametrize(("key_type", "nqf", "language"), CASES)
async def test_the_edc_shapes_find_no_violation_but_their_own_defect(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    reference_data: Callable[[str], Path],
    shapes: Callable[[Callable[[str], Path]], tuple[rdflib.Graph, rdflib.Graph]],
    key_type: str,
    nqf: bool,
    language: str,
) -> None:
    shape_graph, ontology = shapes(reference_data)
    _, issued = await edc_credential(
        client, admin_headers, language=language, key_type=key_type, nqf=nqf
    )
    vc = json.loads(issued["stored"])
    assert vc["proof"]["cryptosuite"] == (
        "eddsa-rdfc-2022" if key_type == "ed25519" else "ecdsa-rdfc-2019"
    )
    status = vc["credentialStatus"]
    assert isinstance(status, dict) and status["statusPurpose"] == "revocation"
    assert vc["issuer"]["legalName"] == {language: TEXTS[language][0]}
    specification = vc["credentialSubject"]["hasClaim"]["specifiedBy"]
    assert ("nqfLevel" in specification) is nqf
    if nqf:
        assert specification["nqfLevel"]["prefLabel"] == {language: "SOK 5"}
    [display] = vc["displayParameter"]["individualDisplay"]
    assert display["language"]["id"].endswith(
        {"sl": "/SLV", "hr": "/HRV", "sr-Cyrl": "/SRP"}[language]
    )
    only_the_known_defect(violations(vc, shape_graph, ontology), status["id"])


async def test_a_credential_in_two_languages_has_a_page_image_per_language(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    reference_data: Callable[[str], Path],
    shapes: Callable[[Callable[[str], Path]], tuple[rdflib.Graph, rdflib.Graph]],
) -> None:
    shape_graph, ontology = shapes(reference_data)
    title = {"sl": "3D tisk: osnove FDM", "en": "3D printing: FDM basics"}
    _, issued = await edc_credential(client, admin_headers, title=title)
    vc = json.loads(issued["stored"])
    display = vc["displayParameter"]
    assert display["title"] == title
    assert display["primaryLanguage"]["id"].endswith("/SLV")
    assert [c["id"].rsplit("/", 1)[1] for c in display["language"]] == ["SLV", "ENG"]
    images = []
    for individual in display["individualDisplay"]:
        image = individual["displayDetail"]["image"]
        assert image["contentType"]["id"].endswith("/file-type/JPEG")
        picture = Image.open(io.BytesIO(base64.b64decode(image["content"])))
        assert picture.format == "JPEG" and picture.size == (596, 842)  # A4 at 72 dpi, rounded up
        images.append(picture.convert("L").tobytes())
    assert images[0] != images[1]  # set in each language
    only_the_known_defect(violations(vc, shape_graph, ontology), vc["credentialStatus"]["id"])


async def test_ebsi_schema_finds_only_the_documented_differences(
    admin_headers: dict[str, str],
    reference_data: Callable[[str], Path],
    settings: Settings,
    secrets: Secrets,
    session_factory: sessionmaker[Session],
    clock: FixedClock,
) -> None:
    import jsonschema
    from referencing import Registry, Resource

    edc_schema = json.loads(reference_data("elm/ebsi/vcdm2.0-europass-edc-schema.json").read_text())
    attestation = json.loads(reference_data("elm/ebsi/vcdm2.0-attestation-schema.json").read_text())
    base = edc_schema["$id"].rsplit("/", 1)[0]
    registry = Registry().with_resource(
        f"{base}/vcdm2.0-attestation-schema/schema.json", Resource.from_contents(attestation)
    )
    validator = jsonschema.Draft202012Validator(edc_schema, registry=registry)
    example = json.loads(reference_data("elm/ebsi/example-microcredential.json").read_text())
    assert not list(validator.iter_errors(example))

    ebsi = Container(settings.model_copy(update={"edc_ebsi": True}), secrets, session_factory,
                     clock=clock)  # fmt: skip
    transport = httpx.ASGITransport(app=create_app(container=ebsi))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
        _, issued = await edc_credential(client, admin_headers)
    vc = json.loads(issued["stored"])
    assert vc["type"] == [
        "VerifiableCredential",
        "VerifiableAttestation",
        "EuropeanDigitalCredential",
    ]
    errors = {(tuple(e.absolute_path), e.validator) for e in validator.iter_errors(vc)}
    # Each is in the README's list: EBSI's status types (not Bitstring Status List), the
    # issuer's eidasLegalIdentifier (the EDC shapes require it), the proof (Data Integrity).
    assert {path for path, _ in errors} == {("credentialStatus",), ("issuer",), ("proof",)}, errors


async def test_without_a_grade_or_with_nqf_text_it_is_a_422_saying_what_is_expected(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, headers = await institution(client, admin_headers, profile="edc", language="sl")
    made = await achievement(client, headers, FULL)
    r = await client.post(
        "/api/v1/credentials",
        json={"achievement_id": made["id"], "learner": LEARNER},
        headers=headers,
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    [error] = r.json()["errors"]
    assert error["field"] == "grade" and "elm:grade" in error["reason"]


async def test_suspension_is_refused_with_a_409_and_revocation_works_everywhere(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers, issued = await edc_credential(client, admin_headers)
    base = f"/api/v1/credentials/{issued['id']}"
    r = await client.post(f"{base}/suspend", headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "suspension_not_available"
    assert "EDC" in r.json()["detail"]
    vc_id = issued["credential"]["id"]
    suspend = {"credentialId": vc_id, "status": True,
               "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"}}  # fmt: skip
    r = await client.post("/credentials/status", json=suspend, headers=headers)
    assert r.status_code == 409 and r.json()["code"] == "suspension_not_available"

    for vc in (issued["credential"], issued["jwt"]):
        ok = await client.post("/credentials/verify", json={"verifiableCredential": vc})
        assert ok.status_code == 200 and ok.json()["verdict"] == "valid", ok.text
    assert (await client.post(f"{base}/revoke", headers=headers)).status_code == 200
    r = await client.post(
        "/credentials/verify", json={"verifiableCredential": issued["credential"]}
    )
    assert r.status_code == 422 and r.json()["code"] == "revoked"


async def test_the_page_the_wallet_and_the_pdf_of_an_edc_credential(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    _, issued = await edc_credential(client, admin_headers)
    page = await client.get(verification_path(issued), headers=HTML)
    assert page.status_code == 200 and "3D tisk: osnove FDM" in page.text
    assert "SOK 5" in page.text  # the NQF concept's label
    wallet = await client.get(wallet_path(issued), headers=HTML)
    assert wallet.status_code == 200 and "3D tisk" in wallet.text
    pdf = await client.get(f"{wallet_path(issued)}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


async def test_bulk_issuance_of_an_edc_institution(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    _, headers = await institution(client, admin_headers, profile="edc", language="hr")
    made = await achievement(client, headers, {**FULL, "title": TEXTS["hr"][1]})
    roster = "given_name,family_name,grade\nAna,Horvat,izvrstan (5)\nIvo,Ivić,\n"
    r = await client.post(
        f"/api/v1/batches?achievement_id={made['id']}",
        content=roster.encode(),
        headers={**headers, "Content-Type": "text/csv"},
    )
    assert r.status_code == 202, r.text
    batch = r.json()
    while container.batches.work_once("edc-worker", 5):
        pass
    status = (await client.get(f"/api/v1/batches/{batch['id']}", headers=headers)).json()
    assert (status["issued"], status["failed"]) == (1, 1), status
    results = await client.get(f"/api/v1/batches/{batch['id']}/results", headers=headers)
    assert "grade" in results.text


async def test_a_title_in_more_page_languages_than_the_size_limit_holds_is_a_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    """One page image per language: six of them outgrow MICROCRED_MAX_CREDENTIAL_BYTES (256 KiB),
    which is a 422 naming the display parameter, not a 500."""
    _, headers = await institution(client, admin_headers, profile="edc", language="sl")
    title = {tag: f"3D tisk ({tag})" for tag in ("sl", "en", "hr", "sr-Latn", "bs", "cnr")}
    made = await achievement(client, headers, {**FULL, "title": title})
    r = await client.post(
        "/api/v1/credentials",
        json={"achievement_id": made["id"], "learner": LEARNER, "grade": "5"},
        headers=headers,
    )
    assert r.status_code == 422, r.text
    assert "displayParameter" in r.json()["errors"][0]["reason"]
