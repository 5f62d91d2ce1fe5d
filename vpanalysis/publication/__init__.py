"""The protected publication: every local-source number a collaboration's reports may show,
computed once and protected together (see :mod:`vpanalysis.publication.keys`)."""
