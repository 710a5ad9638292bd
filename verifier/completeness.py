"""Completeness of an EU micro-credential: the mandatory elements of Annex I of the Council
Recommendation on micro-credentials (2022/C 243/02), looked for where the European Learning
Model 3 puts them (``shared/STANDARDS.md``; :mod:`issuer.credential` writes them there).

The check runs on the **expanded** JSON-LD (JSON-LD 1.1 Processing Algorithms, section 5.1),
so it reads IRIs, not JSON keys: a credential whose context names the terms differently but
maps them to the same ELM properties passes too. Nodes referenced by ``@id`` are followed as
well as embedded ones (``provenBy.awardedBy`` is a reference in our credentials).

==================  ===========================================================================
element             a path that satisfies it (``cs`` = ``credentialSubject``, ``claim`` =
                    ``cs/elm:hasClaim``, ``spec`` = ``claim/elm:specifiedBy``)
==================  ===========================================================================
learner             ``cs`` with ``foaf:givenName`` and ``foaf:familyName``, or ``foaf:fullName``
title               ``claim/dc:title`` or ``spec/dc:title``
issuer_country      ``cred:issuer/elm:location/elm:address/elm:countryCode``
awarding_body       ``claim/elm:awardedBy/elm:awardingBody``
date_of_issuing     ``cred:issued`` or ``claim/elm:awardedBy/elm:awardingDate``
learning_outcomes   ``spec/elm:learningOutcome`` with a ``dc:title``
workload            ``spec/elm:creditPoint/elm:point`` or ``spec/elm:volumeOfLearning``
eqf_level           ``spec/elm:EQFLevel`` = ``http://data.europa.eu/snb/eqf/<1-8>``
assessment_type     ``claim/elm:provenBy/elm:specifiedBy/dc:type``
participation_form  ``spec/elm:mode``
quality_assurance   ``spec/elm:additionalNote`` with ``dc:subject``
                    ``urn:microcred:annex1:quality-assurance`` and a ``elm:noteLiteral``, or
                    ``spec/elm:accreditation``
==================  ===========================================================================
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from verifier.digest_cache import DigestCache
from verifier.errors import VerifierError
from verifier.jsonld import DocumentLoader, expand
from verifier.result import Check

__all__ = ["ANNEX_I_ELEMENTS", "EDC_TYPE", "completeness"]

EDC_TYPE = "EuropeanDigitalCredential"

_CRED = "https://www.w3.org/2018/credentials#"
_ELM = "http://data.europa.eu/snb/model/elm/"
_DC = "http://purl.org/dc/terms/"
_FOAF = "http://xmlns.com/foaf/0.1/"
_QA_SUBJECT = "urn:microcred:annex1:quality-assurance"
_EQF = re.compile(r"^http://data\.europa\.eu/snb/eqf/[1-8]$")
_VC_TYPE = _CRED + "VerifiableCredential"

Node = Mapping[str, Any]


class _Graph:
    """The expanded document with every node object indexed by ``@id`` (its properties
    merged), so that a reference and an embedded node read the same."""

    def __init__(self, expanded: list[dict[str, Any]]) -> None:
        self.nodes: dict[str, dict[str, list[Any]]] = {}
        self.roots: list[Node] = []
        for item in expanded:
            self._index(item)
        self.roots = [
            self.follow(item)
            for item in expanded
            if isinstance(item, Mapping) and _VC_TYPE in item.get("@type", [])
        ]

    def _index(self, element: Any) -> None:
        if isinstance(element, list):
            for item in element:
                self._index(item)
            return
        if not isinstance(element, Mapping) or "@value" in element:
            return
        if "@list" in element:
            self._index(element["@list"])
            return
        node_id = element.get("@id")
        if isinstance(node_id, str):
            merged = self.nodes.setdefault(node_id, {})
            for key, value in element.items():
                if key != "@id":
                    merged.setdefault(key, []).extend(value if isinstance(value, list) else [value])
        for key, value in element.items():
            if not key.startswith("@") or key in ("@graph", "@included"):
                self._index(value)

    def follow(self, item: Any) -> Any:
        """A node object for a reference or an embedded node; a value object as it is."""
        if isinstance(item, Mapping) and "@value" not in item:
            node_id = item.get("@id")
            if isinstance(node_id, str) and node_id in self.nodes:
                return {"@id": node_id, **self.nodes[node_id]}
        return item

    def objects(self, nodes: Iterable[Any], *path: str) -> list[Any]:
        """Everything reached from ``nodes`` along the property IRIs of ``path``."""
        current = list(nodes)
        for prop in path:
            reached: list[Any] = []
            for node in current:
                if not isinstance(node, Mapping):
                    continue
                for value in node.get(prop, []):
                    listed = isinstance(value, Mapping) and "@list" in value
                    items = value["@list"] if listed else [value]
                    reached.extend(self.follow(item) for item in items)
            current = reached
        return current


def _text(values: Iterable[Any]) -> bool:
    """Some value is a non-empty literal."""
    return any(
        isinstance(v, Mapping) and isinstance(v.get("@value"), str) and v["@value"].strip()
        for v in values
    )


def _ids(values: Iterable[Any]) -> list[str]:
    return [v["@id"] for v in values if isinstance(v, Mapping) and isinstance(v.get("@id"), str)]


def _present(values: Iterable[Any]) -> bool:
    return bool(_ids(values)) or _text(values)


def _learner(g: _Graph) -> bool:
    for subject in g.objects(g.roots, _CRED + "credentialSubject"):
        given = _text(g.objects([subject], _FOAF + "givenName"))
        family = _text(g.objects([subject], _FOAF + "familyName"))
        if (given and family) or _text(g.objects([subject], _FOAF + "fullName")):
            return True
    return False


def _claims(g: _Graph) -> list[Any]:
    return g.objects(g.roots, _CRED + "credentialSubject", _ELM + "hasClaim")


def _specs(g: _Graph) -> list[Any]:
    return g.objects(_claims(g), _ELM + "specifiedBy")


def _quality_assurance(g: _Graph) -> bool:
    for note in g.objects(_specs(g), _ELM + "additionalNote"):
        if _QA_SUBJECT in _ids(g.objects([note], _DC + "subject")) and _text(
            g.objects([note], _ELM + "noteLiteral")
        ):
            return True
    return _present(g.objects(_specs(g), _ELM + "accreditation"))


def _learning_outcomes(g: _Graph) -> bool:
    outcomes = g.objects(_specs(g), _ELM + "learningOutcome")
    return any(_text(g.objects([o], _DC + "title")) for o in outcomes)


_TESTS: tuple[tuple[str, Callable[[_Graph], bool]], ...] = (
    ("learner", _learner),
    ("title", lambda g: _text(g.objects(_claims(g), _DC + "title"))
        or _text(g.objects(_specs(g), _DC + "title"))),
    ("issuer_country", lambda g: _present(g.objects(
        g.roots, _CRED + "issuer", _ELM + "location", _ELM + "address", _ELM + "countryCode"))),
    ("awarding_body", lambda g: _present(
        g.objects(_claims(g), _ELM + "awardedBy", _ELM + "awardingBody"))),
    ("date_of_issuing", lambda g: _text(g.objects(g.roots, _CRED + "issued"))
        or _text(g.objects(_claims(g), _ELM + "awardedBy", _ELM + "awardingDate"))),
    ("learning_outcomes", _learning_outcomes),
    ("workload", lambda g: _text(g.objects(_specs(g), _ELM + "creditPoint", _ELM + "point"))
        or _text(g.objects(_specs(g), _ELM + "volumeOfLearning"))),
    ("eqf_level", lambda g: any(
        _EQF.match(i) for i in _ids(g.objects(_specs(g), _ELM + "EQFLevel")))),
    ("assessment_type", lambda g: _present(
        g.objects(_claims(g), _ELM + "provenBy", _ELM + "specifiedBy", _DC + "type"))),
    ("participation_form", lambda g: _present(g.objects(_specs(g), _ELM + "mode"))),
    ("quality_assurance", _quality_assurance),
)  # fmt: skip

#: The mandatory elements of Annex I, by the names the check reports.
ANNEX_I_ELEMENTS: tuple[str, ...] = tuple(name for name, _ in _TESTS)


# The expanded graph is a pure function of the credential: remembered (see digest_cache).
_GRAPHS: DigestCache[_Graph] = DigestCache(256)


def completeness(credential: Mapping[str, Any], loader: DocumentLoader) -> Check:
    """The ``completeness`` check: does an EU micro-credential carry the 11 mandatory
    elements of Annex I (Council Recommendation 2022/C 243/02) on their ELM 3 properties?

    ``skipped`` for a credential whose ``type`` does not include
    ``EuropeanDigitalCredential`` (another issuer's kind of credential); ``passed`` with
    ``data["elements"]``; ``failed`` with ``data["missing"]`` naming the missing elements
    (see the module table); ``warning`` with the :class:`verifier.JsonLdError` code when the
    credential cannot be expanded offline (an unknown context), so nothing could be checked.
    """
    types = credential.get("type")
    if EDC_TYPE not in (types if isinstance(types, list) else [types]):
        detail = "not an EU micro-credential (no EuropeanDigitalCredential type)"
        return Check("completeness", "skipped", detail=detail)
    try:
        # Without its proof, as the proof hashed it: the expansion canonicalize() made of it
        # is then remembered (verifier.jsonld), and the proof is not an Annex I element.
        unproven = {key: value for key, value in credential.items() if key != "proof"}
        graph = _GRAPHS.get(unproven, loader, lambda: _Graph(expand(unproven, loader)))
    except VerifierError as exc:
        detail = f"cannot read the credential as JSON-LD: {exc.detail}"
        return Check("completeness", "warning", exc.code, detail)
    missing = [name for name, test in _TESTS if not test(graph)]
    if missing:
        return Check(
            "completeness",
            "failed",
            "annex_i_incomplete",
            f"missing Annex I elements: {', '.join(missing)}",
            {"missing": missing},
        )
    return Check(
        "completeness",
        "passed",
        detail="all 11 mandatory Annex I elements are present",
        data={"elements": list(ANNEX_I_ELEMENTS)},
    )
