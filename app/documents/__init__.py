"""What the services render for people: the credential's human-readable summary
(:mod:`~app.documents.summary`), the printable certificate (:mod:`~app.documents.certificate`),
QR codes (:mod:`~app.documents.qr`), download file names (:mod:`~app.documents.filenames`) and
the six languages with their catalogues (:mod:`~app.documents.i18n`,
:mod:`~app.documents.messages`)."""
