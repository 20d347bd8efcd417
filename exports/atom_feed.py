"""Render the digest as an Atom feed, one entry per article with stable tag URIs."""

from __future__ import annotations

import re
from html import escape as html_escape

from exports.entries import (
    EMPTY_MESSAGE,
    POLICY_KIND,
    TAG_PREFIX,
    VIA_LABELS,
    DigestEntry,
    entry_datetime,
)
from exports.model import Digest

# Characters XML 1.0 forbids; damaged (mojibake) text can hold them, and lxml refuses them.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return XML_FORBIDDEN.sub("", text)


def _atom_content(entry: DigestEntry) -> str:
    """Return an entry's Atom content as an HTML fragment: policy header, lead, attachments."""
    parts = []
    if entry.kind == POLICY_KIND:
        header = [
            ("发文机关", entry.issuers),
            ("发文字号", entry.doc_number),
            ("成文日期", entry.written_at),
        ]
        parts.append(
            "<p>%s</p>"
            % "<br/>".join("%s：%s" % (name, html_escape(value)) for name, value in header if value)
        )
    parts.append("<p>%s</p>" % html_escape(entry.lead))
    if entry.shown_attachments:
        parts.append(
            "<p>附件 Attachments: %s</p>"
            % " ".join(
                '<a href="%s">%s</a>' % (html_escape(file.url, quote=True), html_escape(file.name))
                if file.safe_url
                else html_escape(file.name)
                for file in entry.shown_attachments
            )
        )
    if entry.stories:
        parts.append(
            "<p>本周相关报道 Stories this week:</p><ul>%s</ul>"
            % "".join(
                '<li><a href="%s">%s</a> (%s)</li>'
                % (
                    html_escape(story.safe_url or "", quote=True),
                    html_escape(story.title),
                    VIA_LABELS.get(story.via, story.via),
                )
                if story.safe_url
                else "<li>%s (%s)</li>"
                % (html_escape(story.title), VIA_LABELS.get(story.via, story.via))
                for story in entry.stories
            )
        )
    if entry.also_on:
        parts.append(
            "<p>also on %d sites: %s</p>" % (entry.also_on, html_escape(", ".join(entry.sites[1:])))
        )
    return _xml_text("".join(parts))


def render_atom(digest: Digest) -> bytes:
    """Return the digest as an Atom feed, one entry per article in digest order.

    The feed links itself (``rel="self"``) and its HTML digest; ids are tag URIs that stay
    the same however often the digest is rebuilt or moved.
    """
    from feedgen.feed import FeedGenerator

    feed = FeedGenerator()
    feed.id("%sdigest/%s" % (TAG_PREFIX, digest.week.name))
    feed.title("Xietong 协同 weekly digest %s" % digest.week.name)
    feed.author({"name": "Xietong"})
    feed.language("zh")
    feed.updated(digest.updated())
    feed.link(href=digest.file_url("atom"), rel="self", type="application/atom+xml")
    feed.link(href=digest.file_url("html"), rel="alternate", type="text/html")
    if digest.empty:
        feed.subtitle(EMPTY_MESSAGE)
    else:
        counts = ", ".join(
            "%s %d" % (kind, count) for kind, count in digest.counts_by_kind().items()
        )
        feed.subtitle("%s to %s: %s" % (digest.week.monday, digest.week.sunday, counts))
    for section in digest.sections():
        for entry in section.entries:
            item = feed.add_entry(order="append")
            item.id(entry.tag_id)
            item.title(_xml_text(entry.title) or entry.id)
            if entry.safe_url:
                item.link(href=entry.safe_url)
            moment = entry_datetime(entry)
            item.published(moment)
            item.updated(moment)
            if entry.source_label:
                item.author({"name": _xml_text(entry.source_label)})
            # Content, not only a summary: Atom needs one of content or a link, and an odd
            # row (no http URL) has no link.
            item.content(_atom_content(entry), type="html")
            item.category(term=entry.kind)
            for topic in entry.topics:
                item.category(term=_xml_text(topic))
    atom: bytes = feed.atom_str(pretty=True)
    return atom
