/**
 * Undo and redo over immutable states: every edit pushes the state before it; a new edit after
 * an undo drops what could have been redone. Bounded, so a long session does not grow forever.
 */
export interface History<T> {
  past: T[];
  present: T;
  future: T[];
}

export const historyLimit = 200;

export function start<T>(present: T): History<T> {
  return { past: [], present, future: [] };
}

export function record<T>(history: History<T>, next: T): History<T> {
  if (next === history.present) return history;
  return { past: [...history.past, history.present].slice(-historyLimit), present: next, future: [] };
}

export function undo<T>(history: History<T>): History<T> {
  if (history.past.length === 0) return history;
  return { past: history.past.slice(0, -1), present: history.past[history.past.length - 1], future: [history.present, ...history.future] };
}

export function redo<T>(history: History<T>): History<T> {
  if (history.future.length === 0) return history;
  return { past: [...history.past, history.present], present: history.future[0], future: history.future.slice(1) };
}
