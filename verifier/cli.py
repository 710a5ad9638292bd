"""``python -m verifier FILE|URL|-``: verify a credential or a presentation from the command
line.

A presentation (``type`` ``VerifiablePresentation`` or ``EnvelopedVerifiablePresentation``, or
a ``vp+jwt``) is verified with :func:`verifier.verify_presentation`: its holder's proof, the
``--challenge`` and ``--domain`` it must carry when given, and every credential in it; the
report shows the presentation's checks, then each credential's.

The input is a file, ``-`` (standard input) or an ``http(s)`` URL: a credential or
presentation (JSON-LD or JWT), or a PDF that carries one as an embedded file (a microcred
certificate; :mod:`verifier.pdf`), whose credential is then verified, and a PDF without one
is reported as such (exit 1). A URL is fetched through
:class:`verifier.fetch.HttpFetcher` with ``Accept: application/vc, application/vc+ld+json,
application/vc+jwt;q=0.9, application/json;q=0.8`` (a microcred verification page ``/v/<id>``
answers that with the stored credential). DID documents and status lists are fetched the
same way; ``--allow-host HOST:PORT`` lets a development server on a private address through
the SSRF guard (and plain http works for localhost / 127.0.0.1 only). ``--contexts-dir DIR``
adds an operator's hash-pinned JSON-LD contexts (:func:`verifier.load_context_directory`).

Output: the verdict first, then one line per check (``✓`` passed, ``✗`` failed, ``!``
warning, an en dash skipped; ASCII marks when the terminal cannot show these), or the JSON
of :meth:`VerificationResult.to_json` with ``--json``.
Exit status: 0 verified, 1 not verified, 2 usage error (argparse's convention). Whether the
issuer is one of the ``--trust`` DIDs is reported (the ``trust`` line, ``"trusted"`` in the
JSON) but does not decide the exit status unless ``--require-trusted`` is given: then an
issuer not on the list exits 1 (and ``--require-trusted`` without any ``--trust`` is a usage
error: nothing could pass).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from verifier.did_resolution import DidResolver
from verifier.errors import FetchError, JsonLdError
from verifier.fetch import HttpFetcher
from verifier.jsonld import DocumentLoader, bundled_document_loader, load_context_directory
from verifier.pdf import unwrap_pdf
from verifier.presentation import PresentationResult, is_presentation, verify_presentation
from verifier.result import Check, VerificationResult
from verifier.verify import CREDENTIAL_ACCEPT, verify_credential

__all__ = ["main"]

EXIT_VERIFIED = 0
EXIT_NOT_VERIFIED = 1
EXIT_USAGE = 2
#: The largest credential read from a PDF's embedded files.
MAX_PDF_CREDENTIAL_BYTES = 10 * 1024 * 1024

_MARKS = {"passed": "✓", "failed": "✗", "warning": "!", "skipped": "\u2013"}
_ASCII_MARKS = {"passed": "+", "failed": "x", "warning": "!", "skipped": "-"}


class _UsageError(Exception):
    pass


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Verify a W3C verifiable credential (JSON-LD with a Data Integrity proof, "
        "vc+jwt, VC-JWT 1.1 or enveloped) or an SD-JWT VC (with or without a key binding "
        "JWT): proof, issuer key, validity, status, "
        "EU micro-credential completeness and issuer trust.",
    )
    parser.add_argument("source", help="a file, an http(s) URL, or - for standard input")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--trust", action="append", default=None, metavar="DID",
        help="a trusted issuer DID (repeatable); without it the trust check is skipped",
    )  # fmt: skip
    parser.add_argument(
        "--require-trusted", action="store_true",
        help="exit 1 unless the issuer is one of the --trust DIDs (by default trust is "
        "reported but does not decide the exit status)",
    )  # fmt: skip
    parser.add_argument(
        "--allow-host", action="append", default=[], metavar="HOST:PORT",
        help="fetch from this host even at a private address (development servers)",
    )  # fmt: skip
    parser.add_argument(
        "--contexts-dir", metavar="DIR",
        help="JSON-LD contexts to accept besides the bundled ones: DIR/index.json maps each "
        "URL to {file, sha256}",
    )  # fmt: skip
    parser.add_argument(
        "--challenge", metavar="TEXT",
        help="a presentation's proof must carry this challenge (vp+jwt and an SD-JWT VC's "
        "key binding JWT: nonce)",
    )  # fmt: skip
    parser.add_argument(
        "--domain", metavar="TEXT",
        help="a presentation's proof must carry this domain (vp+jwt and an SD-JWT VC's key "
        "binding JWT: aud)",
    )  # fmt: skip
    parser.add_argument("--now", metavar="ISO", help="verify as of this time (ISO 8601)")
    parser.add_argument(
        "--skew", type=float, default=300.0, metavar="SECONDS",
        help="clock skew tolerated for validity (default 300)",
    )  # fmt: skip
    return parser


def _parse_now(value: str | None) -> datetime:
    if value is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _UsageError(f"--now {value!r} is not an ISO 8601 date-time") from exc
    if moment.tzinfo is None:
        raise _UsageError(f"--now {value!r} needs a time zone (e.g. Z)")
    return moment


def _read_source(source: str, fetcher: HttpFetcher) -> bytes:
    """The input bytes; raises :class:`FetchError` for a URL that cannot be fetched and
    :class:`_UsageError` for a file that cannot be read."""
    if source == "-":
        return sys.stdin.buffer.read()
    if source.lower().startswith(("http://", "https://")):
        return fetcher.fetch(source, accept=CREDENTIAL_ACCEPT).body
    try:
        with open(source, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise _UsageError(f"cannot read {source}: {exc.strerror or exc}") from exc


def _marks(stream: TextIO) -> dict[str, str]:
    encoding = getattr(stream, "encoding", None) or "ascii"
    try:
        "".join(_MARKS.values()).encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return _ASCII_MARKS
    return _MARKS


def _line(check: Check, marks: dict[str, str]) -> str:
    text = f"{marks.get(check.status, '?')} {check.name}: "
    if check.code and check.status != "passed":
        text += f"{check.code}: "
    return text + (check.detail or check.status)


def accepted(result: VerificationResult, *, require_trusted: bool = False) -> bool:
    """Whether the command line accepts ``result``: verified, and with ``require_trusted``
    issued by a trusted issuer."""
    return result.verified and (not require_trusted or result.trusted is True)


def summary(result: VerificationResult, stream: TextIO, *, require_trusted: bool = False) -> str:
    """The readable report: the verdict first, then one line per check."""
    marks = _marks(stream)
    head = "VERIFIED" if accepted(result, require_trusted=require_trusted) else "NOT VERIFIED"
    lines = [f"{head}: {result.verdict}"]
    if result.format:
        lines.append(f"  format: {result.format}")
    if result.issuer:
        lines.append(f"  issuer: {result.issuer}")
    if result.verification_method:
        lines.append(f"  key: {result.verification_method}")
    lines += [_line(check, marks) for check in result.checks]
    return "\n".join(lines)


def presentation_summary(
    result: PresentationResult, stream: TextIO, *, require_trusted: bool = False
) -> str:
    """The readable report of a presentation: the verdict, the presentation's checks, then
    each credential's report, indented."""
    marks = _marks(stream)
    ok = presentation_accepted(result, require_trusted=require_trusted)
    lines = [f"{'VERIFIED' if ok else 'NOT VERIFIED'}: presentation"]
    if result.format:
        lines.append(f"  format: {result.format}")
    if result.holder:
        lines.append(f"  holder: {result.holder}")
    lines += [_line(check, marks) for check in result.checks]
    for index, credential in enumerate(result.credential_results):
        lines.append(f"verifiableCredential[{index}]:")
        report = summary(credential, stream, require_trusted=require_trusted)
        lines += ["  " + line for line in report.splitlines()]
    return "\n".join(lines)


