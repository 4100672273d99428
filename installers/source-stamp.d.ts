export const ROOT: string;
export const DIST: string;
export const STAMP_FILE: string;
export function sourceStamp(): string;
export function builtStamp(): string | null;
