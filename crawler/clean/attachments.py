"""Attachment files (附件): read their text, or say why there is none.

Government pages put much of a policy in PDF, DOCX and XLSX attachments. Everything here is
pure: bytes and a name in, text or a named error out (finding the links and telling a body
that only points to a file is ``crawler.clean.attachment_links``). PDF is read with pypdfium2 (PDFium),
DOCX with python-docx, XLSX with openpyxl in read-only mode. Legacy binary Office files
(.doc, .xls), WPS files and OFD have no well-kept pure-Python reader and are reported as
unsupported.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from datetime import date, datetime, time
from typing import Any

import docx
import openpyxl
import pypdfium2
from docx.opc.exceptions import PackageNotFoundError
from docx.text.paragraph import Paragraph
from lxml import etree
from openpyxl.utils.exceptions import InvalidFileException

from crawler.clean.attachment_links import file_extension

__all__ = [
    "DEFAULT_MAX_BYTES",
    "AttachmentError",
    "BrokenFileError",
    "EncryptedFileError",
    "FileTooLargeError",
    "NoTextLayerError",
    "UnsupportedTypeError",
    "detect_file_type",
    "extract_attachment_text",
]

# The same cap as a page (DOWNLOAD_MAXSIZE in crawler/settings.py); callers pass the setting.
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
# A DOCX or XLSX is a zip: refuse one that would unpack to more than this many times its cap.
_MAX_UNPACK_RATIO = 10
# A PDF page with a text layer holds far more; a scanned one holds none, or a page number.
_MIN_CHARS_PER_PAGE = 10


class AttachmentError(ValueError):
    """An attachment that gave no text; ``kind`` names why, for the archive's ``error`` column."""

    kind = "error"


class BrokenFileError(AttachmentError):
    """The file is truncated, corrupt or not the type its name says."""

    kind = "broken"


class EncryptedFileError(AttachmentError):
    """The file cannot be opened without a password."""

    kind = "encrypted"


class NoTextLayerError(AttachmentError):
    """The PDF is pictures of pages (a scan) with no text layer to read."""

    kind = "scanned"


class FileTooLargeError(AttachmentError):
    """The file, or what it unpacks to, is larger than the cap."""

    kind = "too_large"


class UnsupportedTypeError(AttachmentError):
    """No well-kept reader for this type (.doc, .xls, .wps, .ofd, archives, unknown)."""

    kind = "unsupported"


# ---------------------------------------------------------------------------------------------
# File types

# Content types servers send for them; application/octet-stream says nothing and is skipped.
_CONTENT_TYPES = {
    "application/pdf": "pdf",
    "application/x-pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.ms-works": "wps",
    "application/kswps": "wps",
    "application/ofd": "ofd",
}
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Zip members that name the format inside (OOXML parts, the OFD entry document).
_ZIP_MARKERS = (("word/document.xml", "docx"), ("xl/workbook.xml", "xlsx"), ("OFD.xml", "ofd"))


def detect_file_type(data: bytes, file_name: str = "", content_type: str = "") -> str:
    """Return the file's type ("pdf", "docx", "xlsx", "doc", "ofd" …), or "" when unknown.

    The bytes decide first, since servers often send application/octet-stream or a wrong
    name; the name's extension, then the content type, decide when the bytes cannot.
    """
    named = file_extension(file_name) or _CONTENT_TYPES.get(
        content_type.split(";")[0].strip().lower(), ""
    )
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
        except zipfile.BadZipFile:
            return named or "zip"
        for member, kind in _ZIP_MARKERS:
            if member in names:
                return kind
        return named or "zip"
    if data.startswith(_OLE2_MAGIC):
        # An OLE2 container: .doc, .xls, .wps, or a password-protected DOCX/XLSX.
        return named or "ole"
    return named


# ---------------------------------------------------------------------------------------------
# Text extraction


def extract_attachment_text(
    data: bytes, file_name: str = "", content_type: str = "", max_bytes: int = DEFAULT_MAX_BYTES
) -> str:
    """Return the text of a PDF, DOCX or XLSX attachment, or raise an ``AttachmentError``.

    ``file_name`` may be the name shown on the page or the URL. Lines of a PDF page that
    wrap inside a sentence are joined again, so a word split over two lines is found.
    """
    if len(data) > max_bytes:
        raise FileTooLargeError("%d bytes, over the cap of %d" % (len(data), max_bytes))
    if not data:
        raise BrokenFileError("empty file")
    kind = detect_file_type(data, file_name, content_type)
    if kind == "pdf":
        return _pdf_text(data)
    if kind in ("docx", "xlsx"):
        if data.startswith(_OLE2_MAGIC):
            raise EncryptedFileError("a %s in an OLE2 container: password-protected" % kind)
        _check_unpacked_size(data, max_bytes * _MAX_UNPACK_RATIO)
        return _docx_text(data) if kind == "docx" else _xlsx_text(data)
    raise UnsupportedTypeError("no reader for %s files" % (kind or "unknown"))


