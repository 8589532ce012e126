// Language layer: turns manifest diagnostics (1-based, shared model) into LSP diagnostics (0-based).
import { DiagnosticSeverity, Range, type Diagnostic } from 'vscode-languageserver';
import type { ManifestDiagnostic, SourceRange } from '../shared/manifest/model';

/** `source` of every diagnostic this server publishes; code actions only act on their own. */
export const diagnosticSource = 'nimbus';

const severities: Record<ManifestDiagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

export function toLspRange(range: SourceRange): Range {
  return Range.create(
    Math.max(range.start.line - 1, 0),
    Math.max(range.start.column - 1, 0),
    Math.max(range.end.line - 1, 0),
    Math.max(range.end.column - 1, 0),
  );
}

export function toLspDiagnostic(diagnostic: ManifestDiagnostic): Diagnostic {
  return {
    range: toLspRange(diagnostic.range),
    severity: severities[diagnostic.severity],
    code: diagnostic.code,
    source: diagnosticSource,
    message: diagnostic.message,
  };
}

/** What the server publishes when checking a manifest fails: the reason, at the top of the file, instead of nothing. */
export function failureDiagnostic(error: unknown): Diagnostic {
  const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
  return {
    range: Range.create(0, 0, 0, 0),
    severity: DiagnosticSeverity.Error,
    code: 'check-failed',
    source: diagnosticSource,
    message: `could not check this manifest: ${reason} (the Nimbus language server log has the details)`,
  };
}
