import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import { formatDate, formatInGroupsOfFour, formatMoney, formatMonth } from './formatMoney.js';
import type { StatementDocument } from './statementDocument.js';

type Pdf = PDFKit.PDFDocument;
type Column = { title: string; width: number; align?: 'left' | 'right' };

const MARGIN = 50;
/** Kept free above the bottom margin for the page footer. */
const FOOTER_HEIGHT = 24;
const TABLE_FONT_SIZE = 8.5;
const CELL_PADDING = 3;
const GRAY = '#555555';
/** Room for the totals and the payment details, kept on one page: the amount is read with how to pay it. */
const SETTLEMENT_HEIGHT = 130;
const TOTAL_VALUE_WIDTH = 150;

const LINE_COLUMNS: Column[] = [
  { title: 'Услуга', width: 100 },
  { title: 'Обект', width: 78 },
  { title: 'Период', width: 78 },
  { title: 'Дни', width: 65 },
  { title: 'Основание', width: 100 },
  { title: 'Сума', width: 74, align: 'right' },
];
const ADJUSTMENT_COLUMNS: Column[] = [
  { title: 'За месец', width: 100 },
  { title: 'Причина', width: 321 },
  { title: 'Сума', width: 74, align: 'right' },
];

const require = createRequire(import.meta.url);
let dejaVu: { regular: Buffer; bold: Buffer } | undefined;

/** DejaVu Sans (Cyrillic, `€`, `−`, `№`) from the installed package, read once rather than per render. */
function fonts(): { regular: Buffer; bold: Buffer } {
  dejaVu ??= {
    regular: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
    bold: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
  };
  return dejaVu;
}

/** The lowest point the body may reach on a page. */
const bodyBottom = (pdf: Pdf) => pdf.page.height - pdf.page.margins.bottom - FOOTER_HEIGHT;

/** Moves to a new page unless `height` more points fit on this one. */
function keep(pdf: Pdf, height: number): void {
  if (pdf.y + height > bodyBottom(pdf)) pdf.addPage();
}

function rowHeight(pdf: Pdf, columns: Column[], cells: string[], bold: boolean): number {
  pdf.font(bold ? 'bold' : 'regular').fontSize(TABLE_FONT_SIZE);
  const heights = columns.map((column, i) =>
    pdf.heightOfString(cells[i] ?? '', { width: column.width - 2 * CELL_PADDING }),
  );
  return Math.max(...heights) + 2 * CELL_PADDING;
}

function drawRow(pdf: Pdf, columns: Column[], cells: string[], header: boolean): void {
  const height = rowHeight(pdf, columns, cells, header);
  const left = pdf.page.margins.left;
  const width = columns.reduce((sum, column) => sum + column.width, 0);
  const top = pdf.y;
  if (header) pdf.rect(left, top, width, height).fill('#eeeeee').fillColor('black');
  let x = left;
  columns.forEach((column, i) => {
    pdf.text(cells[i] ?? '', x + CELL_PADDING, top + CELL_PADDING, {
      width: column.width - 2 * CELL_PADDING,
      align: column.align ?? 'left',
    });
    x += column.width;
  });
  const bottom = top + height;
  pdf
    .moveTo(left, bottom)
    .lineTo(left + width, bottom)
    .lineWidth(header ? 0.8 : 0.3)
    .strokeColor(GRAY)
    .stroke();
  pdf.x = left;
  pdf.y = bottom;
}

/** A table that flows onto further pages, its header row repeated at the top of each. */
function table(pdf: Pdf, columns: Column[], rows: string[][]): void {
  const header = columns.map((column) => column.title);
  const drawHeader = () => drawRow(pdf, columns, header, true);
  drawHeader();
  for (const cells of rows) {
    if (pdf.y + rowHeight(pdf, columns, cells, false) > bodyBottom(pdf)) {
      pdf.addPage();
      drawHeader();
    }
    drawRow(pdf, columns, cells, false);
  }
}

/** A section title, kept on the page with at least the table header and a row under it. */
function sectionTitle(pdf: Pdf, title: string): void {
  pdf.moveDown();
  keep(pdf, 80);
  pdf.font('bold').fontSize(11).text(title).moveDown(0.3);
}

function heading(pdf: Pdf, doc: StatementDocument): void {
  pdf.font('bold').fontSize(12).text(`Община ${doc.municipality.name}`).moveDown(0.5);
  pdf.fontSize(16).text(`Сметка за дължими такси № ${doc.statementNumber}`);
  pdf
    .font('regular')
    .fontSize(12)
    .text(`за месец ${formatMonth(doc.period)}`)
    .moveDown();
  pdf.fontSize(10).text(`До: ${doc.client.name}`);
  pdf.text(`Дата на издаване: ${formatDate(doc.issuedOn)}`);
}