def _pdf_text(data: bytes) -> str:
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        code = getattr(error, "err_code", None)
        if code in (pypdfium2.raw.FPDF_ERR_PASSWORD, pypdfium2.raw.FPDF_ERR_SECURITY):
            raise EncryptedFileError("PDF needs a password") from error
        raise BrokenFileError("PDF cannot be read: %s" % error) from error
    pages: list[str] = []
    try:
        for index in range(len(document)):
            page = document[index]
            text_page = page.get_textpage()
            pages.append(_unwrap_lines(text_page.get_text_range()))
            text_page.close()
            page.close()
    except pypdfium2.PdfiumError as error:
        raise BrokenFileError("PDF page %d cannot be read: %s" % (len(pages) + 1, error)) from error
    finally:
        document.close()
    text = "\n".join(page for page in pages if page)
    if len(re.sub(r"\s", "", text)) < _MIN_CHARS_PER_PAGE * max(len(pages), 1):
        raise NoTextLayerError("%d pages without a text layer" % len(pages))
    return text


_SENTENCE_END = frozenset("。！？；：!?;:")


def _unwrap_lines(page_text: str) -> str:
    """Join lines a PDF wrapped mid-sentence: a full-width line not ending a sentence."""
    lines = [line.strip() for line in re.split(r"\r\n|[\r\n]", page_text)]
    lines = [re.sub(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]", "", line) for line in lines if line]
    if not lines:
        return ""
    full = 0.85 * max(len(line) for line in lines)
    joined = [lines[0]]
    for line in lines[1:]:
        previous = joined[-1]
        last_line = previous.rsplit("\n", 1)[-1]
        if len(last_line) >= full and last_line[-1] not in _SENTENCE_END:
            space = " " if last_line[-1].isascii() and line[0].isascii() else ""
            joined[-1] = previous + space + line
        else:
            joined.append(line)
    return "\n".join(joined)


def _check_unpacked_size(data: bytes, limit: int) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile as error:
        raise BrokenFileError("not a readable zip: %s" % error) from error
    if unpacked > limit:
        raise FileTooLargeError("unpacks to %d bytes, over the cap of %d" % (unpacked, limit))


def _docx_text(data: bytes) -> str:
    """Paragraphs and tables of the body in document order; a table row is one tab-joined line."""
    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                lines.append(block.text.strip())
                continue
            for row in block.rows:
                cells: list[Any] = []
                for cell in row.cells:
                    # A merged cell comes back once per grid column it spans.
                    if not cells or cell._tc is not cells[-1]._tc:
                        cells.append(cell)
                lines.append("\t".join(" ".join(cell.text.split()) for cell in cells).strip())
    except (
        PackageNotFoundError,
        KeyError,
        ValueError,
        zipfile.BadZipFile,
        zlib.error,
        etree.XMLSyntaxError,
    ) as error:
        raise BrokenFileError("DOCX cannot be read: %s" % error) from error
    return "\n".join(line for line in lines if line)


def _cell_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == time(0):
        return value.date().isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return " ".join(str(value).split())


def _xlsx_text(data: bytes) -> str:
    """Each sheet's name on a line, then its non-empty rows, cells joined by tabs."""
    lines: list[str] = []
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (
        InvalidFileException,
        KeyError,
        OSError,
        ValueError,
        zipfile.BadZipFile,
        zlib.error,
        etree.XMLSyntaxError,
    ) as error:
        raise BrokenFileError("XLSX cannot be read: %s" % error) from error
    try:
        for sheet in workbook.worksheets:
            lines.append(sheet.title)
            for row in sheet.iter_rows(values_only=True):
                cells = [_cell_text(value) for value in row if value is not None]
                if any(cells):
                    lines.append("\t".join(cells))
    except (
        KeyError,
        OSError,
        ValueError,
        zipfile.BadZipFile,
        zlib.error,
        etree.XMLSyntaxError,
    ) as error:
        raise BrokenFileError("XLSX cannot be read: %s" % error) from error
    finally:
        workbook.close()
    return "\n".join(lines)
