"""Make real PDF, DOCX and XLSX attachments with Chinese text, the way government sites publish them.

Tests and benchmarks/bench_attachments.py build their files here at run time, so the
repository holds no binary fixtures and every file's text is known exactly.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime

import docx
import openpyxl
from fpdf import FPDF
from PIL import Image, ImageDraw

from tests.system_tools import cjk_font

# fontTools warns about the font's embedded bitmap table on every subset it writes.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)

TITLE = "2024年京津冀协同发展重点任务清单"
PARAGRAPHS = (
    "一、总体要求。以习近平新时代中国特色社会主义思想为指导，深入贯彻落实京津冀协同发展战略，"
    "坚持稳中求进工作总基调，推动三地产业链供应链深度融合。",
    "二、重点任务。（一）推进交通一体化：加快京雄、津潍等高速铁路建设，完善城际铁路网络，"
    "推动北京大兴国际机场临空经济区协同发展。",
    "（二）深化产业协作：围绕新能源汽车、生物医药、工业互联网等领域，共同打造六条重点产业链，"
    "建立链长制工作机制，促进北京研发、津冀制造。",
    "（三）加强生态环境联防联治：持续开展大气污染综合治理，推进白洋淀、潮白河流域水环境治理，"
    "落实跨区域生态补偿机制。",
    "（四）促进公共服务共建共享：推动医疗检查检验结果互认，扩大异地就医直接结算范围，"
    "支持北京优质中小学与河北、天津学校开展合作办学。",
    "三、保障措施。各责任单位要细化工作方案，明确时间表、路线图，于每季度末报送进展情况，"
    "市协同办将会同有关部门开展督促检查。",
)
TABLE_HEADER = ("序号", "任务名称", "牵头单位", "完成时限")
TABLE_ROWS = (
    ("1", "京津冀产业链图谱编制", "市经济和信息化局", "2024年6月"),
    ("2", "跨省市异地就医直接结算扩面", "市医保局", "2024年9月"),
    ("3", "雄安新区中关村科技园建设", "市科委、中关村管委会", "2024年12月"),
    ("4", "潮白河流域水环境联合执法", "市生态环境局", "2024年10月"),
)


def known_text() -> str:
    """Return every character the default generated documents hold, title and table included."""
    return Document().known_text()


def recovered_share(known: str, extracted: str) -> float:
    """Return the share of ``known``'s non-space characters found again in ``extracted``."""
    want = Counter(ch for ch in known if not ch.isspace())
    got = Counter(ch for ch in extracted if not ch.isspace())
    return sum((want & got).values()) / sum(want.values())


def _new_pdf() -> FPDF:
    pdf = FPDF(format="A4")
    pdf.add_font("wqy", fname=str(cjk_font()), collection_font_number=0)
    pdf.set_font("wqy", size=12)
    pdf.set_auto_page_break(auto=True, margin=20)
    return pdf


# Fixed times inside the files, so a build writes the same bytes every time.
FILE_TIME = datetime(2024, 2, 22, 9, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Document:
    """What an attachment holds: a title, paragraphs and one table."""

    title: str = TITLE
    paragraphs: tuple[str, ...] = PARAGRAPHS
    header: tuple[str, ...] = TABLE_HEADER
    rows: tuple[tuple[str, ...], ...] = TABLE_ROWS
    sheet: str = "重点任务"

    def known_text(self) -> str:
        """Return every character the generated files hold, title and table included."""
        rows = [self.header, *self.rows]
        return "\n".join([self.title, *self.paragraphs, *("\t".join(row) for row in rows)])


def _write_policy(pdf: FPDF, document: Document = Document()) -> None:
    pdf.add_page()
    pdf.set_font_size(16)
    pdf.multi_cell(0, 10, document.title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font_size(12)
    for paragraph in document.paragraphs:
        pdf.multi_cell(0, 8, paragraph, new_x="LMARGIN", new_y="NEXT")
    total = 185
    first = 15
    rest = (total - first) / max(len(document.header) - 1, 1)
    widths = (first, *([rest] * (len(document.header) - 1)))
    for row in (document.header, *document.rows):
        for width, cell in zip(widths, row, strict=True):
            pdf.cell(width, 8, cell, border=1)
        pdf.ln(8)


def make_pdf(
    copies: int = 1, owner_password: str | None = None, document: Document = Document()
) -> bytes:
    """Return a PDF with a text layer holding ``document`` ``copies`` times, a page each.

    With ``owner_password`` the file is encrypted but opens without a password (only
    printing and copying are restricted), as many government PDFs are.
    """
    pdf = _new_pdf()
    pdf.set_creation_date(FILE_TIME)
    for _ in range(copies):
        _write_policy(pdf, document)
    if owner_password:
        pdf.set_encryption(owner_password=owner_password, user_password="")
    return bytes(pdf.output())


def make_locked_pdf(user_password: str = "xietong") -> bytes:
    """Return a PDF that cannot be opened without a user password."""
    pdf = _new_pdf()
    _write_policy(pdf)
    pdf.set_encryption(owner_password="owner-" + user_password, user_password=user_password)
    return bytes(pdf.output())


def make_scanned_pdf(pages: int = 2) -> bytes:
    """Return a PDF whose pages are only pictures, the way a scanner writes them."""
    pdf = FPDF(format="A4")
    for page in range(pages):
        image = Image.new("L", (620, 877), color=255)
        draw = ImageDraw.Draw(image)
        for line in range(30):
            top = 60 + line * 25
            draw.rectangle((60, top, 560 - (line * 37 + page * 11) % 200, top + 10), fill=40)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        pdf.add_page()
        pdf.image(buffer, x=0, y=0, w=210, h=297)
    return bytes(pdf.output())


def make_docx(document: Document = Document()) -> bytes:
    """Return a DOCX with the title, the paragraphs and the table of ``document``."""
    word = docx.Document()
    word.core_properties.created = FILE_TIME.replace(tzinfo=None)
    word.core_properties.modified = FILE_TIME.replace(tzinfo=None)
    word.add_heading(document.title, level=1)
    for paragraph in document.paragraphs:
        word.add_paragraph(paragraph)
    table = word.add_table(rows=0, cols=len(document.header))
    for row in (document.header, *document.rows):
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    buffer = io.BytesIO()
    word.save(buffer)
    return reproducible_zip(buffer.getvalue())


def make_xlsx(document: Document = Document()) -> bytes:
    """Return an XLSX whose first sheet is the table, with the title above it."""
    workbook = openpyxl.Workbook()
    workbook.properties.created = FILE_TIME.replace(tzinfo=None)
    sheet = workbook.active
    sheet.title = document.sheet
    sheet.append([document.title])
    sheet.append(list(document.header))
    for row in document.rows:
        sheet.append([int(row[0]) if row[0].isdigit() else row[0], *row[1:]])
    notes = workbook.create_sheet("说明")
    for paragraph in document.paragraphs:
        notes.append([paragraph])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return reproducible_zip(buffer.getvalue())


_CORE_TIME_RE = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def reproducible_zip(data: bytes) -> bytes:
    """Rewrite an Office file with fixed member times and document dates (same bytes each build)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    stamp = FILE_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            content = source.read(member.filename)
            if member.filename == "docProps/core.xml":
                content = _CORE_TIME_RE.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            info = zipfile.ZipInfo(member.filename, date_time=FILE_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, content)
    return out.getvalue()
