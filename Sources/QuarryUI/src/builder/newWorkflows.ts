/** Workflows named on the list page and not yet saved: id → name, read once by the builder. */
export const newWorkflows = new Map<string, string>();
