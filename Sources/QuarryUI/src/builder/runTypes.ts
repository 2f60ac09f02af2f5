export interface NodeState {
  id: string;
  type: string | null;
  status: string;
  attempt: number;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  error: string | null;
  output?: unknown;
  branch: string | null;
  reused: boolean | null;
  child_run: string | null;
  output_ref: { bytes: number; url: string } | null;
}

export interface RunDetail {
  id: string;
  workflow_id: string;
  workflow_version: number;
  status: string;
  error: string | null;
  rerun_of: string | null;
  nodes: NodeState[] | null;
  created_at: string;
  duration_ms: number | null;
}

export interface LogLine {
  id: string;
  node: string | null;
  time: string;
  level: string;
  message: string;
  data: unknown;
}

export const finishedRunStatuses = new Set(["succeeded", "failed", "canceled"]);
