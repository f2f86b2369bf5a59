// howold/report: HTML reports with figures for runs, evaluations and audits; galleries and boxed photos.
export { readRun, runSection, describeRun, type RunData } from './run.js';
export { evalSections, bestAndWorst, labelledCrops, predictionsCsv, writeEvalCharts, writeEvalReport, type EvalReportOptions, type WriteEvalReportOptions } from './evaluation.js';
export { annotateFile, annotatePhotos, listPhotos, photoSection, faceLabels, type PhotoResult } from './photos.js';
export { rankAudit, auditScore, auditCsv, formatAudit, labelProbability, writeAuditReport, MAX_SCORE, type AuditRow } from './audit.js';
export { renderPage, writePage, pageImages, type Page, type Section, type Block } from './html.js';
export { annotatePhoto, boxesSvg, tileGallery, errorColor, type Tile, type LabelledBox, type RenderedImage } from './gallery.js';
export { svgToPng, writeFigure, writeImage, writeRendered, type WrittenImage } from './render.js';
export * from './charts.js';
export { testSplitManifest } from './split.js';
export { csvField } from '../core/csv.js';
