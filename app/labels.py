"""Label files of a batch: CSV, URL list, ZIP of QR PNGs and PDF label sheets.

Every writer reads the batch's codes through a streaming query (a server-side cursor
on PostgreSQL) and writes to a binary file object as it goes, so a batch of millions of
codes never sits in memory. ``progress`` callbacks get the number of codes written.
"""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Callable, Iterator

import zxingcpp
from flask import current_app
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from app.extensions import db
from app.models import Batch, TraceCode
from app.models.codes import ExportFormat

STREAM_ROWS = 10_000
# Pixels per QR module. A label URL of up to 42 characters fits a 29-module QR code
# (version 3 at level M), which becomes a 222-pixel square with its 4-module quiet zone.
PNG_SCALE = 6
PROGRESS_EVERY = 1_000

CONTENT_TYPES = {
    ExportFormat.CSV: "text/csv; charset=utf-8",
    ExportFormat.URLS: "text/plain; charset=utf-8",
    ExportFormat.ZIP: "application/zip",
    ExportFormat.PDF: "application/pdf",
}
EXTENSIONS = {
    ExportFormat.CSV: "csv",
    ExportFormat.URLS: "txt",
    ExportFormat.ZIP: "zip",
    ExportFormat.PDF: "pdf",
}

Progress = Callable[[int], None] | None


def label_url(code: str) -> str:
    """Return the URL printed in a code's QR label: PUBLIC_BASE_URL/t/<code>."""
    return f"{current_app.config['PUBLIC_BASE_URL']}/t/{code}"


def iter_codes(batch_id: int) -> Iterator[str]:
    """Yield the codes of a batch in insertion order, streamed in blocks."""
    result = db.session.execute(
        select(TraceCode.code).where(TraceCode.batch_id == batch_id).order_by(TraceCode.id),
        execution_options={"yield_per": STREAM_ROWS},
    )
    yield from result.scalars()


def qr_png(url: str, scale: int = PNG_SCALE) -> bytes:
    """Render ``url`` as a QR code PNG (error correction M, 4-module quiet zone).

    zxing-cpp builds the matrix in native code; Pillow writes a 1-bit PNG.
    """
    matrix = zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M"), scale=scale
    )
    height, width = matrix.shape
    image = Image.frombuffer("L", (width, height), memoryview(matrix), "raw", "L", 0, 1)
    image = image.convert("1", dither=Image.Dither.NONE)  # pixels are 0 or 255 already
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def qr_modules(url: str) -> list[list[bool]]:
    """Return the QR matrix of ``url`` without quiet zone, True for a dark module."""
    matrix = zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M"),
        scale=1,
        add_quiet_zones=False,
    )
    height, width = matrix.shape
    data = bytes(memoryview(matrix))
    return [[data[row * width + column] < 128 for column in range(width)] for row in range(height)]


def write_csv(batch: Batch, output, progress: Progress = None) -> int:
    """Write ``code,url,batch_number`` rows with a header; return the number of codes.

    PostgreSQL builds the rows itself with COPY ... TO STDOUT, which is the fastest way
    out of the database. Its rows come in table order, with no sort, so they may differ
    from the id order of the other formats. Other databases go through Python's csv
    writer.
    """
    if db.engine.dialect.name == "postgresql":
        return _write_csv_postgresql(batch, output, progress)
    text = io.TextIOWrapper(output, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["code", "url", "batch_number"])
    count = 0
    base = f"{current_app.config['PUBLIC_BASE_URL']}/t/"
    for code in iter_codes(batch.id):
        writer.writerow([code, base + code, batch.batch_number])
        count += 1
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
    text.detach()
    return count


def _write_csv_postgresql(batch: Batch, output, progress: Progress) -> int:
    cursor = db.session.connection().connection.driver_connection.cursor()
    output.write(b"code,url,batch_number\n")
    base = f"{current_app.config['PUBLIC_BASE_URL']}/t/"
    sql = "COPY (SELECT code, %s || code, %s FROM trace_code WHERE batch_id = %s) TO STDOUT WITH (FORMAT csv)"
    written = 0
    with cursor.copy(sql, (base, batch.batch_number, batch.id)) as copy:
        for block in copy:
            output.write(block)
            written += bytes(block).count(b"\n")
            if progress:
                progress(written)
    return written


def write_urls(batch: Batch, output, progress: Progress = None) -> int:
    """Write one label URL per line, the plain list label printers import."""
    base = f"{current_app.config['PUBLIC_BASE_URL']}/t/"
    count = 0
    lines = []
    for code in iter_codes(batch.id):
        lines.append(f"{base}{code}\n")
        count += 1
        if len(lines) >= STREAM_ROWS:
            output.write("".join(lines).encode("ascii"))
            lines.clear()
            if progress:
                progress(count)
    output.write("".join(lines).encode("ascii"))
    return count


