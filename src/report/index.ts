export { readRun, runSection, describeRun, type RunData } from './run.js';
export { evalSections, bestAndWorst, labelledCrops, predictionsCsv, type EvalReportOptions } from './evaluation.js';
export { annotateFile, annotatePhotos, listPhotos, photoSection, faceLabels, type PhotoResult } from './photos.js';
export { rankAudit, auditScore, auditCsv, formatAudit, labelProbability, writeAuditReport, MAX_SCORE, type AuditRow } from './audit.js';
export { renderPage, writePage, pageImages, type Page, type Section, type Block } from './html.js';
export { annotatePhoto, tileGallery, errorColor, type Tile, type LabelledBox, type RenderedImage } from './gallery.js';
export { svgToPng, writeFigure, writeImage, writeRendered, type WrittenImage } from './render.js';
export * from './charts.js';
