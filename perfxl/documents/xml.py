"""One safe way to parse the XML of a document: no entity expansion, no network, no huge trees."""

from __future__ import annotations

from lxml import etree

from .base import Unreadable


def xml_root(data: bytes, what: str) -> etree._Element:
    """The root element of an XML part.

    libxml2 then keeps its own bounds: nesting deeper than 256 elements, or a text node larger
    than 10 MB, is an error, not a tree built.

    Raises:
        Unreadable: the part is not well-formed XML (``what`` names it for the message).
    """
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, remove_comments=True, remove_pis=True
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise Unreadable(f"文件已损坏（{what}：{str(exc).splitlines()[0][:120]}）") from exc
    if root is None:
        raise Unreadable(f"文件已损坏（{what} 是空的）")
    return root
