import { useEffect, useMemo } from "react";

interface Props {
  exchange: { mode: "export" | "import"; text: string };
  fileName: string;
  onChange: (text: string) => void;
  onImport: () => void;
  onClose: () => void;
}

/** Export (the JSON `POST /api/v1/workflows` takes, to copy or download) and import of a workflow. */
export function ExchangeDialog({ exchange, fileName, onChange, onImport, onClose }: Props) {
  const exporting = exchange.mode === "export";
  const download = useMemo(() => (exporting ? URL.createObjectURL(new Blob([exchange.text], { type: "application/json" })) : null), [exporting, exchange.text]);
  useEffect(() => () => {
    if (download) URL.revokeObjectURL(download);
  }, [download]);
  return (
    <div className="exchange card" role="dialog" aria-label={exporting ? "Export" : "Import"}>
      <p className="muted small">
        {exporting
          ? "The JSON POST /api/v1/workflows takes: copy it, or save it as a file."
          : "Paste an exported workflow (its nodes, edges and layout replace what is in the editor; save to keep them)."}
      </p>
      <textarea aria-label="Workflow JSON" rows={12} readOnly={exporting} value={exchange.text} spellCheck={false} onChange={(event) => onChange(event.target.value)} />
      <div className="run-buttons">
        {!exporting && (
          <button type="button" onClick={onImport}>
            Import
          </button>
        )}
        {download && (
          <a className="button" download={fileName} href={download}>
            Download
          </a>
        )}
        <button type="button" className="link" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
