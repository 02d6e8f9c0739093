import { isDirectiveSupported } from './directive-versions.js';

/**
 * A directive with the one-line comment operators see above it. The comment
 * travels with the directive, so dropping a directive (too new for the host)
 * also drops its explanation.
 */
export interface Directive {
  key: string;
  value: string;
  comment?: string;
}

export interface Section {
  name: 'Unit' | 'Service' | 'Socket' | 'Timer' | 'Path' | 'Install';
  directives: Directive[];
}

export function directive(key: string, value: string, comment?: string): Directive {
  if (value.includes('\n')) throw new RangeError(`${key}= value must be a single line`);
  if (comment?.includes('\n')) throw new RangeError(`${key}= comment must be a single line`);
  return comment === undefined ? { key, value } : { key, value, comment };
}

/**
 * Serializes header + sections. Comments become `# ...` lines directly above
 * their directive; directives newer than `systemdVersion` are left out; empty
 * sections are left out. Output always ends with exactly one newline.
 */
export function renderUnitFile(header: readonly string[], sections: readonly Section[], systemdVersion: number): string {
  const blocks = [header.join('\n')];
  for (const section of sections) {
    const lines: string[] = [];
    for (const d of section.directives) {
      if (!isDirectiveSupported(d.key, systemdVersion)) continue;
      if (d.comment !== undefined) lines.push(`# ${d.comment}`);
      lines.push(`${d.key}=${d.value}`);
    }
    if (lines.length > 0) blocks.push([`[${section.name}]`, ...lines].join('\n'));
  }
  return `${blocks.join('\n\n')}\n`;
}
