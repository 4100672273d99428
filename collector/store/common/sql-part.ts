// A piece of SQL with its `?` parameters in order: what the statement builders of both engines pass
// around and join.
export type SqlValue = string | number | null;
export interface SqlPart {
  sql: string;
  params: SqlValue[];
}
