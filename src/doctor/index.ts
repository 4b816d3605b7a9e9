export * from './diagnose.js';
export * from './finding.js';
export * from './format-findings.js';
export * from './snapshot.js';
export * from './take-snapshot.js';
