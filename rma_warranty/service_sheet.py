# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Serial numbers read from a service form sent by email (SINNEN's "service
sheet"): from the text of the mail and from CSV or XLSX attachments.

Pure functions, without the ORM: ``rma.order._rma_mail_service_sheet`` matches
what they find against our serials and says what it could not read.
"""

import csv
import io
import itertools
import re
import zipfile

try:  # Odoo's base_import reads XLSX files with it too; optional here.
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException
except ImportError:  # pragma: no cover - openpyxl is in Odoo's requirements
    openpyxl = None
    InvalidFileException = ValueError

# A file larger than this is not read (bytes), nor more rows or serials than these.
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
MAX_SERIALS = 200
MAX_CELLS = 50  # per row
# Something a serial number may be: letters, digits and separators, 4 to 64 long.
TOKEN = re.compile(r"(?<![\w./-])[A-Za-z0-9][A-Za-z0-9._/-]{2,62}[A-Za-z0-9](?![\w/-])")
# "Serial: X", "S/N X", "SN# X", "序列号：X" on a line of the text.
LABEL = re.compile(
    r"(?i)(?:\bserial(?:\s*(?:number|no\.?|nr\.?|#))?|\bs/n|\bsn\b|序列号|序號|序列號)"
    r"\s*[:：#=]?"
)
# Column headers of the serial numbers and of the fault in a sheet.
SERIAL_HEADERS = re.compile(
    r"(?i)^\s*(?:serial(?:\s*(?:number|no\.?|nr\.?|#))?|s/n|sn|lot|"
    r"(?:产品)?序列号|序號|序列號|numéro de série|número de serie|seriennummer)\s*$"
)
FAULT_HEADERS = re.compile(
    r"(?i)^\s*(?:fault|problem|issue|defect|symptom|description|"
    r"故障(?:描述|现象)?|问题描述)\s*$"
)
CSV_TYPES = ("text/csv", "text/comma-separated-values", "application/csv")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ServiceSheet:
    """What a mail names: ``serials`` ({serial: fault text or ""}, in the order
    found), ``labelled`` (those named as serial numbers, by a label or a column:
    listed for staff when they match nothing) and ``problems`` ([(file name,
    "too_large" | "broken" | "no_reader" | "too_many")])."""

    def __init__(self):
        self.serials = {}
        self.labelled = set()
        self.problems = []

    def add(self, serial, labelled=False, fault=""):
        serial = (serial or "").strip()
        if not serial or len(serial) > 64 or not any(c.isdigit() for c in serial):
            return
        # Unlabelled words need a letter too: dates and amounts are no serials.
        if not labelled and not any(c.isalpha() for c in serial):
            return
        if serial not in self.serials:
            if len(self.serials) >= MAX_SERIALS:
                if ("", "too_many") not in self.problems:
                    self.problems.append(("", "too_many"))
                return
            self.serials[serial] = ""
        if fault and not self.serials[serial]:
            self.serials[serial] = fault.strip()[:4000]
        if labelled:
            self.labelled.add(serial)

    # ---- Text -----------------------------------------------------------------------

    def read_text(self, text):
        for line in (text or "").splitlines():
            label = LABEL.search(line)
            for match in TOKEN.finditer(line):
                self.add(
                    match.group(), labelled=bool(label and match.start() >= label.end())
                )

    # ---- Sheets ---------------------------------------------------------------------

    def read_rows(self, rows):
        """Rows of cells (text) of a CSV file or a worksheet: a header naming the
        serial column makes each of its cells a serial (with the fault of the
        fault column); without one, cells that are one word each are read as
        text."""
        serial_col = fault_col = None
        for index, row in enumerate(rows):
            if index >= MAX_ROWS:
                break
            cells = [
                "" if cell is None else str(cell).strip()
                for cell in itertools.islice(row, MAX_CELLS)
            ]
            if serial_col is None:
                found = [
                    i for i, cell in enumerate(cells) if SERIAL_HEADERS.match(cell)
                ]
                if found:
                    serial_col = found[0]
                    faults = [
                        i for i, cell in enumerate(cells) if FAULT_HEADERS.match(cell)
                    ]
                    fault_col = faults[0] if faults else None
                    continue
                for cell in cells:
                    if TOKEN.fullmatch(cell):
                        self.add(cell)
                continue
            if serial_col < len(cells):
                fault = (
                    cells[fault_col]
                    if fault_col is not None and fault_col < len(cells)
                    else ""
                )
                self.add(cells[serial_col], labelled=True, fault=fault)

    def read_attachment(self, name, content, mimetype=None):
        """Read a CSV or XLSX attachment; other files are not service forms."""
        lower = (name or "").lower()
        is_csv = lower.endswith(".csv") or mimetype in CSV_TYPES
        is_xlsx = lower.endswith(".xlsx") or mimetype == XLSX_TYPE
        if not (is_csv or is_xlsx):
            return
        if isinstance(content, str):
            content = content.encode("utf-8")
        if len(content or b"") > MAX_FILE_BYTES:
            self.problems.append((name, "too_large"))
            return
        if is_xlsx:
            self._read_xlsx(name, content)
        else:
            self._read_csv(name, content)

    def _read_csv(self, name, content):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = content.decode("latin-1")
        if "\x00" in text:
            self.problems.append((name, "broken"))
            return
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        try:
            self.read_rows(csv.reader(io.StringIO(text), dialect))
        except csv.Error:
            self.problems.append((name, "broken"))

    def _read_xlsx(self, name, content):
        if openpyxl is None:
            self.problems.append((name, "no_reader"))
            return
        try:
            workbook = openpyxl.load_workbook(
                io.BytesIO(content), read_only=True, data_only=True
            )
            try:
                for sheet in workbook.worksheets:
                    self.read_rows(sheet.iter_rows(values_only=True))
            finally:
                workbook.close()
        except (
            zipfile.BadZipFile,
            InvalidFileException,
            KeyError,
            ValueError,
            TypeError,
            OSError,
            IndexError,
        ):
            self.problems.append((name, "broken"))


def read_mail(body_text, attachments):
    """The service sheet of a mail: its ``body_text`` (plain text) and its
    ``attachments`` ([(name, content, mimetype or None)])."""
    sheet = ServiceSheet()
    sheet.read_text(body_text)
    for name, content, mimetype in attachments:
        sheet.read_attachment(name, content, mimetype)
    return sheet
