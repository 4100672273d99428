// Device-supplied names are shown to people (the dashboard, a spreadsheet of the export). Control
// characters and bidirectional overrides in them can hide or reorder what is shown ("PC-1‮exe.txt"
// reads as something else), so they are replaced by a visible U+FFFD wherever such a name is displayed.

/** C0 and C1 controls, DEL, and the Unicode bidi controls (embeddings, overrides, isolates, marks). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function displayText(value: string): string {
  return value.replace(HIDDEN, '\ufffd');
}