function lines(pdf: Pdf, doc: StatementDocument): void {
  sectionTitle(pdf, 'Начислени такси');
  const rows = doc.lines.map((line) => [
    line.serviceName,
    line.siteName ?? '',
    `${formatDate(line.from)} –\n${formatDate(line.to)}`,
    `${line.billableDays} от ${line.daysInMonth} дни`,
    line.basis,
    formatMoney(line.amount),
  ]);
  table(pdf, LINE_COLUMNS, rows);
}

function adjustments(pdf: Pdf, doc: StatementDocument): void {
  if (doc.adjustments.length === 0) return;
  sectionTitle(pdf, 'Корекции за предходни периоди');
  const rows = doc.adjustments.map((a) => [formatMonth(a.correctsPeriod), a.reason, formatMoney(a.amount)]);
  table(pdf, ADJUSTMENT_COLUMNS, rows);
}

/** The amounts as the document gives them, right-aligned under the tables, the total due in bold. */
function totals(pdf: Pdf, doc: StatementDocument): void {
  const rows: Array<{ label: string; value: string; bold?: boolean }> = [];
  if (doc.previousBalance) rows.push({ label: 'Предходно салдо', value: formatMoney(doc.previousBalance) });
  if (doc.creditApplied) rows.push({ label: 'Приспаднат кредит', value: formatMoney(doc.creditApplied) });
  rows.push({ label: 'Общо дължимо', value: formatMoney(doc.totalDue), bold: true });
  pdf.moveDown();
  keep(pdf, SETTLEMENT_HEIGHT);
  const left = pdf.page.margins.left;
  const labelWidth = pdf.page.width - left - pdf.page.margins.right - TOTAL_VALUE_WIDTH;
  for (const row of rows) {
    const top = pdf.y;
    pdf.font(row.bold ? 'bold' : 'regular').fontSize(row.bold ? 12 : 10);
    pdf.text(`${row.label}:`, left, top, { width: labelWidth, align: 'right' });
    pdf.text(row.value, left + labelWidth, top, { width: TOTAL_VALUE_WIDTH, align: 'right' });
    pdf.x = left;
  }
}

function payment(pdf: Pdf, doc: StatementDocument): void {
  pdf.moveDown();
  pdf
    .font('bold')
    .fontSize(10)
    .text(`Срок за плащане: до ${formatDate(doc.dueOn)}`);
  pdf.font('regular');
  pdf.text(`Основание за плащане / референция: ${formatInGroupsOfFour(doc.paymentReference)}`);
  if (doc.payee) {
    pdf.text(`Получател на плащането: ${doc.payee.name}`);
    pdf.text(`IBAN: ${formatInGroupsOfFour(doc.payee.iban)}`);
  }
}

function notes(pdf: Pdf, doc: StatementDocument): void {
  if (!doc.notes?.length) return;
  pdf.moveDown().font('regular').fontSize(8.5).fillColor(GRAY);
  for (const note of doc.notes) {
    keep(pdf, pdf.heightOfString(note));
    pdf.text(note);
  }
  pdf.fillColor('black');
}

/** "Страница 1 от 2" on every page: written last, once the body has flowed and the count is known. */
function footers(pdf: Pdf, doc: StatementDocument): void {
  const { start, count } = pdf.bufferedPageRange();
  for (let i = 0; i < count; i++) {
    pdf.switchToPage(start + i);
    const left = pdf.page.margins.left;
    const width = pdf.page.width - left - pdf.page.margins.right;
    const top = bodyBottom(pdf) + FOOTER_HEIGHT / 2;
    pdf.font('regular').fontSize(8).fillColor(GRAY);
    pdf.text(`Сметка № ${doc.statementNumber}`, left, top, { width, lineBreak: false });
    pdf.text(`Страница ${i + 1} от ${count}`, left, top, { width, align: 'right', lineBreak: false });
  }
}

/**
 * The statement as an A4 PDF in Bulgarian. The same document renders to the same bytes: the only
 * date in the file is the issue date, and pdfkit derives the trailer ID from the metadata.
 */
export function renderStatementPdf(doc: StatementDocument): Promise<Buffer> {
  const pdf = new PDFDocument({
    size: 'A4',
    margin: MARGIN,
    bufferPages: true,
    lang: 'bg-BG',
    displayTitle: true,
    info: {
      Title: `Сметка за дължими такси № ${doc.statementNumber}`,
      Author: 'Casework',
      // Noon UTC is the issue date in every time zone a viewer may show it in.
      CreationDate: new Date(`${doc.issuedOn}T12:00:00Z`),
    },
  });
  const { regular, bold } = fonts();
  pdf.registerFont('regular', regular).registerFont('bold', bold);

  const chunks: Uint8Array[] = [];
  const rendered = new Promise<Buffer>((resolve, reject) => {
    pdf.on('data', (chunk: Uint8Array) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
  });

  heading(pdf, doc);
  if (doc.lines.length > 0) lines(pdf, doc);
  adjustments(pdf, doc);
  totals(pdf, doc);
  payment(pdf, doc);
  notes(pdf, doc);
  footers(pdf, doc);
  pdf.end();
  return rendered;
}
