"""Entries added to the XMP metadata packet WeasyPrint writes (PDF/A, PDF/X identification).

WeasyPrint 70 writes one packet, `<rdf:RDF>` holding a `<rdf:Description>` per property.
The descriptions given here are added before `</rdf:RDF>`, each declaring its own
namespaces, so the packet stays valid RDF whatever WeasyPrint put before them; the
text is fixed for a given input, so the bytes stay reproducible.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

import pikepdf

from .errors import BuildError

# PDF/A asks that every property outside its predefined schemas be declared in an
# extension schema (ISO 19005-2, 6.6.2.3): pdfuaid, the PDF/UA identification, is not predefined.
PDFUAID_EXTENSION = """<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" \
xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">\
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">\
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>\
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>\
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>\
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">\
<pdfaProperty:name>part</pdfaProperty:name><pdfaProperty:valueType>Integer</pdfaProperty:valueType>\
<pdfaProperty:category>internal</pdfaProperty:category>\
<pdfaProperty:description>Indicates, which part of ISO 14289 standard is followed</pdfaProperty:description>\
</rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>"""


def description(namespace: str, uri: str, properties: dict[str, str]) -> str:
    """One rdf:Description of simple properties in one namespace."""
    body = "".join(f"<{namespace}:{key}>{escape(value)}</{namespace}:{key}>" for key, value in properties.items())
    return f'<rdf:Description rdf:about="" xmlns:{namespace}="{uri}">{body}</rdf:Description>'


def add(pdf: pikepdf.Pdf, *descriptions: str) -> None:
    """Add the descriptions to the catalog's XMP packet, rewritten uncompressed (PDF/A wants
    the metadata stream readable without a filter)."""
    metadata = pdf.Root.get("/Metadata")
    if metadata is None:
        raise BuildError("the PDF has no XMP metadata to complete (the layout engine writes it for a tagged PDF)")
    packet = metadata.read_bytes().decode("utf-8")
    if "</rdf:RDF>" not in packet:
        raise BuildError("the PDF's XMP metadata has no rdf:RDF element to complete")
    packet = packet.replace("</rdf:RDF>", "".join(descriptions) + "</rdf:RDF>", 1)
    stream = pikepdf.Stream(pdf, packet.encode("utf-8"))
    stream.Type = pikepdf.Name.Metadata
    stream.Subtype = pikepdf.Name.XML
    pdf.Root.Metadata = stream


def text(pdf: pikepdf.Pdf) -> str:
    """The XMP packet as text ('' when there is none)."""
    metadata = pdf.Root.get("/Metadata")
    return metadata.read_bytes().decode("utf-8") if metadata is not None else ""