def presentation_accepted(result: PresentationResult, *, require_trusted: bool = False) -> bool:
    """Whether the command line accepts a presentation: it and every credential in it."""
    return result.presentation_verified and all(
        accepted(r, require_trusted=require_trusted) for r in result.credential_results
    )


def _loader(
    contexts_dir: str | None, extra: Mapping[str, Mapping[str, Any]]
) -> DocumentLoader | None:
    if contexts_dir is None and not extra:
        return None
    try:
        pinned = load_context_directory(contexts_dir) if contexts_dir is not None else {}
    except JsonLdError as exc:
        raise _UsageError(f"--contexts-dir: {exc.detail}") from exc
    return bundled_document_loader({**pinned, **extra})


def main(
    argv: Sequence[str] | None = None,
    *,
    prog: str = "python -m verifier",
    contexts: Mapping[str, Mapping[str, Any]] | None = None,
    host_schemes: Mapping[str, str] | None = None,
) -> int:
    """Run the command line; returns the exit status (0 verified, 1 not, 2 usage error).
    ``prog`` is the command's name in its help and messages; ``contexts`` (URL -> JSON-LD
    document) are accepted besides the bundled ones and ``--contexts-dir``; ``host_schemes``
    as for :class:`DidResolver` (a deployment's own host and scheme)."""
    parser = _parser(prog)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: 2 for a usage error, 0 for --help
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        now = _parse_now(args.now)
        if args.skew < 0:
            raise _UsageError("--skew must not be negative")
        if args.require_trusted and not args.trust:
            raise _UsageError("--require-trusted needs at least one --trust DID")
        loader = _loader(args.contexts_dir, contexts or {})
        with HttpFetcher(allow_hosts=args.allow_host) as fetcher:
            result: VerificationResult | None = None
            attachment: str | None = None
            try:
                data = _read_source(args.source, fetcher)
            except FetchError as exc:
                detail = f"cannot fetch {args.source}: {exc.detail}"
                failed = Check("format", "failed", exc.code, detail)
                result = VerificationResult(checks=(failed,))
            else:
                unwrapped = unwrap_pdf(data, max_bytes=MAX_PDF_CREDENTIAL_BYTES)
                data, attachment = unwrapped.data, unwrapped.attachment
                if unwrapped.failed is not None:
                    result = VerificationResult(checks=(unwrapped.failed,))
            if result is None:
                if is_presentation(data):
                    presented = verify_presentation(
                        data,
                        resolver=DidResolver(fetcher),
                        options={"challenge": args.challenge, "domain": args.domain},
                        fetcher=fetcher,
                        document_loader=loader,
                        now=now,
                        clock_skew=timedelta(seconds=args.skew),
                        trusted_issuers=args.trust,
                    )
                    return _report_presentation(presented, args.json, args.require_trusted)
                result = verify_credential(
                    data,
                    resolver=DidResolver(fetcher, host_schemes=host_schemes),
                    fetcher=fetcher,
                    document_loader=loader,
                    now=now,
                    clock_skew=timedelta(seconds=args.skew),
                    trusted_issuers=args.trust,
                    audience=args.domain,
                    nonce=args.challenge,
                )
    except _UsageError as exc:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if (args.challenge is not None or args.domain is not None) and result.format != "dc+sd-jwt":
        print(f"{parser.prog}: note: --challenge/--domain apply to presentations only",
              file=sys.stderr)  # fmt: skip
    if args.json:
        ascii_only = _marks(sys.stdout) is _ASCII_MARKS
        body = result.to_json()
        if attachment is not None:
            body["pdfAttachment"] = attachment
        print(json.dumps(body, indent=2, ensure_ascii=ascii_only))
    else:
        report = summary(result, sys.stdout, require_trusted=args.require_trusted)
        if attachment is not None:  # after the verdict line
            head, _, rest = report.partition("\n")
            report = f"{head}\n  read from the PDF's embedded file {attachment}\n{rest}"
        print(report)
    ok = accepted(result, require_trusted=args.require_trusted)
    return EXIT_VERIFIED if ok else EXIT_NOT_VERIFIED


def _report_presentation(result: PresentationResult, as_json: bool, require_trusted: bool) -> int:
    if as_json:
        ascii_only = _marks(sys.stdout) is _ASCII_MARKS
        print(json.dumps(result.to_json(), indent=2, ensure_ascii=ascii_only))
    else:
        print(presentation_summary(result, sys.stdout, require_trusted=require_trusted))
    ok = presentation_accepted(result, require_trusted=require_trusted)
    return EXIT_VERIFIED if ok else EXIT_NOT_VERIFIED
