"""folio: structured YAML content in, a print-ready, accessible PDF out."""

__version__ = "0.1.0"