def write_zip(batch: Batch, output, progress: Progress = None) -> int:
    """Write a ZIP with one ``<code>.png`` QR image per code (stored, PNG is compressed)."""
    count = 0
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_STORED) as archive:
        for code in iter_codes(batch.id):
            archive.writestr(f"{code}.png", qr_png(label_url(code)))
            count += 1
            if progress and count % PROGRESS_EVERY == 0:
                progress(count)
    return count


# A4 label sheet: 4 columns x 6 rows of 40 mm QR codes with the code text below.
PAGE_WIDTH, PAGE_HEIGHT = A4
COLUMNS, ROWS = 4, 6
MARGIN = 10 * mm
CELL_WIDTH = (PAGE_WIDTH - 2 * MARGIN) / COLUMNS
CELL_HEIGHT = (PAGE_HEIGHT - 2 * MARGIN) / ROWS
QR_SIZE = 34 * mm
TEXT_SIZE = 8


# reportlab keeps a document's pages in memory until it is saved, so a large batch is
# written as a ZIP of PDF files of at most this many labels (100 pages) each.
PDF_LABELS_PER_FILE = COLUMNS * ROWS * 100


def pdf_is_split(batch: Batch) -> bool:
    """True when the batch's PDF export is a ZIP of several PDF files."""
    return batch.code_count > PDF_LABELS_PER_FILE


def write_pdf(batch: Batch, output, progress: Progress = None) -> int:
    """Write A4 label sheets: a grid of vector QR codes with each code's text under it.

    Batches above ``PDF_LABELS_PER_FILE`` codes get a ZIP of numbered PDF parts, so
    memory stays bounded by one part.
    """
    codes = iter_codes(batch.id)
    if not pdf_is_split(batch):
        return _write_pdf_part(batch.batch_number, codes, output, 0, progress)

    count = 0
    part = 0
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        while True:
            part += 1
            chunk = list(itertools.islice(codes, PDF_LABELS_PER_FILE))
            if not chunk:
                break
            buffer = io.BytesIO()
            count = _write_pdf_part(f"{batch.batch_number}-{part}", iter(chunk), buffer, count, progress)
            archive.writestr(f"{batch.batch_number}-{part:04d}.pdf", buffer.getvalue())
    return count


def _write_pdf_part(title: str, codes: Iterator[str], output, count: int, progress: Progress) -> int:
    canvas = Canvas(output, pagesize=A4, pageCompression=1)
    canvas.setTitle(title)
    slot = 0
    for code in codes:
        if slot == COLUMNS * ROWS:
            canvas.showPage()
            slot = 0
        column, row = slot % COLUMNS, slot // COLUMNS
        left = MARGIN + column * CELL_WIDTH + (CELL_WIDTH - QR_SIZE) / 2
        top = PAGE_HEIGHT - MARGIN - row * CELL_HEIGHT - 3 * mm
        _draw_qr(canvas, label_url(code), left, top, QR_SIZE)
        canvas.setFont("Courier", TEXT_SIZE)
        canvas.drawCentredString(left + QR_SIZE / 2, top - QR_SIZE - 4 * mm, code)
        slot += 1
        count += 1
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
    canvas.save()
    return count


def _draw_qr(canvas: Canvas, url: str, left: float, top: float, size: float) -> None:
    """Draw the QR code as filled rectangles, one per horizontal run of dark modules."""
    modules = qr_modules(url)
    module = size / len(modules)
    path = canvas.beginPath()
    for row_index, row in enumerate(modules):
        y = top - (row_index + 1) * module
        start = None
        for column_index, dark in enumerate([*row, False]):
            if dark and start is None:
                start = column_index
            elif not dark and start is not None:
                path.rect(left + start * module, y, (column_index - start) * module, module)
                start = None
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)


WRITERS = {
    ExportFormat.CSV: write_csv,
    ExportFormat.URLS: write_urls,
    ExportFormat.ZIP: write_zip,
    ExportFormat.PDF: write_pdf,
}


def export_extension(batch: Batch, export_format: ExportFormat) -> str:
    """Return the file extension of an export: zip for a PDF export split in parts."""
    if export_format == ExportFormat.PDF and pdf_is_split(batch):
        return "zip"
    return EXTENSIONS[export_format]


def export_content_type(batch: Batch, export_format: ExportFormat) -> str:
    if export_format == ExportFormat.PDF and pdf_is_split(batch):
        return CONTENT_TYPES[ExportFormat.ZIP]
    return CONTENT_TYPES[export_format]


def write_labels(batch: Batch, export_format: ExportFormat, output, progress: Progress = None) -> int:
    """Write the labels of ``batch`` in ``export_format`` to the binary file ``output``."""
    return WRITERS[ExportFormat(export_format)](batch, output, progress)
